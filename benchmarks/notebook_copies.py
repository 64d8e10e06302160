"""Running altered copies of lessons, for the benchmarks only (never for the course itself).

The course's runner (:mod:`helpers.machinery.runner`) executes whole notebooks and stops at the
first failing cell. The benchmarks need something else: run a copy of a lesson that they have
cut or patched, keep going past a failing cell, report each cell as it finishes, and keep the
copy's ledger and models out of the course's own folders.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.files import atomic_path
from helpers.machinery import paths, profiles, runner


def execute_through(nb, folder: Path, profile: str, on_cell_executed=None) -> float:
    """Execute the in-memory notebook ``nb`` in ``profile`` from ``folder``, past any failing cell.

    Failing cells keep their traceback in their outputs and the next cell runs; native stderr is
    dropped. ``on_cell_executed``, if given, is called as ``on_cell_executed(cell=..., cell_index=...,
    execute_reply=...)`` after each cell (nbclient's hook: a long run can report its progress).
    Returns the seconds taken. Used by ``peak_memory.py`` and :func:`run_copy`.
    """
    os.environ[profiles.PROFILE_VAR] = profile
    paths.absolutize_env()
    runner.leave_figures_to_the_kernel()
    client = NotebookClient(nb, timeout=None, kernel_name="python3", allow_errors=True,
                            extra_arguments=runner.KERNEL_ARGUMENTS, resources={"metadata": {"path": str(folder)}},
                            on_cell_executed=on_cell_executed)
    start = time.perf_counter()
    with open(os.devnull, "wb") as stderr:
        client.execute(stderr=stderr)
    return time.perf_counter() - start


def run_copy(nb, notebook: Path, profile: str, report_from: int = 0) -> float:
    """Execute ``nb``, an altered copy of ``notebook``, in ``profile``, and report what it printed.

    The copy runs from the notebooks folder with its ledger and models in a temporary folder, so
    the course report never mixes it with a whole run. One line per cell is printed as it finishes
    (minutes so far and the cell's first line, then, from cell ``report_from`` on, what it printed
    apart from the Keras progress lines); at the end, that text again for all those cells together
    and any failing cell. The executed copy is kept
    in ``runs/<profile>/partial/<notebook name>``. Returns the seconds taken. Used by
    ``localization_full.py`` and ``sequences_full.py`` (notebooks 10 and 12 at `full`).
    """
    keep = paths.runs_dir() / profile / "partial" / notebook.name
    start = time.perf_counter()

    def printed(cell):
        """The text a cell printed, without the Keras progress lines."""
        for out in cell.outputs:
            text = out.get("text", "")
            if text and "/step" not in text and not text.startswith("Epoch"):
                yield text

    def progress(cell, cell_index, execute_reply):
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        print(f"{(time.perf_counter() - start) / 60:6.1f} min  cell {cell_index + 1}/{len(nb.cells)}: {first[:60]}",
              flush=True)
        if cell_index >= report_from:  # figures as they come, in case the run is cut short
            for text in printed(cell):
                print("    " + text.rstrip("\n").replace("\n", "\n    "), flush=True)

    saved = {var: os.environ.get(var) for var in (paths.RUNS_DIR_VAR, paths.MODELS_DIR_VAR)}
    with tempfile.TemporaryDirectory() as scratch:
        os.environ[paths.RUNS_DIR_VAR] = str(Path(scratch) / "runs")
        os.environ[paths.MODELS_DIR_VAR] = str(Path(scratch) / "models")
        try:
            seconds = execute_through(nb, notebook.parent, profile, on_cell_executed=progress)
        finally:
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value
    with atomic_path(keep) as tmp:
        nbformat.write(nb, tmp)
    for index, cell in enumerate(nb.cells[report_from:], start=report_from):
        for out in cell.outputs:
            if out.get("output_type") == "error":
                print(f"cell {index + 1} failed: {out['ename']}: {out['evalue']}")
        for text in printed(cell):
            print(text, end="")
    print(f"{seconds / 60:.1f} minutes; the executed copy is in {keep}")
    return seconds
