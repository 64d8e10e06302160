"""Notebook 12's `full` figures for the principled network and the two stages, in under 3 hours.

    python benchmarks/localization_full.py [--profile full]

Notebook 12 at `full` trains four networks on 20 epochs of 165,000 canvases; on a 2-core CPU that
is more than five hours, against 160 minutes for this script. Its `full` targets (issue 5: mean
IoU >= 0.90, sequence accuracy >= 0.95) are about the
principled network and the two-stage pipeline. This script runs a copy of the notebook at the
profile's settings, except that the two baselines (the naive network and the reference's x1000
fix), which are there to show a failure and its first fix, train for a few steps only. Every other
cell runs as written, so the principled network, its evaluation, the reader and the two stages are
measured at the profile's full size (each training cell seeds itself, so they get the figures a
whole run would get). The baselines' rows are meaningless, and the cell that plots
the reading curves fails (their curves are one epoch long); both are expected.

It prints a line per cell as it finishes, then the evaluation cells' output and the minutes taken,
and keeps the executed copy in ``runs/<profile>/partial/12_localization.ipynb``. The ledger and
models go to a temporary folder, so the course report never mixes this run with a whole one. Not
part of the tests.
"""

from __future__ import annotations

import argparse

import nbformat  # noqa: E402

from helpers.machinery import paths, profiles  # noqa: E402
from notebook_copies import run_copy  # noqa: E402

NOTEBOOK = paths.NOTEBOOKS_DIR / "12_localization.ipynb"
SHORT = {"steps": 4, "epochs": 1}
# What marks the cells the script changes around; if the notebook is reworded, update these.
FIRST_BASELINE = 'runs["naive: summed, pixels"] ='
PRINCIPLED = "principled = localizer("


def _index(cells, marker: str) -> int:
    for i, cell in enumerate(cells):
        if marker in cell.source:
            return i
    raise SystemExit(f"{NOTEBOOK.name} has no code cell containing {marker!r}: the notebook was changed; "
                     "update FIRST_BASELINE / PRINCIPLED at the top of this script")


def prepare():
    """The notebook's code cells, with the baselines cut to ``SHORT`` and the profile restored after them."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in nb.cells:
        cell.outputs = []
    first, principled = _index(nb.cells, FIRST_BASELINE), _index(nb.cells, PRINCIPLED)
    if not first < principled:
        raise SystemExit(f"{NOTEBOOK.name}: the baselines no longer train before the principled network; "
                         "update this script")
    nb.cells.insert(principled, nbformat.v4.new_code_cell("cfg.update(_profile)  # the principled network onwards: as written"))
    nb.cells.insert(first, nbformat.v4.new_code_cell(f"_profile = dict(cfg)\ncfg.update({SHORT!r})  # baselines: a few steps"))
    return nb, principled + 2  # two cells inserted at or before it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=profiles.PROFILES)
    args = parser.parse_args()
    nb, principled = prepare()
    print(f"{NOTEBOOK.name} at {args.profile}, baselines cut to {SHORT}; this takes a while", flush=True)
    run_copy(nb, NOTEBOOK, args.profile, report_from=principled)


if __name__ == "__main__":
    main()
