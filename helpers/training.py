"""Small training conveniences shared by the lessons: parameter counts, timing, memory."""

from __future__ import annotations

import math
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
    """Wall time of a ``with`` block, in ``.seconds`` (the ledger's ``seconds`` column).

    Taught in ``02_dense_networks``.
    """

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


def _windows_peak_bytes() -> int:
    """The process's peak working set on Windows (``GetProcessMemoryInfo``), in bytes."""
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):  # PROCESS_MEMORY_COUNTERS
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                    ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                    ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                    ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

    counters = Counters()
    counters.cb = ctypes.sizeof(Counters)
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.POINTER(Counters), wintypes.DWORD]
    kernel32.K32GetProcessMemoryInfo.restype = wintypes.BOOL
    if not kernel32.K32GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb):
        raise OSError(ctypes.get_last_error(), "GetProcessMemoryInfo failed")
    return counters.PeakWorkingSetSize


def peak_memory_gib() -> float:
    """Peak resident memory of this process (the notebook's kernel) so far, in GiB.

    Read from ``getrusage`` on Linux and macOS (the kernel counts every page
    the process ever held, TensorFlow's included) and from the peak working
    set on Windows. Where neither can be read it returns ``nan`` (printed as
    "nan" and left out of the ledger). Printed by the Results cells of the
    lessons that generate data on the fly, from ``10_digit_sequences`` on.
    """
    try:
        import resource
    except ImportError:  # Windows has no resource module
        import ctypes

        try:
            return _windows_peak_bytes() / 2**30
        except (OSError, AttributeError, ValueError, ctypes.ArgumentError):  # ArgumentError is no OSError
            return math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**30 if sys.platform == "darwin" else peak / 2**20  # bytes on macOS, KiB on Linux
