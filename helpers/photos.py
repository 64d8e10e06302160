"""Your own photos: robust loading, sample pictures, and the two-stage house-number reader.

Used by ``15_your_own_photos`` and ``python -m helpers predict``. Drop photos
into ``photos/`` (the folder is gitignored except its README) or pass any paths.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .files import atomic_path, write_text_atomic
from .machinery import paths

SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
VERSION_KEY = "stand-in version"  # in truth.json: the samples are drawn again when the stand-in changes
COURSE_FILES = {"README.md", "truth.json"}  # files of the course in photos/, not the learner's
MAX_SIDE = 1600  # larger photos are scaled down first: the networks look at 128x256 at most
ZOOM = 2.2  # the locator's second look: a window 2.2 times its first box (chosen on held-out wall photos)


class PhotoError(ValueError):
    """A file that cannot be used as a photo; the message is a one-line reason. Taught in ``15_your_own_photos``."""


def folder() -> Path:
    """The documented folder for the learner's photos: ``photos/`` (``COURSE_PHOTOS_DIR`` moves it).

    Used by ``15_your_own_photos``.
    """
    return paths.photos_dir()


def make_samples(target: Path | None = None, count: int = 6, seed: int = 2026) -> list[Path]:
    """Write ``count`` sample house-number photos (stand-in numbers on a wall) once; return their paths.

    The samples include the awkward kinds on purpose: a very large photo (at
    least 2,400 pixels wide), one with an alpha channel, a grayscale one and a
    palette one. They are drawn again when the stand-in's drawing changes
    (:data:`helpers.standin.VERSION`).
    Used by ``15_your_own_photos``.
    """
    from PIL import Image

    from . import standin

    target = Path(target or folder() / "samples")
    names = [target / f"sample_{i + 1}.{'png' if i in (1, 3) else 'jpg'}" for i in range(count)]
    if all(p.exists() for p in names) and truth(target, _version=True).get(VERSION_KEY) == standin.VERSION:
        return names
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    numbers = {VERSION_KEY: standin.VERSION}
    for i, name in enumerate(names):
        number, digits, _ = standin.render_number(rng, list(rng.integers(0, 10, rng.integers(2, 5))))
        numbers[name.name] = "".join(map(str, digits))
        h, w = number.shape[:2]
        wall = np.full((int(h * rng.uniform(1.2, 2)), int(w * rng.uniform(1.2, 2)), 3), rng.integers(60, 200, 3),
                       dtype=np.uint8)
        wall = np.clip(wall + rng.normal(0, 12, wall.shape), 0, 255).astype(np.uint8)
        top, left = rng.integers(0, wall.shape[0] - h), rng.integers(0, wall.shape[1] - w)
        wall[top:top + h, left:left + w] = number
        image = Image.fromarray(wall)
        if i == 0:
            scale = max(8, -(-2400 // image.width))
            image = image.resize((image.width * scale, image.height * scale))  # a very large photo
        image = {1: image.convert("RGBA"), 2: image.convert("L"), 3: image.convert("P")}.get(i, image)
        with atomic_path(name) as tmp:
            image.save(tmp, format="PNG" if name.suffix == ".png" else "JPEG")
    write_text_atomic(target / "truth.json", json.dumps(numbers, indent=1))  # last: its presence means all are there
    return names


def truth(target: Path | None = None, _version: bool = False) -> dict[str, str]:
    """The numbers drawn on the sample photos, by file name (for scoring them in notebook 15)."""
    path = Path(target or folder() / "samples") / "truth.json"
    numbers = json.loads(path.read_text()) if path.exists() else {}
    return numbers if _version else {k: v for k, v in numbers.items() if k != VERSION_KEY}


def find(items) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Photos named by ``items`` (files or folders, searched recursively), and what was skipped and why.

    Used by ``15_your_own_photos`` and ``python -m helpers predict``.
    """
    found, skipped = [], []
    for item in map(Path, items):
        if item.is_dir():
            for p in sorted(p for p in item.rglob("*") if p.is_file() and not p.name.startswith(".")):
                if p.suffix.lower() in SUFFIXES:
                    found.append(p)
                elif p.name not in COURSE_FILES:
                    skipped.append((p, f"not an image file name ({p.suffix or 'no suffix'})"))
        elif item.is_file():
            found.append(item)
        else:
            skipped.append((item, "no such file or folder"))
    return found, skipped


def _to_rgb(image):
    """``image`` (any PIL mode) as 8-bit RGB: transparency flattened on white, 16-bit and float scaled."""
    from PIL import Image

    if image.mode in ("I", "F") or image.mode.startswith("I;16"):  # 16-bit or 32-bit grayscale
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        if image.mode == "F":
            top = max(float(values.max(initial=0)), 1e-12)
        image = Image.fromarray(np.clip(values / top * 255, 0, 255).round().astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("RGB")


def load(path: Path, max_side: int = MAX_SIDE) -> np.ndarray:
    """A photo as RGB uint8, upright (EXIF orientation applied), flattened on white, at most ``max_side``.

    Any image PIL opens is accepted: 16-bit and CMYK pictures are converted,
    and of a multi-frame file (an animated GIF, a multi-page TIFF) the first
    frame is used. A large JPEG is reduced while it is decoded (``draft``), so
    a 50-megapixel photo never sits in memory at full size. Every failure on
    an untrusted file, including a picture over PIL's pixel limit (a
    "decompression bomb"), raises :class:`PhotoError` with a one-line reason.
    Taught in ``15_your_own_photos``; used by ``python -m helpers predict``.
    """
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # reduced below, never kept whole
            with Image.open(path) as image:
                if getattr(image, "n_frames", 1) > 1:
                    image.seek(0)
                if image.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that is still large enough
                    shrink = max(image.size) / max_side
                    if shrink > 1:
                        image.draft("RGB", (int(image.width / shrink) + 1, int(image.height / shrink) + 1))
                image = ImageOps.exif_transpose(image)
                image = _to_rgb(image)
                image.thumbnail((max_side, max_side))
                return np.asarray(image)
    except Image.DecompressionBombError as err:
        import re

        size = re.search(r"\((\d+) pixels\)", str(err))
        what = f"{int(size.group(1)):,} pixels" if size else "too many pixels"
        raise PhotoError(f"{what}, over PIL's safety limit of {2 * Image.MAX_IMAGE_PIXELS:,} (a possible "
                         "decompression bomb); scale the photo down to use it") from None
    except UnidentifiedImageError:
        raise PhotoError("not an image PIL can read") from None
    except FileNotFoundError:
        raise PhotoError("no such file") from None
    except MemoryError:
        raise PhotoError("not enough memory to decode this image") from None
    except Exception as err:  # noqa: BLE001 - a damaged file can raise almost anything inside a decoder
        reason = (str(err).splitlines() or [""])[0][:80] or type(err).__name__
        raise PhotoError(f"unreadable image ({reason})") from None


def locate(picture: np.ndarray, locator, zoom: float | None = ZOOM) -> np.ndarray:
    """The number's box ``(x, y, w, h)`` in ``picture``'s pixels, as notebook 14's locator finds it.

    The locator sees the photo squeezed to 256x128, so a number that fills
    little of a large photo gets a coarse box. With ``zoom`` it looks twice:
    the second time at a window ``zoom`` times the first box's size (and at
    least 1.2 times as wide as high), centred on it, where the number fills
    about as much of the picture as in its training photos. Parts of the
    window outside the photo are black. ``zoom=None`` keeps the first box.
    Taught in ``15_your_own_photos``.
    """
    from PIL import Image

    from . import boxes

    def find(image):
        h, w = image.shape[:2]
        box = locator.predict(boxes.resize_whole(image)[None], verbose=0)["box"][0]
        return box * np.array([w, h, w, h], dtype="float32")

    if zoom is not None and zoom <= 0:
        raise ValueError(f"zoom must be a positive factor or None, got {zoom}")
    box = find(picture)
    if zoom is None:
        return box
    x, y, w, h = (float(v) for v in box)
    height = max(h * zoom, 8.0)
    width = max(w * zoom, 1.2 * height, 8.0)
    left, top = round(x + w / 2 - width / 2), round(y + h / 2 - height / 2)
    window = np.asarray(Image.fromarray(picture).crop((left, top, left + round(width), top + round(height))))
    return find(window) + np.array([left, top, 0, 0], dtype="float32")


def read_number(picture: np.ndarray, locator, reader, looks: int = 3, zoom: float | None = ZOOM) -> dict:
    """The two-stage reader: the locator finds the number, the crop reader reads it.

    The locator's box comes from :func:`locate` (two looks with ``zoom``,
    one with ``zoom=None``). After each reading the crop reader's own box of
    the number, mapped back into the photo (:func:`helpers.boxes.uncrop_box`), becomes
    the next crop, ``looks`` crops in all; the most confident reading wins.
    Returns ``number`` (a string), ``confidence`` (the probability of the
    predicted length times those of its digits), ``box`` ``(x, y, w, h)``:
    the box in the picture's pixels that the winning crop was made from, and
    ``look``: which crop won (1 is the locator's). Taught in
    ``15_your_own_photos``.
    """
    from . import boxes

    if looks < 1:
        raise ValueError(f"looks must be 1 or more, got {looks}")
    box = locate(picture, locator, zoom)
    best = None
    for look in range(1, looks + 1):
        crop, _ = boxes.crop_number(picture, box)
        out = reader.predict(crop[None, 5:59, 5:59], verbose=0)
        length = int(out["length"][0].argmax()) + 1
        digits = out["digits"][0].argmax(-1)[:length]
        confidence = float(out["length"][0].max() * np.prod(out["digits"][0].max(-1)[:length]))
        if best is None or confidence > best["confidence"]:
            best = {"number": "".join(str(d) for d in digits if d < 10), "confidence": confidence,
                    "box": tuple(int(round(v)) for v in box), "look": look}
        inner = out["box"][0] * 54 + np.array([5, 5, 0, 0], dtype="float32")   # the central 54x54 -> the 64x64 crop
        box = boxes.uncrop_box(inner, box)
    return best


def annotate(picture: np.ndarray, result: dict):
    """A PIL copy of ``picture`` with the predicted box in red and the number above it.

    Used by ``15_your_own_photos`` and ``python -m helpers predict``.
    """
    from PIL import Image, ImageDraw

    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    x, y, w, h = result["box"]
    line = max(2, round(max(image.size) / 300))
    draw.rectangle((x, y, x + w, y + h), outline=(255, 0, 0), width=line)
    draw.text((x, max(0, y - 12 * line)), f"{result['number']} ({result['confidence']:.2f})", fill=(255, 0, 0),
              font_size=10 * line)
    return image
