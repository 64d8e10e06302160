"""The live app's server (``python -m helpers app``), through FastAPI's test client with tiny models."""

from __future__ import annotations

import io
import json
import os
import sys
import threading

import numpy as np
import pytest
from PIL import Image

from app_fixtures import SEQUENCE_WIDTH, save_tiny_models

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from helpers.app import readers as app_readers  # noqa: E402
from helpers.app import server  # noqa: E402


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_MODELS_DIR", str(folder))
        save_tiny_models()
    return folder


@pytest.fixture
def client(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tiny_models))
    monkeypatch.setenv("COURSE_RUNS_DIR", str(tmp_path / "runs"))
    app = server.create_app(app_readers.Readers(), snapshots=tmp_path / "snapshots")
    with TestClient(app) as c:
        c.snapshots = tmp_path / "snapshots"
        yield c


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


FRAME = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)


def drawn_digit(height=280, width=280):
    """White strokes on black, like the page's canvas: a rough '1'."""
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    canvas[height // 5: 4 * height // 5, width // 2 - 10: width // 2 + 10] = 255
    return canvas


def test_page_and_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "Live digit reader" in page.text
    for asset in ("/static/app.js", "/static/app.css"):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000
    # no CDN, nothing from the internet: every script and stylesheet is local
    assert "http://" not in page.text and "https://" not in page.text


def test_status_lists_every_reader_and_its_data(client):
    status = client.get("/api/status").json()
    assert set(status["readers"]) == {"house", "digit", "sequence"}
    house = status["readers"]["house"]
    assert house["ready"] and house["standin"] and "stand-in" in house["trained_on"]
    assert status["readers"]["digit"]["trained_on"].startswith("MNIST")
    assert status["max_body"] == server.MAX_BODY


def test_house_reads_a_camera_frame(client):
    response = client.post("/api/read/house", content=jpeg(FRAME), headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["width"] == 640 and result["height"] == 480
    assert len(result["box"]) == 4 and 0 <= result["confidence"] <= 1
    assert set(result["number"]) <= set("0123456789")
    assert result["server_ms"] > 0 and result["model"]["standin"]


def test_digit_reads_a_drawing_with_ten_probabilities(client):
    result = client.post("/api/read/digit", content=png(drawn_digit())).json()
    assert 0 <= result["digit"] <= 9 and len(result["probabilities"]) == 10
    assert abs(sum(result["probabilities"]) - 1) < 1e-3 and not result["empty"]
    # an empty canvas is not a digit
    empty = client.post("/api/read/digit", content=png(np.zeros((280, 280, 3)))).json()
    assert empty["empty"] and empty["digit"] is None


def test_sequence_reads_a_drawing(client):
    canvas = np.zeros((200, 640, 3), dtype=np.uint8)
    for x in (100, 250, 400):
        canvas[40:160, x:x + 16] = 255
    result = client.post("/api/read/sequence", content=png(canvas)).json()
    assert set(result["number"]) <= set("0123456789") and 0 <= result["confidence"] <= 1 and not result["empty"]


def test_unknown_reader_is_404(client):
    response = client.post("/api/read/faces", content=png(drawn_digit()))
    assert response.status_code == 404 and "house, digit, sequence" in response.json()["error"]


@pytest.mark.parametrize("body, reason", [(b"", "empty request"), (b"not an image at all", "not an image"),
                                          (png(drawn_digit())[:60], "unreadable")])
def test_unreadable_pictures_are_400_with_the_reason(client, body, reason):
    response = client.post("/api/read/house", content=body)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_bodies_over_the_limit_are_413(client, monkeypatch):
    monkeypatch.setattr(server, "MAX_BODY", 1000)
    response = client.post("/api/read/house", content=b"x" * 5000)
    assert response.status_code == 413 and "limit" in response.json()["error"]

    def chunks():  # no Content-Length: the stream is cut off as it passes the limit
        for _ in range(10):
            yield b"x" * 500

    response = client.post("/api/read/house", content=chunks())
    assert response.status_code == 413


def test_a_missing_model_names_the_notebook_and_the_server_still_starts(tmp_path, monkeypatch, tiny_models):
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("mnist_digit",):  # only the digit reader's model is there
        for suffix in (".keras", ".json"):
            (folder / f"{name}{suffix}").write_bytes((tiny_models / f"{name}{suffix}").read_bytes())
    monkeypatch.setenv("COURSE_MODELS_DIR", str(folder))
    with TestClient(server.create_app(app_readers.Readers())) as client:
        status = client.get("/api/status").json()["readers"]
        assert status["digit"]["ready"] and not status["house"]["ready"]
        assert "14_svhn_multi_digit" in status["house"]["message"]
        assert "11_ctc_sequences" in status["sequence"]["message"]
        response = client.post("/api/read/house", content=jpeg(FRAME))
        assert response.status_code == 503 and "14_svhn_multi_digit" in response.json()["error"]
        assert client.post("/api/read/digit", content=png(drawn_digit())).status_code == 200


def test_a_damaged_model_file_is_reported_not_fatal(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "mnist_digit.keras").write_bytes(b"this is not a keras file")
    monkeypatch.setenv("COURSE_MODELS_DIR", str(folder))
    readers = app_readers.Readers()
    assert not readers.readers["digit"].ready
    assert "could not be loaded" in readers.readers["digit"].missing and "07_" in readers.readers["digit"].missing


def test_one_inference_at_a_time_further_frames_get_429(client):
    lock = client.app.state.readers.lock
    assert lock.acquire()  # as a long inference would hold it
    try:
        response = client.post("/api/read/house", content=jpeg(FRAME))
        assert response.status_code == 429 and "busy" in response.json()["error"]
    finally:
        lock.release()
    assert client.post("/api/read/house", content=jpeg(FRAME)).status_code == 200


def test_snapshot_is_the_only_write_and_is_annotated(client):
    assert not client.snapshots.exists()
    client.post("/api/read/house", content=jpeg(FRAME))
    assert not client.snapshots.exists()  # reading writes nothing
    result = client.post("/api/snapshot", content=jpeg(FRAME)).json()
    saved = list(client.snapshots.iterdir())
    assert [p.name for p in saved] == [result["saved"].split("/")[-1].split("\\")[-1]]
    with Image.open(saved[0]) as image:
        assert image.size == (640, 480)
    assert not any(p.name.startswith(".") for p in client.snapshots.iterdir())  # no temporary file left


def test_concurrent_frames_never_pile_up(client):
    """Eight frames at once: each gets an answer (200 or 429) and no more than one runs at a time."""
    answers, running, most = [], [0], [0]
    readers = client.app.state.readers
    original = readers.house

    def counting(picture):
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            return original(picture)
        finally:
            running[0] -= 1

    readers.house = counting
    body = jpeg(FRAME)
    threads = [threading.Thread(target=lambda: answers.append(client.post("/api/read/house", content=body).status_code))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(answers)) <= [200, 429] and 200 in answers and most[0] == 1


def test_drawing_preprocessing_matches_mnist():
    canvas = np.zeros((280, 280), dtype=np.float32)
    canvas[50:230, 120:160] = 255
    digit = app_readers.mnist_digit(canvas)
    assert digit.shape == (28, 28)
    rows = np.flatnonzero(digit.max(axis=1) > 40)
    assert 18 <= rows[-1] - rows[0] + 1 <= 20  # the ink fits a 20-pixel box, as in MNIST
    cy, cx = (np.indices(digit.shape) * digit).reshape(2, -1).sum(axis=1) / digit.sum()
    assert abs(cy - 14) < 1.5 and abs(cx - 14) < 1.5  # centred by mass
    assert app_readers.mnist_digit(np.zeros((280, 280))) is None
    # dark ink on white paper reads the same as white ink on black
    paper = 255 - np.repeat(canvas[..., None], 3, axis=-1)
    np.testing.assert_allclose(app_readers.ink_image(paper), canvas, atol=1)
    number = app_readers.mnist_number(canvas, 28, SEQUENCE_WIDTH)
    assert number.shape == (28, SEQUENCE_WIDTH) and number.max() > 200


def test_ctc_greedy_merges_repeats_and_drops_blanks():
    steps = [1, 1, 10, 1, 2, 2, 10, 10, 3]
    probabilities = np.full((len(steps), 11), 0.01)
    probabilities[np.arange(len(steps)), steps] = 0.9
    text, confidence = app_readers.ctc_greedy(probabilities, blank=10)
    assert text == "1123" and 0 < confidence < 1
    # notebook 11's convention: blank first, class k is digit k - 1
    shifted = np.roll(probabilities, 1, axis=1)
    assert app_readers.ctc_greedy(shifted, blank=0)[0] == "1123"
    with pytest.raises(ValueError, match="blank"):
        app_readers.ctc_greedy(probabilities, blank=5)


def test_a_port_in_use_is_a_clear_error_before_any_model_loads(capsys):
    import socket

    from helpers import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert app.serve("127.0.0.1", port, open_browser=False) == 1
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is a POSIX test")
def test_the_command_serves_and_stops_cleanly_on_ctrl_c(tiny_models, tmp_path):
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "COURSE_MODELS_DIR": str(tiny_models), "COURSE_RUNS_DIR": str(tmp_path / "runs")}
    child = subprocess.Popen([sys.executable, "-m", "helpers", "app", "--no-browser", "--port", str(port)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2) as reply:
                    assert json.loads(reply.read())["readers"]["digit"]["ready"]
                break
            except OSError:
                assert child.poll() is None, child.stdout.read()
                assert time.time() < deadline, "the app did not answer within two minutes"
                time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, out
    assert f"http://127.0.0.1:{port}/" in out and "stopped." in out
    assert "Traceback" not in out
