"""The Setup cell every notebook opens with: versions, seed, plot defaults, banner."""

from __future__ import annotations

import logging
import sys

from . import data
from .machinery import paths, profiles

SEED = 42
MIN_PYTHON = paths.MIN_PYTHON


def setup(lesson: str, dataset: str | None = "mnist", seed: int = SEED) -> profiles.Profile:
    """Prepare a notebook and print its one-line banner; return the lesson's profile settings.

    Checks versions (Python 3.11+, Keras 3), seeds Python, NumPy and the
    backend with ``seed`` (``keras.utils.set_random_seed``), sets quiet and
    readable plot defaults, and prints
    ``profile | Keras backend | precision | dataset source``. Called by every notebook's
    Setup cell.
    The Setup cell of every notebook, ``00_mnist_data`` to ``15_your_own_photos``.
    """
    if sys.version_info < MIN_PYTHON:
        raise RuntimeError(f"The course needs Python {'.'.join(map(str, MIN_PYTHON))} or newer (its pinned "
                           f"NumPy and SciPy do); this is {sys.version.split()[0]}.")
    cfg = profiles.get(lesson)

    import keras
    import matplotlib as mpl

    if int(keras.__version__.split(".")[0]) < 3:
        raise RuntimeError(f"The course needs Keras 3; found {keras.__version__}. "
                           "Run `pip install -r requirements.txt`.")
    keras.utils.set_random_seed(seed)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # e.g. retracing notices when models are compared
    mpl.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False,
                         "image.cmap": "gray_r", "font.size": 11})

    # The precision the layers compute in: float32 in every profile (mixed_bfloat16 was no faster and less
    # accurate on the course's CPUs: docs/performance.md); a learner who sets a mixed policy sees it here.
    parts = [f"profile: {cfg.profile}", f"backend: {keras.backend.backend()} (Keras {keras.__version__})",
             f"precision: {keras.config.dtype_policy().name}"]
    if dataset and dataset.startswith("svhn"):  # "svhn1" or "svhn2": the official format used
        from . import svhn

        parts.append(svhn.banner(int(dataset[-1])))
    elif dataset:
        where = data.source_of(dataset)
        parts.append(f"data: {dataset} " + ("(fetched on first use)" if "missing" in where else f"from {where}"))
    parts.append(f"seed: {seed}")
    print(f"[{lesson}] " + " | ".join(parts))
    return cfg

