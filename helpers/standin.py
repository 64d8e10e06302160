"""An offline stand-in for SVHN: synthetic street numbers shaped by the real annotations.

Where real SVHN is absent and cannot be downloaded (CI, offline workshops),
the SVHN lessons train on these images instead, and say so in their banner and
in the ledger. The stand-in has SVHN's shapes, dtypes and label conventions:

* :func:`cropped` - ``(N, 32, 32, 3)`` uint8 digits cut as SVHN format 2 cuts
  them (each digit's box made square, so the digit fills the crop's height
  and its neighbours show at the sides), labels 0-9;
* :func:`full` - a folder of PNG photos of whole numbers and an annotation list
  with a box per digit, exactly as :func:`helpers.svhn.load_full` returns it
  (like format 1).

What is drawn, and where it comes from:

* **geometry** - the number's length, the digits' height in pixels and relative
  to the photo, each digit's box aspect ratio (per digit class), the gaps and
  vertical steps between neighbours and the margins are sampled from quantile
  tables of the real format-1 annotations (``standin_geometry.json``, which
  names its provenance; it holds summaries only, no annotation);
* **typefaces** - the DejaVu, STIX and Computer Modern faces that ship inside
  matplotlib, condensed or widened to the sampled aspect ratios, made thinner
  or bolder and slanted, plus digits drawn from strokes (plain, rounded
  shapes with an open 4, a flagless 1 and so on), so every machine has them;
* **looks** - mostly desaturated walls and plates with texture, stripes,
  edges and clutter, low and varied contrast, either polarity, drop shadows,
  lighting gradients, small rotations and perspective, blur and low resolution,
  sensor noise and JPEG artefacts.

Results are deterministic for a seed and cached in ``<data dir>/svhn-standin``. Every
photo has its own random stream, so large sets are drawn on all cores (:func:`workers`)
and come out the same however many processes draw them.
Its figures are *not* SVHN figures.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import io
import itertools
import json
import multiprocessing
import os
import re
import shutil
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage
from .files import atomic_dir, atomic_path, progress as progress_bar
from .machinery import paths

VERSION = 3  # bump when the rendering or the random streams change: caches are keyed by it
FONT_NAMES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
              "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
              "DejaVuSansMono-BoldOblique.ttf", "cmss10.ttf",
              "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
              "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
              "cmr10.ttf", "cmb10.ttf", "cmti10.ttf", "cmtt10.ttf")
SANS_WEIGHT = 2  # sans-serif faces (the first nine) are drawn this many times as often: house numbers mostly are
STROKE_SHARE = 0.5  # share of numbers drawn with the stroke digits rather than a font
GLYPH_SIZE = 96      # glyphs are drawn this tall, then resized to the photo's digit height
# Drawing: photos per job handed to a process, the fewest digits or photos worth starting processes for
# (each takes a second or so to start), and the most processes.
CHUNK, PARALLEL_FROM, MAX_WORKERS = 200, 2_000, 8
GEOMETRY = json.loads(Path(__file__).with_name("standin_geometry.json").read_text())
_QUANTILES = np.linspace(0, 1, len(GEOMETRY["gap"]))


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


def _remove_older_versions() -> None:
    """Delete the caches drawn by other versions of the stand-in (their ``-v<N>`` differs from
    :data:`VERSION`): nothing reads them again. Called each time a new cache is written, so that
    updating the course frees their space (several hundred MB after a `standard` run).
    Used by :func:`cropped` and :func:`full`.
    """
    for path in folder().iterdir():
        match = _CACHE_NAME.fullmatch(path.name)
        if match and int(match["version"]) != VERSION:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


_CACHE_NAME = re.compile(r"(cropped|full)-[a-z]+-\d+-seed\d+-v(?P<version>\d+)(\.npz)?")


def _sample(rng, name: str, low: float, high: float, u: float | None = None) -> float:
    """A draw from the real annotations' quantile table ``name`` (inverse CDF), clipped to ``[low, high]``.

    ``name`` is a key of :data:`GEOMETRY`, or ``"aspect 0"`` ... ``"aspect 9"`` for a digit's box aspect
    ratio; ``u`` (0-1) picks the quantile instead of a fresh random one.
    """
    table = GEOMETRY["aspect_by_digit"][name.split()[1]] if name.startswith("aspect ") else GEOMETRY[name]
    return float(np.clip(np.interp(rng.random() if u is None else u, _QUANTILES, table), low, high))


# ---- typefaces -----------------------------------------------------------------------------------------------

def _arc(cx, cy, rx, ry, start, end, n=24, power=2.0):
    """Points of an arc of a superellipse in a unit box (y down, angles in degrees, 270 = top).

    ``power`` 2 is an ellipse; larger powers square the bowls off, as in DIN-like house-number faces.
    """
    a = np.radians(np.linspace(start, end, n))
    c, s = np.cos(a), np.sin(a)
    return list(zip(cx + rx * np.sign(c) * np.abs(c) ** (2 / power), cy + ry * np.sign(s) * np.abs(s) ** (2 / power)))


def _bezier(p0, p1, p2, n=16):
    t = np.linspace(0, 1, n)[:, None]
    return [tuple(p) for p in (1 - t) ** 2 * np.array(p0) + 2 * (1 - t) * t * np.array(p1) + t ** 2 * np.array(p2)]


# Each digit: a few variants, each a list of strokes (polylines in a unit box, y down).
@functools.lru_cache(maxsize=8)
def _strokes(power: float) -> dict[int, list]:
    """The stroke digits with bowls of superellipse ``power`` (see :func:`_arc`)."""
    arc = functools.partial(_arc, power=power)
    return {
        0: [[arc(0.5, 0.5, 0.5, 0.5, 0, 360, 40)]],
        1: [[[(0.5, 0.0), (0.5, 1.0)]], [[(0.15, 0.22), (0.62, 0.0), (0.62, 1.0)]],
            [[(0.2, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.2, 1.0), (0.9, 1.0)]]],
        2: [[arc(0.5, 0.28, 0.48, 0.28, 195, 375) + [(0.02, 1.0), (1.0, 1.0)]],
            [arc(0.5, 0.3, 0.48, 0.3, 180, 360) + _bezier((0.98, 0.3), (0.95, 0.6), (0.02, 1.0)) + [(1.0, 1.0)]]],
        3: [[arc(0.5, 0.26, 0.44, 0.26, 200, 450), arc(0.5, 0.73, 0.5, 0.27, 270, 520)],
            [[(0.05, 0.0), (0.95, 0.0), (0.45, 0.4)] + arc(0.5, 0.7, 0.48, 0.3, 280, 520)]],
        4: [[[(0.72, 1.0), (0.72, 0.0), (0.0, 0.7), (1.0, 0.7)]],
            [[(0.38, 0.0), (0.02, 0.66), (1.0, 0.66)], [(0.74, 0.3), (0.74, 1.0)]]],
        5: [[[(0.92, 0.0), (0.15, 0.0), (0.1, 0.45)] + arc(0.5, 0.66, 0.46, 0.34, 220, 500)],
            [[(0.9, 0.0), (0.12, 0.0), (0.08, 0.48), (0.5, 0.36)] + arc(0.5, 0.68, 0.46, 0.32, 280, 510)]],
        6: [[_bezier((0.85, 0.02), (0.05, 0.1), (0.04, 0.66)), arc(0.5, 0.67, 0.46, 0.33, 0, 360, 36)],
            [[(0.7, 0.0), (0.1, 0.6)], arc(0.5, 0.68, 0.45, 0.32, 0, 360, 36)]],
        7: [[[(0.0, 0.0), (1.0, 0.0), (0.32, 1.0)]],
            [[(0.0, 0.0), (1.0, 0.0)] + _bezier((1.0, 0.0), (0.45, 0.45), (0.4, 1.0))],
            [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)], [(0.3, 0.52), (0.85, 0.52)]]],
        8: [[arc(0.5, 0.25, 0.4, 0.25, 0, 360, 32), arc(0.5, 0.72, 0.48, 0.28, 0, 360, 36)]],
        9: [[arc(0.5, 0.33, 0.46, 0.33, 0, 360, 36), _bezier((0.96, 0.33), (0.95, 0.92), (0.2, 1.0))],
            [arc(0.5, 0.32, 0.46, 0.32, 0, 360, 36), [(0.95, 0.32), (0.3, 1.0)]]],
    }


def _tight(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.max(axis=1) > 0.35), np.flatnonzero(mask.max(axis=0) > 0.35)
    return mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _rank_filter(image: np.ndarray, size: int, grow: bool) -> np.ndarray:
    """The largest (``grow``) or smallest value in each ``size`` x ``size`` square: ink bolded or thinned.

    The same pixels as PIL's ``MaxFilter`` / ``MinFilter`` (edges repeated outwards), computed
    row and column apart, which is several times faster for the larger squares.
    """
    return (ndimage.maximum_filter if grow else ndimage.minimum_filter)(image, size=size, mode="nearest")


@functools.lru_cache(maxsize=2048)
def _font_glyph(font: str, digit: int, weight: int) -> np.ndarray:
    """A digit of a TrueType font, ``GLYPH_SIZE`` tall, float 0-1, cropped to its ink; ``weight`` thins/bolds."""
    face = ImageFont.truetype(font, int(GLYPH_SIZE * 1.4))
    canvas = Image.new("L", (GLYPH_SIZE * 2, GLYPH_SIZE * 2))
    ImageDraw.Draw(canvas).text((GLYPH_SIZE // 3, 0), str(digit), font=face, fill=255)
    ink = np.asarray(canvas)
    if weight:
        ink = _rank_filter(ink, 2 * abs(weight) + 1, grow=weight > 0)
    glyph = _tight(ink.astype(np.float32) / 255)
    scale = GLYPH_SIZE / glyph.shape[0]
    return np.asarray(Image.fromarray(glyph).resize((max(2, round(glyph.shape[1] * scale)), GLYPH_SIZE),
                                                    Image.BILINEAR))


@functools.lru_cache(maxsize=2048)
def _stroke_glyph(digit: int, variant: int, width: int, power: float) -> np.ndarray:
    """A digit drawn from strokes (:func:`_strokes`), ``GLYPH_SIZE`` tall, about half as wide, float 0-1."""
    pad, w, h = width, GLYPH_SIZE // 2, GLYPH_SIZE - width
    canvas = Image.new("L", (w + 2 * pad + 2, GLYPH_SIZE + 2 * pad + 2))
    draw = ImageDraw.Draw(canvas)
    variants = _strokes(power)[digit]
    for stroke in variants[variant % len(variants)]:
        points = [(pad + x * w, pad + y * h) for x, y in stroke]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    glyph = _tight(np.asarray(canvas, dtype=np.float32) / 255)
    scale = GLYPH_SIZE / glyph.shape[0]
    return np.asarray(Image.fromarray(glyph).resize((max(2, round(glyph.shape[1] * scale)), GLYPH_SIZE),
                                                    Image.BILINEAR))


def _typeface(rng):
    """A function ``digit -> glyph`` for one number: one face, weight and slant for all its digits."""
    slant = rng.normal(0, 0.08) if rng.random() < 0.5 else 0.0
    if rng.random() < STROKE_SHARE:
        width, variants, power = int(rng.integers(5, 15)), rng.integers(0, 6, 10), float(rng.choice([2, 2, 2.8, 4]))
        base = lambda d: _stroke_glyph(d, int(variants[d]), width, power)
    else:
        faces = fonts()
        odds = np.array([SANS_WEIGHT if f.name in FONT_NAMES[:9] else 1 for f in faces], dtype=float)
        font = str(faces[rng.choice(len(faces), p=odds / odds.sum())])
        weight = int(rng.choice([-3, -2, -1, 0, 0, 0, 1, 2, 3, 4]))
        base = lambda d: _font_glyph(font, d, weight)
    outline = int(rng.integers(4, 10)) if rng.random() < 0.08 else 0  # outlined digits, as on some plates

    def glyph(digit):
        g = base(digit)
        if outline:
            g = np.clip(g - _rank_filter(g, 2 * outline + 1, grow=False), 0, 1)
        if not slant:
            return g
        h, w = g.shape
        extra = int(abs(slant) * h) + 1
        image = Image.fromarray(g).transform((w + extra, h), Image.AFFINE,
                                             (1, slant, -extra / 2 - slant * h / 2, 0, 1, 0),
                                             Image.BILINEAR)
        return _tight(np.asarray(image)) if np.asarray(image).max() > 0.35 else g
    return glyph


# ---- looks ---------------------------------------------------------------------------------------------------

def _tint(rng, luminance, saturation):
    """An RGB colour of about ``luminance`` (0-255), mostly grey-blue, ``saturation`` 0-1."""
    hue = rng.normal([0, 0, 0.25], 0.6)  # a slight blue cast on average, as in SVHN's photos
    hue = hue - hue.mean()
    colour = luminance + saturation * 120 * hue / (np.abs(hue).max() + 1e-6)
    return np.clip(colour, 0, 255)


def _colours(rng):
    """Wall and ink colours: low, varied contrast, either polarity, mostly desaturated."""
    wall = rng.uniform(25, 235)
    contrast = rng.uniform(0.22, 0.9) * (255 - 40)
    ink = wall - contrast if (wall > 128) == (rng.random() < 0.8) else wall + contrast
    if not 0 <= ink <= 255:
        ink = wall + contrast if ink < 0 else wall - contrast
    ink = float(np.clip(ink, 0, 255))
    saturation = rng.choice([rng.uniform(0, 0.12), rng.uniform(0.1, 0.3), rng.uniform(0.3, 0.7)], p=[0.6, 0.3, 0.1])
    return _tint(rng, wall, saturation), _tint(rng, ink, saturation * rng.uniform(0.3, 1.2))


def _smooth_noise(rng, height, width, cell):
    coarse = rng.normal(0, 1, (max(2, height // cell + 2), max(2, width // cell + 2)))
    image = Image.fromarray(coarse.astype(np.float32)).resize((width, height), Image.BICUBIC)
    return np.asarray(image)


def _background(rng, height, width, colour, digit_height):
    base = np.ones((height, width, 3), dtype=np.float32) * colour
    kind = rng.choice(["flat", "blotches", "stripes", "grain"], p=[0.25, 0.35, 0.2, 0.2])
    if kind == "blotches":  # render, brick, wood, weathered paint
        base += _smooth_noise(rng, height, width, max(3, int(digit_height * rng.uniform(0.2, 1))))[..., None] \
            * rng.uniform(4, 18)
    elif kind == "stripes":  # siding, planks
        period = digit_height * rng.uniform(0.3, 1.2)
        axis = np.arange(height if rng.random() < 0.7 else width)
        wave = (np.sin(2 * np.pi * axis / period + rng.uniform(0, 6)) > rng.uniform(-0.6, 0.8)) * rng.uniform(-25, 25)
        base += (wave[:, None, None] if len(axis) == height else wave[None, :, None]).astype(np.float32)
    elif kind == "grain":
        base += rng.normal(0, rng.uniform(3, 10), (height, width, 1)).astype(np.float32)
    return base


def _clutter(rng, image, digit_height, number_box):
    """Edges and shapes that are not digits: plate borders, frames, lines, other objects."""
    height, width = image.shape[:2]
    layer = Image.new("L", (width, height))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = number_box
    if rng.random() < 0.45:  # a plate or frame around the number
        pad = digit_height * rng.uniform(0.08, 0.6, 4)
        rect = (x0 - pad[0], y0 - pad[1], x1 + pad[2], y1 + pad[3])
        if rng.random() < 0.5:
            draw.rectangle(rect, outline=255, width=max(1, int(digit_height * rng.uniform(0.04, 0.15))))
        else:  # a filled plate: a second colour behind the number
            plate = Image.new("L", (width, height))
            ImageDraw.Draw(plate).rectangle(rect, fill=255)
            shade = rng.uniform(-60, 60) + rng.normal(0, 12, 3)  # mostly lighter or darker, a little tinted
            image += np.asarray(plate, dtype=np.float32)[..., None] / 255 * shade
    if rng.random() < 0.2:  # a letter or sign beside the number (street names, "A" of 12A, door signs)
        size = max(6, int(digit_height * rng.uniform(0.4, 1.1)))
        face = ImageFont.truetype(str(rng.choice(fonts())), size)
        text = "".join(rng.choice(list("ABCDEFGHKLMNPRSTUVWXZabdehknrstx-/#"), int(rng.integers(1, 4))))
        gap = rng.uniform(0.1, 0.6) * digit_height
        x = x1 + gap if width - x1 > x0 else x0 - gap - face.getlength(text)  # on the wider side
        draw.text((x, y0 + rng.uniform(-0.5, 0.8) * digit_height), text, font=face, fill=255)
    for _ in range(rng.poisson(1.2)):  # lines and edges anywhere (door frames, gutters, shadows)
        if rng.random() < 0.5:
            x = rng.uniform(0, width)
            draw.line((x, 0, x + rng.normal(0, 0.1) * height, height), fill=255,
                      width=max(1, int(digit_height * rng.uniform(0.03, 0.3))))
        else:
            y = rng.uniform(0, height)
            draw.line((0, y, width, y + rng.normal(0, 0.1) * width), fill=255,
                      width=max(1, int(digit_height * rng.uniform(0.03, 0.3))))
    mask = np.asarray(layer, dtype=np.float32)[..., None] / 255
    if mask.any():
        image += mask * (rng.uniform(-70, 70) + rng.normal(0, 10, 3))
    return image


def _perspective_coeffs(src, dst):
    """Coefficients for PIL's PERSPECTIVE transform mapping output points ``dst`` to input points ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(rows, dtype=float), np.array(src, dtype=float).ravel())


# ---- one photo -----------------------------------------------------------------------------------------------

def render_number(rng: np.random.Generator, digits: list[int] | None = None, return_masks: bool = False):
    """One synthetic house-number photo: ``(RGB uint8 array, digits, boxes)``.

    ``boxes`` is ``(n, 4)`` int ``(left, top, width, height)`` per digit, drawn
    as annotators draw them: tight above and below the ink, and as wide as the
    digit's sampled box aspect ratio where that is wider than the ink
    (``return_masks=True`` also returns the per-digit ink masks). Used by
    :func:`cropped` and :func:`full`.
    Shown in ``13_svhn_cropped_digits``; the sample photos of ``15_your_own_photos`` use it too.
    """
    if digits is None:  # length and digits as often as on real houses (more 1s and 2s first, as Benford's law has it)
        lengths, firsts, others = (np.array(GEOMETRY[key], dtype=float) / sum(GEOMETRY[key])
                                   for key in ("length_counts", "first_digit_counts", "other_digit_counts"))
        length = rng.choice(len(lengths), p=lengths) + 1
        digits = [rng.choice(10, p=firsts)] + list(rng.choice(10, length - 1, p=others))
    digits = [int(d) for d in digits]
    h = _sample(rng, "digit_height_px", 10, 150)
    glyph = _typeface(rng)
    u = rng.random()  # one quantile for the whole number: its digits share a width
    # layout in photo pixels: each digit's ink, its annotated box width, the gaps and steps between boxes
    inks, box_widths, aspects = [], [], []
    for d in digits:
        g = glyph(d)
        target = _sample(rng, f"aspect {d}", 0.2, 1.2, u=float(np.clip(u + rng.normal(0, 0.04), 0, 1)))
        natural = g.shape[1] / g.shape[0]
        ink_aspect = float(np.clip(target * 0.78, natural * 0.35, natural * 1.45))  # boxes are looser than ink
        hi = max(6, round(h * rng.uniform(0.97, 1.03)))
        inks.append(np.asarray(Image.fromarray(g).resize((max(1, round(hi * ink_aspect)), hi), Image.BILINEAR)))
        box_widths.append(max(inks[-1].shape[1], round(hi * target)))
        aspects.append(target)
    lefts, tops, x, y = [], [], 0.0, 0.0
    for i, bw in enumerate(box_widths):
        if i:
            x += _sample(rng, "gap", -0.15, 0.6) * h
            y += _sample(rng, "vertical_step", -0.25, 0.25) * h
        lefts.append(x)
        tops.append(y)
        x += bw
    number_w, y_min = x, min(tops)
    number_h = max(t + ink.shape[0] for t, ink in zip(tops, inks)) - y_min
    margin = _sample(rng, "margin_x", 0.4, 10) * h
    left_pad = margin * _sample(rng, "left_share", 0.1, 0.9)
    height = max(int(number_h + 2), round(h / _sample(rng, "relative_height", 0.25, 0.97)))
    top_pad = (height - number_h) * _sample(rng, "top_share", 0.1, 0.9)
    width = max(8, round(number_w + margin))
    wall, ink = _colours(rng)
    image = _background(rng, height, width, wall, h)
    masks = []
    for left, top, bw, g in zip(lefts, tops, box_widths, inks):
        mask = np.zeros((height, width), dtype=np.float32)
        px = int(round(left_pad + left + (bw - g.shape[1]) / 2))
        py = int(round(top_pad + top - y_min))
        gh, gw = g.shape
        sy, sx = max(0, -py), max(0, -px)
        ey, ex = min(gh, height - py), min(gw, width - px)
        if ey > sy and ex > sx:
            mask[py + sy:py + ey, px + sx:px + ex] = g[sy:ey, sx:ex]
        masks.append(mask)
    image = _clutter(rng, image, h, (left_pad, top_pad, left_pad + number_w, top_pad + number_h))
    # geometry: a small rotation and perspective, the same for every digit mask
    angle = np.radians(rng.normal(0, 2))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre, jitter = np.array([width, height]) / 2, 0.04 * np.array([width, height])
    corners = np.array([(0, 0), (width, 0), (width, height), (0, height)], dtype=float)
    moved = (corners + rng.uniform(-1, 1, (4, 2)) * jitter - centre) @ turn.T + centre
    coeffs = _perspective_coeffs(moved, corners)  # one warp: rotation and perspective together
    masks = [np.asarray(Image.fromarray(m).transform((width, height), Image.PERSPECTIVE, coeffs, Image.BILINEAR))
             for m in masks]
    alpha = np.clip(np.sum(masks, axis=0), 0, 1)[..., None]
    if rng.random() < 0.3:  # a drop shadow: raised metal or plastic digits
        shift = np.round(rng.normal(0, 0.05, 2) * h).astype(int)
        shadow = np.roll(alpha, tuple(shift), axis=(0, 1)) * (1 - alpha)
        image = image * (1 - shadow * rng.uniform(0.3, 0.7))
    image = image * (1 - alpha) + ink * alpha
    # lighting: a broad gradient, sometimes a shadow edge across the photo
    ramp = np.linspace(rng.uniform(0.65, 1.0), rng.uniform(0.9, 1.25), width if rng.random() < 0.6 else height)
    image *= (ramp[None, :, None] if len(ramp) == width else ramp[:, None, None])
    if rng.random() < 0.15:
        edge = (np.arange(width)[None, :] - rng.uniform(0, width) + rng.normal(0, 1) * np.arange(height)[:, None]) > 0
        image *= 1 - edge[..., None] * rng.uniform(0.2, 0.5)
    # the camera: blur, low resolution, noise and JPEG
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))
    scale = rng.uniform(0.4, 1.0) if rng.random() < 0.5 else 1.0
    picture = picture.filter(ImageFilter.GaussianBlur(h * rng.uniform(0.0, 0.045) * scale))  # not both at their worst
    if scale < 1 and h * scale >= 8:
        picture = picture.resize((max(4, round(width * scale)), max(4, round(height * scale))), Image.BILINEAR) \
            .resize((width, height), Image.BILINEAR)
    noisy = np.asarray(picture, dtype=np.float32) + rng.normal(0, rng.uniform(0, 7), (height, width, 1))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buffer, format="JPEG",
                                                                  quality=int(rng.integers(25, 90)))
    picture = np.asarray(Image.open(buffer).convert("RGB"))
    boxes = []
    for mask, target, drawn in zip(masks, aspects, inks):
        ink_mask = mask > 0.38
        rows, cols = np.flatnonzero(ink_mask.any(axis=1)), np.flatnonzero(ink_mask.any(axis=0))
        if len(rows) < 0.7 * drawn.shape[0]:  # a digit pushed (partly) off the photo: draw again
            return render_number(rng, digits, return_masks)
        left, right = cols[0], cols[-1] + 1
        extra = max(0, round(target * (rows[-1] + 1 - rows[0])) - (right - left))  # as wide as the sampled aspect
        left, right = max(0, left - extra // 2), min(width, right + extra - extra // 2)
        boxes.append((left, rows[0], right - left, rows[-1] + 1 - rows[0]))
    result = picture, digits, np.array(boxes, dtype=int)
    return (*result, [(m * 255).astype(np.uint8) for m in masks]) if return_masks else result


def crop_digit(picture: np.ndarray, box, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """A square crop around one digit box as SVHN format 2 cuts it, resized to ``size``; edges padded.

    The box is made square along its shorter side (so the digit fills the
    crop's height and its neighbours show at the sides), with a little of the
    jitter hand-drawn boxes have. Used for the stand-in of ``13_svhn_cropped_digits``.
    """
    left, top, w, h = box
    side = max(h, w) * float(np.clip(rng.lognormal(np.log(1.06), 0.1), 0.9, 1.5))
    cx, cy = left + w / 2 + rng.normal(0, 0.05) * side, top + h / 2 + rng.normal(0, 0.04) * side
    image = Image.fromarray(picture)
    crop = image.crop((round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2)))
    return np.asarray(crop.resize((size, size), Image.BILINEAR))  # PIL pads outside pixels with black


def _seed(split: str, seed: int) -> list[int]:
    return [VERSION, {"train": 0, "test": 1, "extra": 2}.get(split, 3), seed]


def _photo_rng(split: str, seed: int, index: int) -> np.random.Generator:
    """Photo ``index``'s own random stream: any photo can be drawn alone, so the work splits across processes."""
    return np.random.default_rng([*_seed(split, seed), index])


def _crop_photos(split: str, seed: int, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Every digit of photos ``first`` to ``first + count - 1``, cut as format 2 cuts them: ``(x, y)``."""
    x, y = [], []
    for index in range(first, first + count):
        rng = _photo_rng(split, seed, index)
        picture, digits, boxes = render_number(rng)
        for digit, box in zip(digits, boxes):
            x.append(crop_digit(picture, box, rng))
            y.append(digit)
    return np.stack(x), np.array(y, dtype=np.uint8)


def _save_photos(split: str, seed: int, first: int, count: int, target: str) -> list[dict]:
    """Photos ``first`` to ``first + count - 1`` saved as ``<index + 1>.png`` in ``target``; their annotations."""
    entries = []
    for index in range(first, first + count):
        picture, digits, boxes = render_number(_photo_rng(split, seed, index))
        name = f"{index + 1}.png"
        Image.fromarray(picture).save(Path(target) / name)
        entries.append({"name": name, "label": digits, "left": boxes[:, 0].tolist(), "top": boxes[:, 1].tolist(),
                        "width": boxes[:, 2].tolist(), "height": boxes[:, 3].tolist()})
    return entries


def workers(items: int, requested: int | None = None) -> int:
    """How many processes draw ``items`` digits or photos: ``requested``, else one per core (at most
    :data:`MAX_WORKERS`) when there are at least :data:`PARALLEL_FROM` items, else one (this process).

    Used by :func:`cropped` and :func:`full`, the stand-in of notebooks 13 and 14.
    """
    if requested is not None:
        return max(1, int(requested))
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main and not Path(main).exists():   # `python - < script` and the like: new processes could not import it
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, MAX_WORKERS) if items >= PARALLEL_FROM else 1


def _in_order(function, jobs: Iterator[tuple], processes: int) -> Iterator:
    """``function(*job)`` for each job, in order; on ``processes`` fresh processes when more than one.

    Jobs are handed out a few at a time, so a consumer that stops early leaves little work
    behind. Processes are spawned, never forked: a notebook kernel has TensorFlow's threads
    running. Where processes cannot start, the jobs run here (the results are the same).
    """
    first = list(itertools.islice(jobs, 2 * processes if processes > 1 else 0))
    if processes > 1:
        try:
            pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
            pending = collections.deque(pool.submit(function, *job) for job in first)
            pending[0].result()   # started: the pool works
        except (BrokenProcessPool, OSError) as error:
            warnings.warn(f"drawing in this process only: worker processes could not start ({error})", stacklevel=3)
            processes = 1
    if processes <= 1:
        yield from (function(*job) for job in itertools.chain(first, jobs))
        return
    with pool:
        try:
            while pending:
                result = pending.popleft().result()
                pending.extend(pool.submit(function, *job) for job in itertools.islice(jobs, 1))
                yield result
        finally:
            for future in pending:
                future.cancel()


def cropped(split: str = "train", count: int = 10_000, seed: int = 0, progress: bool = True,
            processes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stand-in cropped digits: ``(count, 32, 32, 3)`` uint8 and labels ``(count,)`` 0-9, cached.

    Like SVHN format 2: one digit filling the crop's height, neighbours
    partly visible at the sides. Each split has its own random streams, so
    train and test never share an image. Drawn on every core (``processes``:
    see :func:`workers`); the digits are the same however many draw them.
    Writing a new cache removes those of older stand-in versions.
    Used by ``13_svhn_cropped_digits`` when real SVHN is absent.
    """
    cache = folder() / f"cropped-{split}-{count}-seed{seed}-v{VERSION}.npz"
    if cache.exists():
        with np.load(cache) as stored:
            return stored["x"], stored["y"]
    x = np.zeros((count, 32, 32, 3), dtype=np.uint8)
    y = np.zeros(count, dtype=np.uint8)
    per_job = max(1, min(CHUNK, count // 8))   # photos per job (about two digits each); the result does not depend on it
    jobs = ((split, seed, first, per_job) for first in itertools.count(0, per_job))
    with progress_bar(count, f"drawing stand-in {split} digits (once: then cached)", progress, unit="digit") as bar, \
            contextlib.closing(_in_order(_crop_photos, jobs, workers(count, processes))) as drawn:
        done = 0
        for xs, ys in drawn:  # every digit of each photo, photo after photo, until there are `count`
            taken = min(len(ys), count - done)
            x[done:done + taken], y[done:done + taken] = xs[:taken], ys[:taken]
            done += taken
            bar.update(taken)
            if done == count:
                break
    with atomic_path(cache, suffix=".npz") as tmp:
        np.savez(tmp, x=x, y=y)
    _remove_older_versions()
    return x, y


def full(split: str = "train", count: int = 2_000, seed: int = 0, progress: bool = True,
         processes: int | None = None) -> tuple[Path, list[dict]]:
    """Stand-in whole numbers: ``(folder of PNGs, annotations)`` as :func:`helpers.svhn.load_full` returns.

    Each annotation has ``name``, ``label`` (0-9), ``left``, ``top``,
    ``width``, ``height``, one entry per digit. Drawn on every core
    (``processes``: see :func:`workers`) into a temporary folder, renamed into
    place when complete. Used by ``14_svhn_multi_digit``.
    """
    target = folder() / f"full-{split}-{count}-seed{seed}-v{VERSION}"
    if (target / "digitStruct.json").exists():
        return target, json.loads((target / "digitStruct.json").read_text())
    per_job = max(1, min(CHUNK, count // 8))
    with atomic_dir(target) as tmp:
        jobs = ((split, seed, first, min(per_job, count - first), str(tmp)) for first in range(0, count, per_job))
        entries = []
        with progress_bar(count, f"drawing stand-in {split} photos (once: then cached)", progress, unit="photo") as bar:
            for drawn in _in_order(_save_photos, jobs, workers(count, processes)):
                entries += drawn
                bar.update(len(drawn))
        (tmp / "digitStruct.json").write_text(json.dumps(entries))
    _remove_older_versions()
    return target, entries
