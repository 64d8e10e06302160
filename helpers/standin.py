"""An offline stand-in for SVHN: synthetic street numbers rendered with matplotlib's own fonts.

Where real SVHN is absent and cannot be downloaded (CI, offline workshops),
the SVHN lessons train on these images instead, and say so in their banner and
in the ledger. The stand-in has SVHN's shapes, dtypes and label conventions:

* :func:`cropped` - ``(N, 32, 32, 3)`` uint8 digits centred in a square crop of
  a rendered number, so parts of the neighbouring digits show at the sides
  (like format 2), labels 0-9;
* :func:`full` - a folder of PNG photos of whole numbers of varied size and an
  annotation list with a box per digit, exactly as
  :func:`helpers.svhn.load_full` returns it (like format 1).

Each image varies the font (the DejaVu, STIX and Computer Modern faces that
ship inside matplotlib, so it works on any machine), size, stroke, colour and
contrast, background (flat, gradient, texture, noise), rotation and
perspective, lighting, blur and JPEG artefacts, and the number's length (1-5
digits, mostly 2-3 as on real houses). Results are deterministic for a seed
and cached in ``<data dir>/svhn-standin``. Its figures are *not* SVHN figures:
the stand-in is cleaner and more regular than real photos.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from tqdm.auto import tqdm

from .files import atomic_dir, atomic_path
from .machinery import paths

VERSION = 1  # bump when the rendering changes: caches are keyed by it
LENGTH_ODDS = (0.10, 0.35, 0.35, 0.15, 0.05)  # 1-5 digits, mostly 2-3
FONT_NAMES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansMono.ttf",
              "DejaVuSansMono-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf",
              "DejaVuSansDisplay.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf",
              "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmtt10.ttf")


def fonts() -> list[Path]:
    """The digit-capable fonts that ship with matplotlib (their folder differs per install).

    Used for the stand-in of notebooks 13-15.
    """
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    found = [folder / name for name in FONT_NAMES if (folder / name).exists()]
    if not found:
        raise RuntimeError(f"no fonts found in {folder}; reinstall matplotlib")
    return found


def folder() -> Path:
    """Where stand-in datasets are cached: ``<data dir>/svhn-standin``. Used for the stand-in of notebooks 13-15."""
    return paths.data_dir() / "svhn-standin"


def _colour_pair(rng):
    """Background and ink colours with enough (random) contrast; dark-on-light or light-on-dark."""
    background = rng.uniform(0, 255, 3)
    ink = rng.uniform(0, 255, 3)
    gap = rng.uniform(70, 200)
    bright = background.mean() > 128
    shift = (background.mean() - gap if bright else background.mean() + gap) - ink.mean()
    return background, np.clip(ink + shift, 0, 255)


def _background(rng, width, height, colour):
    kind = rng.choice(["flat", "gradient", "texture", "noise"])
    base = np.ones((height, width, 3)) * colour
    if kind == "gradient":
        ramp = np.linspace(-1, 1, width if rng.random() < 0.5 else height)
        ramp = ramp[None, :, None] if len(ramp) == width else ramp[:, None, None]
        base = base + ramp * rng.uniform(20, 60) * rng.choice([-1, 1], 3)
    elif kind == "texture":  # blotchy low-frequency noise, like brick, wood or render
        coarse = rng.normal(0, 1, (max(2, height // 8), max(2, width // 8), 3))
        blotches = np.asarray(Image.fromarray(((coarse + 3) * 40).clip(0, 255).astype(np.uint8))
                              .resize((width, height), Image.BICUBIC), dtype=float) - 120
        base = base + blotches * rng.uniform(0.2, 0.6)
    elif kind == "noise":
        base = base + rng.normal(0, rng.uniform(5, 20), base.shape)
    return base


def _perspective_coeffs(src, dst):
    """Coefficients for PIL's PERSPECTIVE transform mapping output points ``dst`` to input points ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(rows, dtype=float), np.array(src, dtype=float).ravel())


def render_number(rng: np.random.Generator, digits: list[int] | None = None, return_masks: bool = False):
    """One synthetic house-number photo: ``(RGB uint8 array, digits, boxes)``.

    ``boxes`` is ``(n, 4)`` int ``(left, top, width, height)`` of each digit's
    ink after every geometric distortion (``return_masks=True`` also returns
    the per-digit ink masks they were measured on). Used by :func:`cropped`
    and :func:`full`.
    Shown in ``13_svhn_cropped_digits``; the sample photos of ``15_your_own_photos`` use it too.
    """
    if digits is None:
        digits = list(rng.integers(0, 10, rng.choice(5, p=LENGTH_ODDS) + 1))
    font = ImageFont.truetype(str(rng.choice(fonts())), int(rng.integers(20, 56)))
    stroke = int(rng.choice([0, 0, 0, 1, 2]))
    spacing = rng.uniform(-0.05, 0.35)
    ascent = font.getbbox("0")[3]
    sizes = [font.getbbox(str(d), stroke_width=stroke) for d in digits]
    widths = [b[2] - b[0] for b in sizes]
    gap = int(spacing * ascent)
    margin_x, margin_y = [int(ascent * rng.uniform(0.2, 1.2)) for _ in range(2)]
    width = sum(widths) + gap * (len(digits) - 1) + 2 * margin_x
    height = ascent + 2 * margin_y + stroke * 2
    background, ink = _colour_pair(rng)
    image = _background(rng, width, height, background)
    masks, x = [], margin_x
    for digit, box, w in zip(digits, sizes, widths):
        mask = Image.new("L", (width, height))
        ImageDraw.Draw(mask).text((x - box[0], margin_y), str(digit), font=font, fill=255,
                                  stroke_width=stroke, stroke_fill=255)
        masks.append(mask)
        x += w + gap
    # geometry: a small rotation and a perspective tilt, applied to the masks (the image is composed after)
    angle = rng.uniform(-8, 8)
    jitter = 0.08 * np.array([width, height])
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    moved = [(cx + rng.uniform(-1, 1) * jitter[0], cy + rng.uniform(-1, 1) * jitter[1]) for cx, cy in corners]
    coeffs = _perspective_coeffs(moved, corners)
    masks = [m.rotate(angle, resample=Image.BILINEAR).transform((width, height), Image.PERSPECTIVE, coeffs,
                                                                  Image.BILINEAR) for m in masks]
    alpha = np.max([np.asarray(m, dtype=float) for m in masks], axis=0)[..., None] / 255
    image = image * (1 - alpha) + ink * alpha
    # lighting: a broad highlight or shadow across the plate
    light = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.9, 1.3), width)[None, :, None]
    image = np.clip(image * (light if rng.random() < 0.5 else light[:, ::-1]), 0, 255).astype(np.uint8)
    picture = Image.fromarray(image).filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=int(rng.integers(20, 90)))
    picture = np.asarray(Image.open(buffer).convert("RGB"))
    boxes = []
    for mask in masks:
        ink_mask = np.asarray(mask) > 96
        rows, cols = np.flatnonzero(ink_mask.any(axis=1)), np.flatnonzero(ink_mask.any(axis=0))
        if len(rows) == 0:  # a digit pushed off the plate: draw again
            return render_number(rng, digits, return_masks)
        boxes.append((cols[0], rows[0], cols[-1] + 1 - cols[0], rows[-1] + 1 - rows[0]))
    result = picture, [int(d) for d in digits], np.array(boxes, dtype=int)
    return (*result, [np.asarray(m) for m in masks]) if return_masks else result


def crop_digit(picture: np.ndarray, box, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """A square crop around one digit box (side about 1.2x its height), resized to ``size``; edges padded.

    Used for the stand-in of ``13_svhn_cropped_digits``.
    """
    left, top, w, h = box
    side = max(h, w) * rng.uniform(1.1, 1.35)
    cx, cy = left + w / 2 + rng.uniform(-0.05, 0.05) * side, top + h / 2 + rng.uniform(-0.05, 0.05) * side
    image = Image.fromarray(picture)
    crop = image.crop((round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2)))
    return np.asarray(crop.resize((size, size), Image.BILINEAR))  # PIL pads outside pixels with black


def _seed(split: str, seed: int) -> list[int]:
    return [VERSION, {"train": 0, "test": 1, "extra": 2}.get(split, 3), seed]


def cropped(split: str = "train", count: int = 10_000, seed: int = 0, progress: bool = True
            ) -> tuple[np.ndarray, np.ndarray]:
    """Stand-in cropped digits: ``(count, 32, 32, 3)`` uint8 and labels ``(count,)`` 0-9, cached.

    Like SVHN format 2: one digit centred, neighbours partly visible at the
    sides. Each split has its own random stream, so train and test never share
    an image. Used by ``13_svhn_cropped_digits`` when real SVHN is absent.
    """
    cache = folder() / f"cropped-{split}-{count}-seed{seed}-v{VERSION}.npz"
    if cache.exists():
        with np.load(cache) as stored:
            return stored["x"], stored["y"]
    rng = np.random.default_rng(_seed(split, seed))
    x = np.zeros((count, 32, 32, 3), dtype=np.uint8)
    y = np.zeros(count, dtype=np.uint8)
    for i in tqdm(range(count), desc=f"stand-in {split} digits", disable=not progress, mininterval=2):
        picture, digits, boxes = render_number(rng)
        pick = int(rng.integers(len(digits)))
        x[i], y[i] = crop_digit(picture, boxes[pick], rng), digits[pick]
    with atomic_path(cache, suffix=".npz") as tmp:
        np.savez(tmp, x=x, y=y)
    return x, y


def full(split: str = "train", count: int = 2_000, seed: int = 0, progress: bool = True) -> tuple[Path, list[dict]]:
    """Stand-in whole numbers: ``(folder of PNGs, annotations)`` as :func:`helpers.svhn.load_full` returns.

    Each annotation has ``name``, ``label`` (0-9), ``left``, ``top``,
    ``width``, ``height``, one entry per digit. Written to a temporary folder
    and renamed into place when complete. Used by ``14_svhn_multi_digit``.
    """
    target = folder() / f"full-{split}-{count}-seed{seed}-v{VERSION}"
    if (target / "digitStruct.json").exists():
        return target, json.loads((target / "digitStruct.json").read_text())
    rng = np.random.default_rng(_seed(split, seed))
    with atomic_dir(target) as tmp:
        entries = []
        for i in tqdm(range(count), desc=f"stand-in {split} numbers", disable=not progress, mininterval=2):
            picture, digits, boxes = render_number(rng)
            name = f"{i + 1}.png"
            Image.fromarray(picture).save(tmp / name)
            entries.append({"name": name, "label": digits, "left": boxes[:, 0].tolist(), "top": boxes[:, 1].tolist(),
                            "width": boxes[:, 2].tolist(), "height": boxes[:, 3].tolist()})
        (tmp / "digitStruct.json").write_text(json.dumps(entries))
    return target, entries
