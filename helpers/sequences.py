"""Synthetic numbers made of MNIST digits, for Parts II and III.

A *number* is 1-5 (or more) MNIST digits drawn side by side. Labels are the
digits in reading order, one slot per position, with :data:`BLANK` (class 10)
in the slots after the last digit. Every function takes its digits from one
split only, so training numbers are built from training digits, validation
numbers from validation digits and test numbers from test digits.

Two layouts (taught in ``10_digit_sequences``):

* ``"slots"``: the reference's layout, each digit in its own 28-pixel column,
  left-aligned;
* ``"random"``: a realistic one. Digits are cropped to their ink, scaled
  together (with a little jitter per digit), spaced randomly (sometimes
  touching or overlapping), jittered vertically and the whole number is placed
  at a random horizontal offset, so the columns no longer line up with digits.

Training batches are generated on the fly by :class:`SequenceBatches` (never
materialized as one big array); fixed validation and test sets come from
:func:`make_numbers` with a fixed seed, and :class:`ArrayBatches` hands them
to Keras without a copy. All results are deterministic for a given seed.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from PIL import Image

from . import data
from .metrics import BLANK, to_strings  # noqa: F401  (the label convention, shared with the metrics)

HEIGHT = 28
SLOT = 28
LAYOUTS = ("slots", "random")


def digit_splits(eval_size: int | None = None, valid_size: int = 5000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """MNIST digits per split, uint8: ``{"train": (x, y), "valid": (x, y), "test": (x, y)}``.

    55,000 / 5,000 / 10,000 digits (the split of ``00_mnist_data``);
    ``eval_size`` keeps only the first validation and test digits (smoke
    profile). Numbers are always drawn within one split. Used by notebooks
    10-12.
    """
    (x_full, y_full), (x_test, y_test) = data.load_mnist()
    (x_train, y_train), (x_valid, y_valid) = data.split_validation(x_full, y_full, valid_size)
    return {"train": (x_train, y_train), "valid": (x_valid[:eval_size], y_valid[:eval_size]),
            "test": (x_test[:eval_size], y_test[:eval_size])}


def _crop_to_ink(image: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    if len(rows) == 0:  # an empty image (never in MNIST): keep one blank pixel
        return image[:1, :1]
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _scaled(image: np.ndarray, factor: float) -> np.ndarray:
    """``image`` cropped to its ink, resized by ``factor`` and cropped to its ink again."""
    ink = _crop_to_ink(image)
    h, w = ink.shape
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return _crop_to_ink(np.asarray(Image.fromarray(ink).resize(size, Image.BILINEAR)))


def place_number(canvas: np.ndarray, digits: list[np.ndarray], rng: np.random.Generator,
                 scale: tuple[float, float] = (0.8, 1.3), gap: tuple[int, int] = (-2, 4),
                 jitter: int = 2) -> np.ndarray:
    """Draw ``digits`` (28x28 uint8 images) as one number at a random place on ``canvas`` (in place).

    The number is scaled by a factor drawn from ``scale`` (relative to MNIST's
    ink size, about 20 pixels high), each digit by up to 5% more or less;
    neighbours are ``gap`` pixels apart (negative: overlapping, scaled with the
    digits); each digit moves up to ``jitter`` pixels up or down. If the
    number does not fit, it is shrunk until it does. Ink is combined with
    ``max``. Returns the boxes of the digits' ink as an ``(n, 4)`` int array of
    ``(x, y, width, height)``; every box lies inside the canvas and encloses
    exactly that digit's ink. Used by the random layout (notebook 10) and the
    canvases of ``12_localization``.
    """
    height, width = canvas.shape
    factor = rng.uniform(*scale)
    per_digit = rng.uniform(0.95, 1.05, len(digits))
    gaps = rng.integers(gap[0], gap[1] + 1, max(len(digits) - 1, 0))
    while True:
        patches = [_scaled(d, factor * f) for d, f in zip(digits, per_digit)]
        steps = np.round(gaps * factor).astype(int)
        total = sum(p.shape[1] for p in patches) + int(steps.sum())
        tallest = max(p.shape[0] for p in patches)
        if total <= width and tallest <= height:
            break
        factor *= 0.9
    x = int(rng.integers(0, width - total + 1))
    base = int(rng.integers(0, height - tallest + 1))
    boxes = []
    for i, patch in enumerate(patches):
        h, w = patch.shape
        y = int(np.clip(base + (tallest - h) // 2 + rng.integers(-jitter, jitter + 1), 0, height - h))
        x = min(x, width - w)
        region = canvas[y:y + h, x:x + w]
        np.maximum(region, patch, out=region)
        boxes.append((x, y, w, h))
        if i < len(steps):
            x = max(0, x + w + int(steps[i]))
    return np.array(boxes, dtype=int)


def make_numbers(images: np.ndarray, labels: np.ndarray, count: int, *, min_len: int = 5, max_len: int = 5,
                 layout: str = "slots", width: int = 140, slots: int | None = None,
                 seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """Build ``count`` numbers from one split's ``images`` (uint8, ``(N, 28, 28)``) and ``labels``.

    Each number has a length drawn uniformly from ``min_len..max_len`` and
    digits drawn at random from the split. Returns ``x`` float32 ``(count, 28,
    width, 1)`` with ink in [0, 1] and ``y`` int32 ``(count, slots)``: the
    digits, then :data:`BLANK` (``slots`` defaults to ``max_len``). The
    ``"slots"`` layout needs ``width >= 28 * max_len``. Deterministic for a
    seed. Validation and test sets of notebooks 10-11 are made with it.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    slots = slots or max_len
    if slots < max_len:
        raise ValueError(f"slots ({slots}) must be at least max_len ({max_len})")
    if layout == "slots" and width < SLOT * max_len:
        raise ValueError(f"the slots layout needs width >= {SLOT * max_len} for {max_len} digits, got {width}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, count)
    picks = rng.integers(0, len(images), (count, max_len))
    canvas = np.zeros((count, HEIGHT, width), dtype=np.uint8)
    y = np.full((count, slots), BLANK, dtype=np.int32)
    for i, (n, pick) in enumerate(zip(lengths, picks)):
        pick = pick[:n]
        y[i, :n] = labels[pick]
        if layout == "slots":
            canvas[i, :, :SLOT * n] = np.concatenate(images[pick], axis=1)
        else:
            place_number(canvas[i], list(images[pick]), rng)
    x = canvas[..., None].astype("float32")
    x /= 255  # in place: a test set of the `full` profile is hundreds of MB
    return x, y


def make_canvases(images: np.ndarray, labels: np.ndarray, count: int, *, min_len: int = 1, max_len: int = 5,
                  size: tuple[int, int] = (128, 256), scale: tuple[float, float] = (1.0, 2.5),
                  clutter: bool = False, seed: int | np.random.Generator = 0
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers at a random place and scale on a large canvas, with the box around them.

    Like the random layout of :func:`make_numbers`, on a ``size`` canvas
    (128x256 by default, the reference's) with the number scaled by a factor
    from ``scale`` (ink about 20-50 pixels high). ``clutter=True`` adds light
    noise and a few stray strokes that are not part of the number. Returns
    ``x`` float32 ``(count, height, width, 1)`` in [0, 1], ``y`` int32
    ``(count, max_len)`` (digits, then :data:`BLANK`) and ``boxes`` int
    ``(count, 4)``: ``(x, y, width, height)`` of the whole number's ink in
    pixels, which encloses exactly the digits drawn (never the clutter).
    Taught in ``12_localization``.
    """
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    height, width = size
    lengths = rng.integers(min_len, max_len + 1, count)
    picks = rng.integers(0, len(images), (count, max_len))
    canvas = np.zeros((count, height, width), dtype=np.uint8)
    y = np.full((count, max_len), BLANK, dtype=np.int32)
    boxes = np.zeros((count, 4), dtype=int)
    for i, (n, pick) in enumerate(zip(lengths, picks)):
        y[i, :n] = labels[pick[:n]]
        digit_boxes = place_number(canvas[i], list(images[pick[:n]]), rng, scale=scale, gap=(-1, 6), jitter=3)
        left, top = digit_boxes[:, :2].min(axis=0)
        right, bottom = (digit_boxes[:, :2] + digit_boxes[:, 2:]).max(axis=0)
        boxes[i] = (left, top, right - left, bottom - top)
    x = canvas.astype("float32")
    del canvas
    x /= 255  # in place: at full size the canvases are gigabytes, one float copy is enough
    if clutter:
        _add_clutter(x, rng)
    return x[..., None], y, boxes


def _add_clutter(x: np.ndarray, rng: np.random.Generator) -> None:
    """Light noise and one to three faint stray strokes per canvas (in place)."""
    from PIL import ImageDraw

    count, height, width = x.shape
    for i in range(count):
        layer = Image.new("L", (width, height))
        draw = ImageDraw.Draw(layer)
        for _ in range(rng.integers(1, 4)):
            x0, y0 = rng.integers(0, width), rng.integers(0, height)
            length, angle = rng.uniform(8, 30), rng.uniform(0, np.pi)
            end = (x0 + length * np.cos(angle), y0 + length * np.sin(angle))
            draw.line([(x0, y0), end], fill=int(rng.integers(60, 140)), width=int(rng.integers(1, 3)))
        strokes = np.asarray(layer, dtype="float32") / 255
        noise = np.abs(rng.normal(0, 0.08, (height, width))).astype("float32")
        np.maximum(x[i], np.maximum(strokes, noise), out=x[i])
    np.clip(x, 0, 1, out=x)


class SequenceBatches(keras.utils.PyDataset):
    """Training numbers generated on the fly, batch by batch, never stored.

    ``SequenceBatches(images, labels, batch_size, steps, seed=0, **options)``
    yields ``steps`` batches per epoch of ``(x, y)`` as ``maker`` (default
    :func:`make_numbers`, called with ``options``) returns them. Batch ``i``
    of epoch ``e`` depends only on ``(seed, e, i)``, so runs are reproducible
    even with several workers, and every epoch sees new numbers. ``target``
    (optional) maps ``y`` to what the model trains on (the CTC labels of
    notebook 11). Used by notebooks 10-12.
    """

    def __init__(self, images, labels, batch_size, steps, seed=0, target=None, maker=None, **options):
        super().__init__()
        self.images, self.labels = images, labels
        self.batch_size, self.steps, self.seed = batch_size, steps, seed
        self.target, self.options = target, options
        self.maker = maker or make_numbers
        self.epoch = 0

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        x, *labels = self.maker(self.images, self.labels, self.batch_size, seed=rng, **self.options)
        y = labels[0] if len(labels) == 1 else tuple(labels)
        return x, (self.target(y) if self.target else y)

    def on_epoch_end(self):
        self.epoch += 1


class ArrayBatches(keras.utils.PyDataset):
    """Fixed arrays served batch by batch, in order, as views: nothing is copied.

    ``ArrayBatches(x, y=None, batch_size=256)`` yields ``(x, y)`` slices (or
    ``x`` alone when ``y`` is None) for ``fit(validation_data=...)``,
    ``evaluate`` and ``predict``; ``y`` may be a dict of arrays, one per named
    output. Given a NumPy array, Keras first copies the whole of it into one
    tensor; at the `full` profile's sizes (30,000 test numbers, 10,000 test
    canvases of 128x256, 13,068 test photos of 256x128) that copy is hundreds
    of MB to gigabytes. Used by notebooks 10 and 12 to keep their peak memory
    under 4 GiB in every profile, and by notebook 14 for its whole photos.
    """

    def __init__(self, x, y=None, batch_size=256):
        super().__init__()
        targets = y.values() if isinstance(y, dict) else [] if y is None else [y]
        for target in targets:
            if len(target) != len(x):
                raise ValueError(f"x and y differ in length ({len(x)} and {len(target)}); pass matching arrays")
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.y is None:
            return self.x[rows]
        if isinstance(self.y, dict):
            return self.x[rows], {name: target[rows] for name, target in self.y.items()}
        return self.x[rows], self.y[rows]

