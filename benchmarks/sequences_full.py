"""Notebook 10's `full` figures for every model of the lesson, without the last exercise.

    python benchmarks/sequences_full.py [--part all|fixed|variable] [--profile full]

Notebook 10 at `full` trains six networks on the reference's 165,000 numbers per epoch for 20
epochs; on a 2-core CPU that is more than three hours. Its `full` target (issue 4: fixed length
>= 0.97, every model ahead of the references) is about the five models of the lesson, not about
the solution of exercise 3 (a wider-window column cutter), so this script runs the notebook's code
cells as written up to that solution and stops there. The cells kept are untouched (each training
cell seeds itself), so they get the figures a whole run would get.

Three hours rarely fit one sitting, so ``--part`` splits the run in two:

- ``fixed``: the fixed-length half, up to the variable-length data (the five heads and the
  CNN + GRU: 130 minutes measured on the 2-core CPU);
- ``variable``: everything else, leaving out the CNN + GRU's training and the cells that need
  it (the two readers averaged, the results). The random layout's five-head model starts from the
  fixed-length five heads' trunk: the ``fixed`` part saves their weights (with the model cells'
  source) under ``runs/<profile>/partial/``, and ``variable`` loads them instead of training the
  five heads again when the saved source matches the notebook's; otherwise it trains them again
  (88 minutes measured with the saved five heads: the random layout's five heads 60, the two
  column cutters 12 and 15).

Both parts end with a cell printing every model's figures and the kernel's peak memory.

It prints one line per cell as it finishes (with the minutes so far, and what the cell printed),
then the results cells' output, and keeps the executed copy in
``runs/<profile>/partial/10_digit_sequences.ipynb``. The ledger and models go to a temporary
folder, so the course report never mixes this run with a whole one. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import nbformat  # noqa: E402

from helpers.machinery import paths, profiles  # noqa: E402
from notebook_copies import run_copy  # noqa: E402

NOTEBOOK = paths.NOTEBOOKS_DIR / "10_digit_sequences.ipynb"
# Markers of cells in the notebook; if the notebook is reworded, update them.
STOP_AT = "def wide_window_cutter("      # the first cell left out
VARIABLE_AT = "SLOTS = {"                  # the variable-length half starts here
GRU_TRAINING = "model_gru = cnn_gru("      # left out of the variable-length half
AVERAGING = "pred_both = ("                # left out too: it averages the five heads and the GRU
RESULTS = "ledger.record("                 # the results cell, which needs every model
SUMMARY = """\
for name, r in results.items():
    print(f"{name:30s} sequence {r['sequence accuracy']:.4f} | character {r['character accuracy']:.4f} | "
          f"{r['seconds'] / 60:.1f} min")
print(f"peak memory of the kernel {training.peak_memory_gib():.2f} GiB")
"""
HEADS_TRAINING = "model_heads = five_heads()"   # the fixed-length five heads' training cell
MODEL_CELLS = "def make_trunk("                 # the cell defining the models, saved beside the weights
TRAIN_LINE = "history_heads, seconds_heads = train("
PARTS = ("all", "fixed", "variable")


def saved_heads(profile: str) -> tuple[Path, Path]:
    """Where the ``fixed`` part keeps the five heads' weights, and their model source and minutes."""
    folder = paths.runs_dir() / profile / "partial"
    return folder / "10_five_heads_fixed.weights.h5", folder / "10_five_heads_fixed.json"


def _save_cell(weights: Path, meta: Path, source: str) -> str:
    return (f"import json, pathlib\npathlib.Path({str(weights.parent)!r}).mkdir(parents=True, exist_ok=True)\n"
            f"model_heads.save_weights({str(weights)!r})\n"
            f"open({str(meta)!r}, 'w').write(json.dumps({{'seconds': seconds_heads, 'source': {source!r}}}))\n"
            f"print('saved the five heads for the variable-length part:', {str(weights)!r})")


def _load_source(cell_source: str, weights: Path, seconds: float) -> str:
    """The five heads' training cell, with the training replaced by loading the saved weights."""
    lines = cell_source.splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith(TRAIN_LINE)), None)
    if at is None:
        raise SystemExit(f"{NOTEBOOK.name}'s five-head training cell has no line starting {TRAIN_LINE!r}: the "
                         "notebook was changed; update TRAIN_LINE at the top of this script")
    lines[at] = (f"model_heads.load_weights({str(weights)!r}); seconds_heads = {seconds!r}  "
                 "# saved by the fixed-length part")
    return "\n".join(lines)


def _find(cells, marker):
    index = next((i for i, cell in enumerate(cells) if marker in cell.source), None)
    if index is None:
        raise SystemExit(f"{NOTEBOOK.name} has no code cell containing {marker!r}: the notebook was changed; "
                         "update the markers at the top of this script")
    return index


def prepare(part: str = "all", profile: str = "full"):
    """The notebook's code cells for ``part`` (see the module docstring), outputs cleared."""
    if part not in PARTS:
        raise ValueError(f"{part!r} is not a part; use one of {', '.join(PARTS)}")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    cells = cells[:_find(cells, STOP_AT)]
    model_source = cells[_find(cells, MODEL_CELLS)].source
    weights, meta = saved_heads(profile)
    if part == "fixed":
        cells = cells[:_find(cells, VARIABLE_AT)]
        cells.append(nbformat.v4.new_code_cell(_save_cell(weights, meta, model_source)))
    elif part == "variable":
        left_out = {_find(cells, GRU_TRAINING), _find(cells, AVERAGING), _find(cells, RESULTS)}
        saved = json.loads(meta.read_text()) if meta.exists() and weights.exists() else None
        if saved and saved["source"] == model_source:
            heads = _find(cells, HEADS_TRAINING)
            cells[heads] = nbformat.v4.new_code_cell(_load_source(cells[heads].source, weights, saved["seconds"]))
            print(f"reusing the five heads saved by the fixed-length part ({weights})", flush=True)
        else:
            print("no saved five heads matching the notebook's model cell: training them again", flush=True)
        cells = [cell for i, cell in enumerate(cells) if i not in left_out]
    for cell in cells:
        cell.outputs = []
    if part != "all":
        cells.append(nbformat.v4.new_code_cell(SUMMARY))
    nb.cells = cells
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="all", choices=PARTS,
                        help="all (default), or one half: fixed or variable length (see above)")
    parser.add_argument("--profile", default="full", choices=profiles.PROFILES)
    args = parser.parse_args()
    nb = prepare(args.part, args.profile)
    print(f"{NOTEBOOK.name} at {args.profile}, part {args.part}, up to {STOP_AT!r}; this takes a while", flush=True)
    run_copy(nb, NOTEBOOK, args.profile)


if __name__ == "__main__":
    main()
