"""Notebook 10's `full` figures for every model of the lesson, without the last exercise.

    python benchmarks/sequences_full.py [--profile full]

Notebook 10 at `full` trains six networks on the reference's 165,000 numbers per epoch for 20
epochs; on a 2-core CPU that is close to three hours. Its `full` target (issue 4: fixed length
>= 0.97, every model ahead of the references) is about the five models of the lesson, not about
the solution of exercise 3 (a wider-window column cutter), so this script runs the notebook's code
cells as written up to that solution and stops there. The cells before it are untouched (each
training cell seeds itself), so they get the figures a whole run would get.

It prints one line per cell as it finishes (with the minutes so far), then the results cells'
output, and keeps the executed copy in ``runs/<profile>/partial/10_digit_sequences.ipynb``. The
ledger and models go to a temporary folder, so the course report never mixes this run with a
whole one. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402

from helpers import paths, profiles, runner  # noqa: E402

NOTEBOOK = paths.NOTEBOOKS_DIR / "10_digit_sequences.ipynb"
# The first cell left out; if the notebook is reworded, update it.
STOP_AT = "def wide_window_cutter("


def prepare():
    """The notebook's code cells before the one containing ``STOP_AT``, outputs cleared."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    stop = next((i for i, cell in enumerate(cells) if STOP_AT in cell.source), None)
    if stop is None:
        raise SystemExit(f"{NOTEBOOK.name} has no code cell containing {STOP_AT!r}: the notebook was changed; "
                         "update STOP_AT at the top of this script")
    nb.cells = cells[:stop]
    for cell in nb.cells:
        cell.outputs = []
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=profiles.PROFILES)
    args = parser.parse_args()
    nb = prepare()
    print(f"{NOTEBOOK.name} at {args.profile}, up to {STOP_AT!r}; this takes a while", flush=True)
    runner.run_copy(nb, NOTEBOOK, args.profile)


if __name__ == "__main__":
    main()
