"""Small training conveniences shared by the lessons: parameter counts, timing, memory."""

from __future__ import annotations

import resource
import sys
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


def peak_memory_gib() -> float:
    """Peak resident memory of this process (the notebook's kernel) so far, in GiB.

    Read from ``getrusage`` (the kernel counts every page the process ever
    held, TensorFlow's included). Printed by the Results cells of the
    lessons that generate data on the fly, from ``10_digit_sequences`` on.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**30 if sys.platform == "darwin" else peak / 2**20  # bytes on macOS, KiB on Linux
