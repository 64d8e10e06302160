"""Box geometry for whole house numbers: union boxes, Goodfellow et al.'s crops and their inverse.

Boxes are ``(left, top, width, height)`` in pixels. Taught in ``14_svhn_multi_digit``
(crops and the whole photo as network inputs) and ``15_your_own_photos`` (mapping a box
found in a crop back into the photo); used by :mod:`helpers.photos` and ``python -m helpers predict``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_DIGITS = 5   # the five digit heads; SVHN's rare longer numbers are left out
WHOLE = (128, 256)  # the reference's first approach: the whole photo resized to 256x128 (height, width)


def union_box(entry: dict) -> tuple[float, float, float, float]:
    """``(left, top, width, height)`` of the box around all digits of one annotation.

    Taught in ``14_svhn_multi_digit``.
    """
    left, top = min(entry["left"]), min(entry["top"])
    right = max(l + w for l, w in zip(entry["left"], entry["width"]))
    bottom = max(t + h for t, h in zip(entry["top"], entry["height"]))
    return float(left), float(top), float(right - left), float(bottom - top)


def _grown_box(box, expand: float) -> tuple[int, int, int, int]:
    """The pixel corners ``(x0, y0, x1, y1)`` of ``box`` grown by ``expand``: the region that
    :func:`crop_number` cuts out and :func:`uncrop_box` maps back from."""
    left, top, width, height = box
    width, height = max(width, 1.0), max(height, 1.0)
    return (round(left - expand / 2 * width), round(top - expand / 2 * height),
            round(left + (1 + expand / 2) * width), round(top + (1 + expand / 2) * height))


def crop_number(picture: np.ndarray, box, expand: float = 0.3, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Goodfellow et al.'s crop: ``box`` grown by ``expand`` (30%), cut out, resized to ``size`` x ``size``.

    Returns the RGB crop (uint8, parts outside the photo black) and ``box``
    in the crop's pixels. Taught in ``14_svhn_multi_digit``; used again by
    notebook 15 and ``predict`` on boxes a network found.
    """
    from PIL import Image

    left, top, width, height = box
    width, height = max(width, 1.0), max(height, 1.0)
    x0, y0, x1, y1 = _grown_box(box, expand)
    crop = Image.fromarray(picture).crop((x0, y0, x1, y1))
    sx, sy = size / crop.width, size / crop.height
    inner = np.array([(left - x0) * sx, (top - y0) * sy, width * sx, height * sy], dtype="float32")
    return np.asarray(crop.resize((size, size), Image.BILINEAR)), inner


def uncrop_box(inner, box, expand: float = 0.3, size: int = 64) -> np.ndarray:
    """The inverse of :func:`crop_number`'s mapping: ``inner`` (a box in the pixels of the
    ``size`` x ``size`` crop made around ``box``) in the photo's pixels, ``(x, y, w, h)``.

    Taught in ``15_your_own_photos``, where the crop reader's own box gives the pipeline a
    second, better crop.
    """
    x0, y0, x1, y1 = _grown_box(box, expand)
    sx, sy = max(x1 - x0, 1) / size, max(y1 - y0, 1) / size
    x, y, w, h = (float(v) for v in inner)
    return np.array([x0 + x * sx, y0 + y * sy, w * sx, h * sy], dtype="float32")


def resize_whole(picture: np.ndarray, shape: tuple[int, int] = WHOLE) -> np.ndarray:
    """The whole photo squeezed to ``shape`` (height, width), RGB uint8 (notebook 14's first approach)."""
    from PIL import Image

    return np.asarray(Image.fromarray(picture).resize(shape[::-1], Image.BILINEAR))


def number_arrays(image_folder: Path, entries: list[dict], size: int = 64, whole: tuple[int, int] | None = WHOLE,
                  progress: bool = True) -> dict[str, np.ndarray]:
    """Everything notebook 14 trains on, for the numbers of up to :data:`MAX_DIGITS` digits.

    Keys: ``crops`` ``(N, size, size, 3)`` uint8 and ``crop_boxes`` (the
    digits' union box in crop pixels); ``wholes`` ``(N, *whole, 3)`` uint8 and
    ``whole_boxes`` (the union box as fractions of the photo's width and
    height) unless ``whole=None``; ``digits`` ``(N, 5)`` with 10 after the last
    digit; ``lengths`` ``(N,)`` 1-5; ``skipped``: how many longer numbers
    were left out.
    """
    from PIL import Image

    from .files import progress as progress_bar

    keep = [e for e in entries if 1 <= len(e["label"]) <= MAX_DIGITS]
    n = len(keep)
    out = {"crops": np.zeros((n, size, size, 3), np.uint8), "crop_boxes": np.zeros((n, 4), np.float32),
           "digits": np.full((n, MAX_DIGITS), 10, np.int32), "lengths": np.zeros(n, np.int32)}
    if whole:
        out["wholes"] = np.zeros((n, *whole, 3), np.uint8)
        out["whole_boxes"] = np.zeros((n, 4), np.float32)
    with progress_bar(len(keep), "cropping numbers", enabled=progress, unit="photo") as bar:
        for i, entry in enumerate(keep):
            _fill(out, i, entry, image_folder, size, whole)
            bar.update()
    out["skipped"] = np.array(len(entries) - n)
    return out


def _fill(out: dict, i: int, entry: dict, image_folder, size: int, whole) -> None:
    """Row ``i`` of :func:`number_arrays`' arrays from one annotated photo."""
    from PIL import Image

    with Image.open(Path(image_folder) / entry["name"]) as image:
        picture = np.asarray(image.convert("RGB"))
    box = union_box(entry)
    out["crops"][i], out["crop_boxes"][i] = crop_number(picture, box, size=size)
    labels = [int(v) % 10 for v in entry["label"]]
    out["digits"][i, :len(labels)], out["lengths"][i] = labels, len(labels)
    if whole:
        h, w = picture.shape[:2]
        out["wholes"][i] = resize_whole(picture, whole)
        out["whole_boxes"][i] = (box[0] / w, box[1] / h, box[2] / w, box[3] / h)
