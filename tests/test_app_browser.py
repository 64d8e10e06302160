"""The live app's real page in headless Chromium, with a fake webcam playing a generated house-number video.

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``;
``.ci/run`` installs them). Where they are missing the test is skipped, unless
``COURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure.

By default the server uses tiny untrained models (the plumbing is under test).
With ``COURSE_APP_MODELS=saved`` it uses the models the notebooks saved in
``models/`` and also reports the share of frames whose number was read right.
Screenshots of each tab go to ``runs/app-test/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from app_fixtures import save_tiny_models

pytest.importorskip("fastapi")
selenium = pytest.importorskip("selenium")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from helpers.app import frames, readers as app_readers, server  # noqa: E402
from helpers.machinery import paths  # noqa: E402

BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
DRIVER = shutil.which("chromedriver")
if not (BROWSER and DRIVER):
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail("COURSE_REQUIRE_BROWSER=1 but Chromium or chromedriver is missing: "
                    "apt-get install chromium chromium-driver", pytrace=False)
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

SAVED = os.environ.get("COURSE_APP_MODELS") == "saved"
SHOTS = paths.runs_dir() / "app-test"


class Server:
    """The app on a free port in a background thread, counting what it answers."""

    def __init__(self, readers):
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.readings = []
        original = readers.house

        def counted(picture):
            result = original(picture)
            self.readings.append(result["number"])
            return result

        readers.house = counted
        self.server = uvicorn.Server(uvicorn.Config(server.create_app(readers), host="127.0.0.1", port=self.port,
                                                    log_level="warning", log_config=None))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "the app server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"


def chromium(tmp_path: Path, video: Path | None, camera_allowed: bool = True):
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1100,1000", f"--user-data-dir={tmp_path / 'profile'}",
                 "--use-fake-device-for-media-stream"):
        options.add_argument(flag)
    if video is not None:
        options.add_argument(f"--use-file-for-fake-video-capture={video}")
    if camera_allowed:
        options.add_argument("--use-fake-ui-for-media-stream")  # answers the permission prompt with "allow"
    else:
        options.add_experimental_option("prefs", {"profile.default_content_setting_values.media_stream_camera": 2})
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@contextmanager
def page(app_server, tmp_path, video=None, camera_allowed=True):
    """The app's page loaded in a fresh headless Chromium, once its status line says the readers are loaded."""
    driver = chromium(tmp_path, video, camera_allowed)
    try:
        driver.get(app_server.url)
        WebDriverWait(driver, 20).until(lambda d: "Readers ready" in text(d, "status"))
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        if not SAVED:
            mp.setenv("COURSE_MODELS_DIR", str(tmp_path_factory.mktemp("models")))
            save_tiny_models()
        readers = app_readers.Readers()
        if SAVED:
            missing = [name for name, r in readers.readers.items() if not r.ready]
            assert not missing, f"COURSE_APP_MODELS=saved but these readers have no models: {missing}"
        with Server(readers) as running:
            yield running


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    shown, number = frames.camera_frames(40, digits=[1, 4, 7], seed=1)
    return frames.write_y4m(shown, tmp_path_factory.mktemp("video") / "house.y4m"), number


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def test_camera_frames_reach_the_server_and_answers_are_drawn(app_server, video, tmp_path):
    path, number = video
    with page(app_server, tmp_path, path) as driver:
        before = len(app_server.readings)
        driver.find_element(By.ID, "camera-start").click()
        overlay = driver.find_element(By.ID, "overlay")
        WebDriverWait(driver, 60).until(lambda d: int(overlay.get_attribute("data-frames") or 0) >= 20)
        assert len(app_server.readings) - before >= 20  # the frames reached the server
        assert text(driver, "camera-latency").endswith(" ms") and text(driver, "camera-server").endswith(" ms")
        fps = float(text(driver, "camera-fps"))
        assert fps > 0
        # the overlay has the answer drawn on it: some pixels are not transparent
        drawn = driver.execute_script(
            "const c = arguments[0]; const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;", overlay)
        SHOTS.mkdir(parents=True, exist_ok=True); driver.save_screenshot(str(SHOTS / "camera.png"))
        assert drawn > 100, drawn
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / "camera.png"))
        readings = app_server.readings[before:]
        share = sum(r == number for r in readings) / len(readings)
        print(f"\ncamera: {len(readings)} frames, {fps:.1f} frames/s in the browser, "
              f"{share:.0%} read as {number} ({'saved' if SAVED else 'tiny untrained'} models)")
        if SAVED:
            assert share > 0.5, f"only {share:.0%} of the frames read as {number}: {readings[:20]}"
        # freeze, then save a snapshot (the only thing the app writes)
        driver.find_element(By.ID, "camera-freeze").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "camera-snapshot").is_enabled())
        driver.find_element(By.ID, "camera-snapshot").click()
        WebDriverWait(driver, 20).until(lambda d: "Saved" in text(d, "camera-message"))
        saved = Path(text(driver, "camera-message").split("Saved ", 1)[1])
        assert saved.exists()
        saved.unlink()


def test_draw_tab_reads_strokes(app_server, tmp_path):
    with page(app_server, tmp_path) as driver:
        driver.find_element(By.ID, "tab-draw").click()
        canvas = driver.find_element(By.ID, "draw-canvas")
        # a "7": a bar across the top, then a stroke down to the left (offsets from the canvas centre)
        ActionChains(driver).move_to_element_with_offset(canvas, -70, -90).click_and_hold() \
            .move_by_offset(60, 0).move_by_offset(70, 0).move_by_offset(-30, 80).move_by_offset(-40, 90) \
            .release().perform()
        WebDriverWait(driver, 20).until(lambda d: text(d, "draw-reading") not in ("–", ""))
        assert text(driver, "draw-reading") in list("0123456789")
        bars = driver.find_elements(By.CSS_SELECTOR, "#bars .bar")
        assert len(bars) == 10
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / "draw-digit.png"))
        if SAVED:
            print(f"\ndraw: a mouse-drawn 7 read as {text(driver, 'draw-reading')}")
        # a number of several digits, read by the CTC reader
        driver.find_element(By.CSS_SELECTOR, 'input[name="draw-mode"][value="sequence"]').click()
        canvas = driver.find_element(By.ID, "draw-canvas")
        chain = ActionChains(driver)
        for x in (-200, -60, 80):  # three "1"s
            chain.move_to_element_with_offset(canvas, x, -60).click_and_hold().move_by_offset(0, 60) \
                .move_by_offset(0, 60).release()
        chain.perform()
        WebDriverWait(driver, 20).until(lambda d: text(d, "draw-reading") not in ("–", ""))
        driver.save_screenshot(str(SHOTS / "draw-number.png"))
        if SAVED:
            print(f"draw: three mouse-drawn 1s read as {text(driver, 'draw-reading')}")
        driver.find_element(By.ID, "draw-clear").click()
        assert text(driver, "draw-reading") == "–"


def test_upload_tab_reads_a_photo(app_server, video, tmp_path):
    from PIL import Image

    shown, number = frames.camera_frames(1, digits=[2, 5], seed=3)
    photo = tmp_path / "photo.jpg"
    Image.fromarray(shown[0]).save(photo)
    with page(app_server, tmp_path) as driver:
        driver.find_element(By.ID, "tab-upload").click()
        chooser = driver.find_element(By.ID, "upload-input")
        driver.execute_script("arguments[0].style.display = 'block';", chooser)
        chooser.send_keys(str(photo))
        WebDriverWait(driver, 20).until(lambda d: text(d, "upload-reading") not in ("–", "…", ""))
        assert driver.find_element(By.ID, "upload-canvas").is_displayed()
        driver.save_screenshot(str(SHOTS / "upload.png"))
        # a file that is not a picture: the reason is shown
        bad = tmp_path / "notes.png"
        bad.write_text("not a picture")
        chooser.send_keys(str(bad))
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "upload-message").is_displayed())
        assert "not a picture the app can read" in text(driver, "upload-message")


def test_a_refused_camera_says_so_and_offers_upload(app_server, tmp_path):
    with page(app_server, tmp_path, camera_allowed=False) as driver:
        driver.find_element(By.ID, "camera-start").click()
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "camera-message").is_displayed())
        message = text(driver, "camera-message")
        assert "refused" in message and "Upload" in message
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / "camera-refused.png"))
