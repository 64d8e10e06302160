"""Peak memory of notebooks at a profile's data sizes, measured in minutes instead of hours.

    python benchmarks/peak_memory.py [--profile full] [NOTEBOOK ...]     (default: 10 11 12)

Runs a copy of each notebook in a fresh kernel with the profile's settings, except that
training is cut to a few steps and one epoch (``SHORT`` below) and the accuracy floors are
switched off. What sets a notebook's peak is kept at the profile's size: the fixed validation
and test sets, the stand-in photos, the models and their batch sizes. Cells that fail because
the short training misses a lesson's own checks are counted and passed over.

It prints, per notebook, the kernel's peak resident memory (``getrusage``, as the notebooks'
Results cells report it), the cell in which it grew the most, and the seconds taken. The
ledger and any saved models go to a temporary folder: nothing in ``runs/``, ``models/`` or
``notebooks/`` changes. Issue 4's target: under 4 GiB in every profile. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nbformat  # noqa: E402

from helpers.machinery import paths, profiles, runner  # noqa: E402
from notebook_copies import execute_through  # noqa: E402

SHORT = {"epochs": 1, "epochs_dense": 1, "epochs_cnn": 1, "transfer_epochs": 1, "steps": 4, "reader_steps": 4}

# Run first in the kernel: shorten training, drop the floors, record the peak after every cell.
PATCH = """\
import resource
from helpers.machinery import profiles
_cfg = profiles.LESSONS[{lesson!r}][{profile!r}]
_cfg.update({{key: value for key, value in {short!r}.items() if key in _cfg}})
_cfg.update({{key: -1 for key in _cfg if key.startswith("floor")}})
_peaks = []
get_ipython().events.register(
    "post_run_cell", lambda _: _peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def measure(path: Path, profile: str) -> tuple[float, str, int, float]:
    """Run ``path`` shortened at ``profile``; return (peak GiB, the cell that grew most, failed cells, seconds)."""
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code:
        cell.outputs = []
    nb.cells = [nbformat.v4.new_code_cell(PATCH.format(lesson=path.stem, profile=profile, short=SHORT)),
                *code, nbformat.v4.new_code_cell("print(*_peaks)")]
    seconds = execute_through(nb, path.parent, profile)
    peaks = [int(value) for value in nb.cells[-1].outputs[0]["text"].split()]
    scale = 2**30 if sys.platform == "darwin" else 2**20  # ru_maxrss: bytes on macOS, KiB on Linux
    growth = [after - before for before, after in zip([0] + peaks, peaks)]
    grew = max(range(1, len(code) + 1), key=lambda i: growth[i])  # skip the patch cell itself
    first_line = next((line for line in nb.cells[grew].source.splitlines()
                       if line.strip() and not line.startswith("#")), "")
    failed = sum(any(out.get("output_type") == "error" for out in cell.outputs) for cell in nb.cells)
    return peaks[-1] / scale, f"code cell {grew}: {first_line[:60]}", failed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=["10", "11", "12"],
                        help="numbers or names, as for `python -m helpers run` (default: 10 11 12)")
    parser.add_argument("--profile", default="full", choices=profiles.PROFILES)
    args = parser.parse_args()
    try:
        notebooks = runner.resolve(args.notebooks)
    except ValueError as err:
        parser.error(str(err))
    with tempfile.TemporaryDirectory() as scratch:
        os.environ[paths.RUNS_DIR_VAR] = str(Path(scratch) / "runs")
        os.environ[paths.MODELS_DIR_VAR] = str(Path(scratch) / "models")
        paths.absolutize_env()
        print(f"profile {args.profile}, training cut to {SHORT}")
        for path in notebooks:
            peak, grew, failed, seconds = measure(path, args.profile)
            note = f" | {failed} cell(s) failed on short training" if failed else ""
            print(f"{path.stem:32s} peak {peak:5.2f} GiB | grew most in {grew} | {seconds:4.0f} s{note}")


if __name__ == "__main__":
    main()
