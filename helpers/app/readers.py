"""The models behind the live app, ready for one picture at a time.

Three readers, each built from models that notebooks save into ``models/``
with their cards (:mod:`helpers.models`):

* ``house``: a house number in a camera frame or photo, with its box
  (notebook 14's locator and crop reader, the two-stage reader of
  :func:`helpers.photos.read_number`);
* ``digit``: one handwritten digit drawn with the mouse (notebook 07's
  convnet, trained on MNIST);
* ``sequence``: a handwritten number of several digits (notebook 11's CTC
  reader, trained on numbers made of MNIST digits).

A reader whose models are missing is still listed, with the notebook to run.
Taught in ``16_live_camera``; used by ``python -m helpers app``.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .. import models, photos

# Which models each reader needs, and what it is for (shown on the page).
NEEDS = {"house": ("svhn_locator", "svhn_number"), "digit": ("mnist_digit",), "sequence": ("mnist_sequence",)}
DATASET_NAMES = {"svhn-standin": "the offline stand-in (synthetic street numbers), not real SVHN",
                 "svhn1": "real SVHN photos", "svhn2": "real SVHN digits",
                 "mnist": "MNIST handwritten digits", "mnist sequences": "numbers made of MNIST digits"}


class Direct:
    """A model answering one picture at a time, with ``predict``'s interface.

    ``model.predict`` is made for datasets: on every call it wraps the input
    in a data pipeline and runs a loop over batches, which costs tens of
    milliseconds for a single picture. ``predict_on_batch`` runs the model's
    compiled prediction function on the one batch it is given, nothing more;
    the first call compiles it (the app warms up for that). Taught in
    ``16_live_camera``, which times ``predict``, a direct call and this.
    """

    def __init__(self, model):
        self.model = model

    def predict(self, x, verbose=0):  # noqa: ARG002 - the same signature as keras.Model.predict
        out = self.model.predict_on_batch(np.asarray(x))
        if isinstance(out, dict):
            return {name: np.asarray(value) for name, value in out.items()}
        if isinstance(out, (list, tuple)):
            return [np.asarray(value) for value in out]
        return np.asarray(out)


def decode_image(body: bytes) -> np.ndarray:
    """Request bytes as an RGB uint8 picture (any format PIL reads); :class:`helpers.photos.PhotoError` if not.

    Every picture ``python -m helpers app`` receives goes through it.
    """
    if not body:
        raise photos.PhotoError("empty request: send the image's bytes as the request body")
    return photos.load(io.BytesIO(body))


def ink_image(picture: np.ndarray) -> np.ndarray:
    """A drawing as grayscale ink in [0, 255] on black, whatever its colours (dark strokes on white are inverted).

    Shown in ``16_live_camera`` (the draw tab).
    """
    gray = picture.astype("float32").mean(axis=-1) if picture.ndim == 3 else picture.astype("float32")
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:  # a light background: dark ink, as on paper
        gray = 255 - gray
    gray -= np.median(border) if np.median(border) <= 127 else 0
    return np.clip(gray, 0, 255)


def _ink_box(gray: np.ndarray, threshold: float = 40) -> tuple[int, int, int, int] | None:
    rows, cols = np.flatnonzero((gray > threshold).any(axis=1)), np.flatnonzero((gray > threshold).any(axis=0))
    if len(rows) == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _resized(gray: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(gray.astype(np.uint8)).resize((max(1, width), max(1, height)),
                                                                       Image.LANCZOS), dtype="float32")


def mnist_digit(gray: np.ndarray) -> np.ndarray | None:
    """A drawn digit the way MNIST prepared its digits: ink fitted into 20x20, centred by mass in 28x28.

    ``gray`` is ink on black (:func:`ink_image`); returns a ``(28, 28)``
    float array in [0, 255], or None when nothing is drawn. Shown in ``16_live_camera``.
    """
    box = _ink_box(gray)
    if box is None:
        return None
    top, bottom, left, right = box
    ink = gray[top:bottom, left:right]
    scale = 20 / max(ink.shape)
    ink = _resized(ink, round(ink.shape[1] * scale), round(ink.shape[0] * scale))
    out = np.zeros((28, 28), dtype="float32")
    total = ink.sum()
    cy, cx = ((np.indices(ink.shape) * ink).reshape(2, -1).sum(axis=1) / total if total > 0
              else (ink.shape[0] / 2, ink.shape[1] / 2))
    y0 = int(np.clip(round(14 - cy), 0, 28 - ink.shape[0]))
    x0 = int(np.clip(round(14 - cx), 0, 28 - ink.shape[1]))
    out[y0:y0 + ink.shape[0], x0:x0 + ink.shape[1]] = ink
    return out


def mnist_number(gray: np.ndarray, height: int, width: int, ink_height: int = 20) -> np.ndarray | None:
    """A drawn number laid out like notebook 11's numbers: ink about ``ink_height`` pixels high, centred.

    Returns a ``(height, width)`` float array in [0, 255], or None when
    nothing is drawn. A number too wide for ``width`` is shrunk to fit. Used by ``python -m helpers app``.
    """
    box = _ink_box(gray)
    if box is None:
        return None
    top, bottom, left, right = box
    ink = gray[top:bottom, left:right]
    scale = min(ink_height / ink.shape[0], (width - 4) / ink.shape[1])
    ink = _resized(ink, round(ink.shape[1] * scale), round(ink.shape[0] * scale))
    out = np.zeros((height, width), dtype="float32")
    y0, x0 = (height - ink.shape[0]) // 2, (width - ink.shape[1]) // 2
    out[y0:y0 + ink.shape[0], x0:x0 + ink.shape[1]] = ink
    return out


def ctc_greedy(probabilities: np.ndarray, blank: int) -> tuple[str, float]:
    """Greedy CTC decoding of one ``(steps, classes)`` output: best class per step, repeats merged, blanks dropped.

    The classes are the ten digits and the blank: with ``blank=0`` (notebook
    11's convention) class ``k`` is digit ``k - 1``; with ``blank=10`` class
    ``k`` is digit ``k``. The confidence is the product of the chosen steps'
    probabilities (the probability of this exact path). Taught in
    ``11_ctc_sequences``; used by ``python -m helpers app``.
    """
    if blank not in (0, 10):
        raise ValueError(f"the blank class must be 0 or 10 (before or after the ten digits), got {blank}")
    offset = 1 if blank == 0 else 0
    best = probabilities.argmax(axis=-1)
    digits, previous = [], None
    for label in best:
        if label != previous and label != blank:
            digits.append(str(int(label) - offset))
        previous = label
    confidence = float(np.prod(probabilities.max(axis=-1)))
    return "".join(digits), confidence


@dataclass
class Reader:
    """One task of the app: its models (or why they are missing) and their cards. Shown in ``16_live_camera``."""

    name: str
    models: dict = field(default_factory=dict)
    cards: dict = field(default_factory=dict)
    missing: str | None = None

    @property
    def ready(self) -> bool:
        return self.missing is None

    def describe(self) -> dict:
        """What the page shows about this reader: ready or which notebook to run, and the data it learned from."""
        card = next(iter(self.cards.values()), {})
        dataset = card.get("dataset")
        return {"ready": self.ready, "message": self.missing,
                "notebook": card.get("notebook") or models.PRODUCERS.get(NEEDS[self.name][-1]),
                "profile": card.get("profile"), "dataset": dataset,
                "trained_on": DATASET_NAMES.get(dataset, dataset),
                "standin": bool(dataset and "standin" in dataset)}


class Readers:
    """The three readers, loaded once; :meth:`run` lets one inference through at a time.

    ``busy_wait`` is how long a request waits for the previous one before it
    is turned away (the caller answers 429): frames never pile up.
    Taught in ``16_live_camera``.
    """

    def __init__(self, busy_wait: float = 0.5, warm_up: bool = True):
        self.busy_wait = busy_wait
        self.lock = threading.Lock()
        self.readers = {name: self._load(name) for name in NEEDS}
        if warm_up:
            self.warm_up()

    @staticmethod
    def _load(name: str) -> Reader:
        reader = Reader(name)
        for model_name in NEEDS[name]:
            try:
                reader.models[model_name] = Direct(models.load(model_name))
                reader.cards[model_name] = models.card(model_name)
            except models.MissingModel as err:
                reader.missing = str(err)
                reader.models.clear()
                break
            except Exception as err:  # noqa: BLE001 - a damaged or incompatible file: say so, keep serving
                reader.missing = (f"model {model_name!r} could not be loaded ({type(err).__name__}: "
                                  f"{str(err).splitlines()[0][:120] if str(err) else ''}); re-run notebook "
                                  f"{models.PRODUCERS.get(model_name)} to save it again")
                reader.models.clear()
                break
        return reader

    def status(self) -> dict:
        return {name: reader.describe() for name, reader in self.readers.items()}

    def warm_up(self) -> None:
        """One call of every model on a blank input, so the first real frame is not slow (graphs, caches)."""
        blank = np.full((480, 640, 3), 128, dtype=np.uint8)
        if self.readers["house"].ready:
            self.house(blank)
        if self.readers["digit"].ready:
            self.digit(np.zeros((280, 280, 3), dtype=np.uint8))
        if self.readers["sequence"].ready:
            self.sequence(np.zeros((200, 600, 3), dtype=np.uint8))

    def run(self, name: str, picture: np.ndarray) -> dict | None:
        """Reader ``name`` on ``picture``, timed; None when another inference kept the lock past ``busy_wait``."""
        if not self.lock.acquire(timeout=self.busy_wait):
            return None
        try:
            start = time.perf_counter()
            result = getattr(self, name)(picture)
            result["server_ms"] = round((time.perf_counter() - start) * 1000, 1)
            return result
        finally:
            self.lock.release()

    # The three readers. Each returns a JSON-ready dict.
    def house(self, picture: np.ndarray) -> dict:
        reader = self.readers["house"]
        result = photos.read_number(picture, reader.models["svhn_locator"], reader.models["svhn_number"])
        return {"number": result["number"], "confidence": result["confidence"], "box": list(result["box"]),
                "width": int(picture.shape[1]), "height": int(picture.shape[0])}

    def digit(self, picture: np.ndarray) -> dict:
        card = self.readers["digit"].cards["mnist_digit"]
        digit = mnist_digit(ink_image(picture))
        if digit is None:
            return {"digit": None, "probabilities": [0.0] * 10, "empty": True}
        x = (digit - card["pixel_mean"]) / card["pixel_std"]
        probabilities = self.readers["digit"].models["mnist_digit"].predict(x[None, ..., None])[0]
        return {"digit": int(probabilities.argmax()), "confidence": float(probabilities.max()),
                "probabilities": [round(float(p), 4) for p in probabilities], "empty": False}

    def sequence(self, picture: np.ndarray) -> dict:
        card = self.readers["sequence"].cards["mnist_sequence"]
        gray = ink_image(picture)
        width = card["input_width"]
        if card.get("any_width") and _ink_box(gray) is not None:  # a long number gets a wider canvas, as in training
            top, bottom, left, right = _ink_box(gray)
            needed = (right - left) * 20 / max(bottom - top, 1) + 8
            width = max(width, int(np.ceil(needed / 56)) * 56)  # few distinct widths: each new one compiles once
        number = mnist_number(gray, card["input_height"], width)
        if number is None:
            return {"number": "", "confidence": 0.0, "empty": True}
        x = number / 255.0  # ink in [0, 1], as notebook 11's numbers
        probabilities = self.readers["sequence"].models["mnist_sequence"].predict(x[None, ..., None])[0]
        text, confidence = ctc_greedy(probabilities, card.get("blank_class", card.get("blank", 0)))
        return {"number": text, "confidence": confidence, "empty": False}
