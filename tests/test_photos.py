"""Your own photos: robust loading, the model store, the number crops, and `python -m helpers predict`."""

from __future__ import annotations


from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from helpers.machinery import cli
from helpers import boxes, models, photos


@pytest.fixture
def photo_env(course_env, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(course_env / "models"))
    monkeypatch.setenv("COURSE_PHOTOS_DIR", str(course_env / "photos"))
    return course_env


def picture(width=120, height=60, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_load_handles_modes_orientation_size_and_junk(tmp_path):
    rgb = picture()
    Image.fromarray(rgb).convert("RGBA").save(tmp_path / "alpha.png")
    Image.fromarray(rgb).convert("L").save(tmp_path / "gray.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.gif")
    Image.fromarray(picture(3000, 1000)).save(tmp_path / "huge.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways; display rotated 90 degrees clockwise
    Image.fromarray(rgb).transpose(Image.Transpose.ROTATE_90).save(tmp_path / "phone.jpg", exif=exif)
    (tmp_path / "notes.jpg").write_text("not an image")
    Image.fromarray(rgb).save(tmp_path / "cut.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "cut.png").read_bytes()[:60])

    for name in ("alpha.png", "gray.png", "palette.gif"):
        loaded = photos.load(tmp_path / name)
        assert loaded.shape == (60, 120, 3) and loaded.dtype == np.uint8, name
    assert max(photos.load(tmp_path / "huge.jpg", max_side=500).shape[:2]) == 500
    assert photos.load(tmp_path / "phone.jpg").shape[:2] == (60, 120)  # upright again
    transparent = np.zeros((4, 4, 4), np.uint8)
    Image.fromarray(transparent).save(tmp_path / "clear.png")
    assert (photos.load(tmp_path / "clear.png") == 255).all()  # transparency flattened on white
    for name in ("notes.jpg", "cut.png"):
        with pytest.raises(photos.PhotoError) as err:
            photos.load(tmp_path / name)
        assert "\n" not in str(err.value)


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (and holds almost none of them)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_a_picture_over_the_pixel_limit_is_a_one_line_error_not_a_crash(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_header(20_000, 20_000))  # 400 million pixels claimed
    with pytest.raises(photos.PhotoError, match=r"400,000,000 pixels, over PIL's safety limit") as err:
        photos.load(tmp_path / "bomb.png")
    assert "\n" not in str(err.value)
    (tmp_path / "liar.png").write_bytes(png_header(100, 50))  # a believable header over missing pixels
    with pytest.raises(photos.PhotoError, match="unreadable image"):
        photos.load(tmp_path / "liar.png")


def test_16_bit_cmyk_and_multi_frame_pictures_load_as_8_bit_rgb(tmp_path):
    ramp = (np.arange(40 * 30, dtype=np.uint32).reshape(30, 40) * 54).astype(np.uint16)  # 0 .. 64746
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    deep = photos.load(tmp_path / "deep.png")
    assert deep.dtype == np.uint8 and deep.shape == (30, 40, 3)
    np.testing.assert_allclose(deep[..., 0].astype(float), ramp / 65535 * 255, atol=1)  # scaled, not clipped

    Image.new("CMYK", (30, 20), (0, 255, 255, 0)).save(tmp_path / "print.jpg")  # pure red in ink
    red = photos.load(tmp_path / "print.jpg").reshape(-1, 3).mean(axis=0)
    assert red[0] > 200 and red[1] < 40 and red[2] < 40

    frames = [Image.new("RGB", (24, 16), colour) for colour in ((0, 0, 255), (0, 255, 0), (255, 0, 0))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    frames[0].save(tmp_path / "pages.tif", save_all=True, append_images=frames[1:])
    for name in ("anim.gif", "pages.tif"):
        first = photos.load(tmp_path / name)
        assert first.shape == (16, 24, 3) and first[..., 2].min() > 200 and first[..., 0].max() < 50, name


def test_a_large_jpeg_is_reduced_while_it_is_decoded(tmp_path, monkeypatch):
    Image.fromarray(picture(4000, 2000)).save(tmp_path / "big.jpg", quality=70)
    decoded = []
    real_load = Image.Image.load

    def spy(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(Image.Image, "load", spy)
    loaded = photos.load(tmp_path / "big.jpg", max_side=800)
    assert max(loaded.shape[:2]) == 800
    assert decoded and max(decoded[0]) <= 1000, f"decoded at {decoded[0]}, not reduced by draft"


def test_find_lists_images_and_says_why_others_are_skipped(tmp_path):
    (tmp_path / "sub").mkdir()
    Image.fromarray(picture()).save(tmp_path / "sub" / "a.PNG")
    (tmp_path / "b.txt").write_text("x")
    (tmp_path / "README.md").write_text("course file")
    (tmp_path / ".hidden.jpg").write_text("x")
    found, skipped = photos.find([tmp_path, tmp_path / "missing.jpg"])
    assert [p.name for p in found] == ["a.PNG"]
    assert {p.name: why for p, why in skipped} == {"b.txt": "not an image file name (.txt)",
                                                   "missing.jpg": "no such file or folder"}


def test_samples_are_written_once_with_their_truth(photo_env):
    first = photos.make_samples(count=4)
    assert [p.exists() for p in first] == [True] * 4
    stamp = first[0].stat().st_mtime_ns
    assert photos.make_samples(count=4) == first and first[0].stat().st_mtime_ns == stamp
    truth = photos.truth()
    assert set(truth) == {p.name for p in first} and all(t.isdigit() for t in truth.values())
    modes = {p.name: Image.open(p).mode for p in first}
    assert modes["sample_2.png"] == "RGBA" and modes["sample_3.jpg"] == "L" and modes["sample_4.png"] == "P"


def test_crop_number_keeps_the_box_inside_and_scaled():
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:60, 50:110] = 255  # the "number"
    crop, inner = boxes.crop_number(image, (50, 40, 60, 20), expand=0.3, size=64)
    assert crop.shape == (64, 64, 3)
    x, y, w, h = inner
    assert abs(w - 64 / 1.3) < 1.5 and abs(h - 64 / 1.3) < 3.5 and abs(x - (64 - w) / 2) < 1.5
    assert crop[int(y + h / 2), int(x + w / 2)].min() > 200 and crop[1, 1].max() == 0
    # a box at the photo's edge: the part outside is black, the box still maps inside the crop
    crop, inner = boxes.crop_number(np.full((100, 200, 3), 255, np.uint8), (0, 0, 30, 20))
    assert crop[:6].max() == 0 and crop[:, :6].max() == 0 and crop[10:, 10:].min() == 255
    assert (inner[:2] >= 0).all() and (inner[:2] + inner[2:] <= 64.5).all()


@pytest.mark.parametrize("box", [(50, 40, 60, 20), (0, 0, 30, 20), (13.4, 7.6, 101.2, 33.3)])
def test_uncrop_box_inverts_crop_number(box):
    image = np.zeros((100, 200, 3), np.uint8)
    _, inner = boxes.crop_number(image, box)
    np.testing.assert_allclose(boxes.uncrop_box(inner, box), box, atol=1e-3)


def test_uncrop_box_maps_the_whole_crop_to_the_grown_box():
    np.testing.assert_allclose(boxes.uncrop_box((0, 0, 64, 64), (50, 40, 60, 20)), (41, 37, 78, 26), atol=1e-4)


def test_read_number_looks_again_and_keeps_the_surest_reading():
    locator, reader = tiny_models()
    calls = []

    class Counting:  # the reader, counting the crops it is shown
        def predict(self, x, verbose=0):
            calls.append(x.shape)
            return reader.predict(x, verbose=verbose)

    photos.read_number(picture(), locator, Counting())
    assert calls == [(1, 54, 54, 3)] * 3, "three looks by default, each at a 54x54 crop"
    runs = [photos.read_number(picture(), locator, reader, looks=k) for k in (1, 2, 3)]
    assert runs[0]["look"] == 1
    assert runs[0]["confidence"] <= runs[1]["confidence"] <= runs[2]["confidence"], "more looks never read worse"
    assert runs[2] == runs[runs[2]["look"] - 1], "the winner is exactly that look's reading"
    assert len(runs[2]["box"]) == 4 and all(isinstance(v, int) for v in runs[2]["box"])
    with pytest.raises(ValueError, match="looks must be 1 or more"):
        photos.read_number(picture(), locator, reader, looks=0)


class FixedLocator:
    """A locator that always puts the number in the middle quarter of what it is shown, and logs the sizes."""

    def __init__(self):
        self.seen = []

    def predict(self, x, verbose=0):
        self.seen.append(x.shape)
        return {"box": np.array([[0.25, 0.25, 0.5, 0.5]], "float32")}


def test_locate_looks_again_inside_a_window_around_the_first_box():
    image = np.zeros((100, 200, 3), np.uint8)
    once = photos.locate(image, FixedLocator(), zoom=None)
    np.testing.assert_allclose(once, (50, 25, 100, 50))
    # window: height 50 * 2.2 = 110, width max(100 * 2.2, 1.2 * 110) = 220, centred on (100, 50): from (-10, -5)
    locator = FixedLocator()
    twice = photos.locate(image, locator, zoom=2.2)
    np.testing.assert_allclose(twice, (-10 + 55, -5 + 27.5, 110, 55))
    assert locator.seen == [(1, *boxes.WHOLE, 3)] * 2   # both looks squeezed to the locator's input size
    # a tall, thin first box (100, 10, 2, 80) still gets a window 1.2 times as wide as high: 192x160 from (5, -30)
    locator.predict = lambda x, verbose=0: {"box": np.array([[0.5, 0.1, 0.01, 0.8]], "float32")}
    np.testing.assert_allclose(photos.locate(image, locator, zoom=2.0), (5 + 96, -30 + 16, 1.92, 128), atol=1e-3)
    with pytest.raises(ValueError, match="zoom must be a positive factor or None"):
        photos.locate(image, FixedLocator(), zoom=0)


def test_number_arrays_targets(tmp_path):
    pic = np.zeros((50, 100, 3), np.uint8)
    Image.fromarray(pic).save(tmp_path / "1.png")
    entries = [{"name": "1.png", "label": [1, 10], "left": [10, 30], "top": [5, 8], "width": [15, 15], "height": [30, 30]},
               {"name": "1.png", "label": [1] * 6, "left": [0] * 6, "top": [0] * 6, "width": [5] * 6, "height": [5] * 6}]
    arrays = boxes.number_arrays(tmp_path, entries, progress=False)
    assert int(arrays["skipped"]) == 1 and arrays["digits"].tolist() == [[1, 0, 10, 10, 10]]
    assert arrays["lengths"].tolist() == [2] and arrays["wholes"].shape == (1, 128, 256, 3)
    np.testing.assert_allclose(arrays["whole_boxes"][0], [0.10, 0.10, 0.35, 33 / 50], atol=1e-6)
    assert boxes.union_box(entries[0]) == (10.0, 5.0, 35.0, 33.0)


def tiny_models():
    """Untrained stand-ins with the real models' inputs and named outputs."""
    def heads(inputs):
        h = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
        digits = keras.layers.Softmax(name="digits")(keras.layers.Reshape((5, 11))(keras.layers.Dense(55)(h)))
        return {"length": keras.layers.Dense(5, activation="softmax", name="length")(h), "digits": digits,
                "box": keras.layers.Dense(4, activation="sigmoid", name="box")(h)}
    whole, crop = keras.Input((*boxes.WHOLE, 3)), keras.Input((54, 54, 3))
    return keras.Model(whole, heads(whole)), keras.Model(crop, heads(crop))


def test_model_store_round_trip_and_missing_message(photo_env):
    with pytest.raises(models.MissingModel, match="14_svhn_multi_digit"):
        models.load("svhn_number")
    locator, _ = tiny_models()
    models.save(locator, "svhn_locator", profile="smoke", dataset="svhn-standin")
    assert models.card("svhn_locator")["notebook"] == "14_svhn_multi_digit"
    assert not [p for p in models.path("x").parent.iterdir() if p.name.startswith(".")]  # no temporary left
    again = models.load("svhn_locator")
    x = picture(256, 128)[None]
    np.testing.assert_allclose(again.predict(x, verbose=0)["box"], locator.predict(x, verbose=0)["box"], rtol=1e-5)


def test_predict_command(photo_env, capsys, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    Image.fromarray(picture()).save(folder / "door.jpg")
    (folder / "broken.png").write_text("nope")
    assert cli.main(["predict", str(folder)]) == 1  # no models yet: nothing read, and the fix
    assert "Run notebook 14_svhn_multi_digit" in capsys.readouterr().err
    locator, reader = tiny_models()
    models.save(locator, "svhn_locator", dataset="svhn-standin")
    models.save(reader, "svhn_number", dataset="svhn-standin", profile="smoke")
    out = tmp_path / "annotated"
    assert cli.main(["predict", str(folder), str(tmp_path / "nowhere.jpg"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "door.jpg:" in printed and "confidence" in printed and "box x=" in printed
    assert "broken.png: skipped (not an image PIL can read)" in printed
    assert "nowhere.jpg: skipped (no such file or folder)" in printed and "stand-in" in printed
    assert "smoke run" in printed and "--profile standard 14" in printed
    assert [p.name for p in out.iterdir()] == ["door_read.png"]
    with pytest.raises(SystemExit) as usage:
        cli.main(["predict"])  # no paths: argparse's usage error
    assert usage.value.code == 2


def test_predict_exits_1_when_no_photo_could_be_read(photo_env, capsys, tmp_path):
    locator, reader = tiny_models()
    models.save(locator, "svhn_locator", dataset="svhn-standin")
    models.save(reader, "svhn_number", dataset="svhn-standin")
    (tmp_path / "junk.jpg").write_text("not a photo")
    assert cli.main(["predict", str(tmp_path / "junk.jpg"), str(tmp_path / "nowhere.png"),
                     "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "junk.jpg: skipped" in captured.out and "no photo could be read (2 skipped)" in captured.err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_predict_never_overwrites_a_copy_when_two_photos_share_a_stem(photo_env, capsys, tmp_path):
    locator, reader = tiny_models()
    models.save(locator, "svhn_locator", dataset="svhn-standin")
    models.save(reader, "svhn_number", dataset="svhn-standin")
    for folder, ext in (("a", "jpg"), ("b", "jpg"), ("b", "png")):
        (tmp_path / folder).mkdir(exist_ok=True)
        Image.fromarray(picture(seed=len(ext))).save(tmp_path / folder / f"door.{ext}")
    out = tmp_path / "out"
    assert cli.main(["predict", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["door-2_read.png", "door-3_read.png", "door_read.png"]
    printed = capsys.readouterr().out
    assert printed.count("-> ") == 3 and len({line.split("-> ")[1] for line in printed.splitlines()
                                               if "-> " in line}) == 3


def test_output_names_differ_by_more_than_case():
    names = cli._output_names([Path("a/IMG_1.jpg"), Path("b/img_1.png")], Path("out"))
    assert [p.name for p in names.values()] == ["IMG_1_read.png", "img_1-2_read.png"]
