"""Small training conveniences shared by the lessons: parameter counts and timing."""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np


def count_trainable(model) -> int:
    """Number of trainable parameters (what the seed references count).

    ``model.count_params()`` also counts BatchNorm's moving statistics, which
    are not trained. Taught in ``02_dense_networks``; used by every model lesson.
    """
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


class Stopwatch:
    """Wall time of a ``with`` block, in ``.seconds`` (the ledger's ``seconds`` column)."""

    seconds: float = 0.0


@contextmanager
def stopwatch():
    """Time a block: ``with stopwatch() as watch: model.fit(...)``, then ``watch.seconds``.

    Taught in ``02_dense_networks``.
    """
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start
