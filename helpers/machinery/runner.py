"""``python -m helpers run``: execute notebooks in course order, with timings.

Executed copies go to ``runs/<profile>/notebooks/``; the sources are only
rewritten with ``--in-place`` (how the committed ``standard`` outputs are
refreshed). A notebook whose cell sources and profile are unchanged since
its last successful run is skipped unless ``--force``. A failing cell stops
the run with the notebook and cell named, and a non-zero exit.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from tqdm.auto import tqdm

from . import paths, profiles
from ..files import atomic_path, write_text_atomic

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


# A quiet kernel whose native stderr (TensorFlow's C++ notices) reaches the file given to execute().
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--IPKernelApp.capture_fd_output=False"]


class RunError(RuntimeError):
    """A notebook failed; the message names the notebook, the cell and the error."""


@dataclass
class Outcome:
    """What happened to one notebook in a run."""

    notebook: str
    status: str  # "ran", "skipped"
    seconds: float
    stderr: bool = False


def course_notebooks() -> list[Path]:
    """Every ``NN_topic.ipynb`` in ``notebooks/``, in course order."""
    return sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def resolve(names: list[str]) -> list[Path]:
    """Turn ``01``, ``01_linear_model`` or a path into notebook paths, in course order.

    An unknown name raises ``ValueError`` listing the notebooks there are.
    """
    if not names:
        return course_notebooks()
    found = set()
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        hits = [p for p in course_notebooks() if p.stem == stem or p.stem.split("_")[0] == stem]
        if not hits:
            known = ", ".join(p.stem for p in course_notebooks())
            raise ValueError(f"no notebook called {name!r}; the course has: {known}")
        found.update(hits)
    return sorted(found)


def source_hash(nb) -> str:
    """Hash of a notebook's cell types and sources (outputs and metadata do not count)."""
    cells = [[c["cell_type"], c["source"]] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()[:16]


def clean_metadata(nb) -> None:
    """Strip run-specific metadata so committed notebooks stay clean and diffable."""
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for cell in nb.cells:
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.metadata.pop(key, None)


def _state_path(profile: str) -> Path:
    return paths.runs_dir() / profile / "state.json"


def _load_state(profile: str) -> dict:
    path = _state_path(profile)
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except json.JSONDecodeError:
        return {}  # a damaged state file only costs a re-run


def _first_line(cell) -> str:
    return next((line for line in cell.source.splitlines() if line.strip()), "")[:70]


def _failed_cell(nb) -> tuple[int, str]:
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return index, f"{out.get('ename')}: {out.get('evalue')} (cell starts: {_first_line(cell)!r})"
    return -1, "unknown cell"


def _death_cause(returncode: int | None) -> str:
    """Why a kernel process most likely ended, from its exit status."""
    import signal

    if returncode is None:
        return "the kernel process ended without an exit status"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGKILL":
            return ("it was killed (SIGKILL), most likely by the system's out-of-memory killer: the machine ran "
                    "out of memory. Close other programs, or run a smaller profile (COURSE_PROFILE=smoke)")
        if name == "SIGSEGV":
            return ("it crashed (SIGSEGV, a segmentation fault inside a native library such as TensorFlow); "
                    "run the notebook again, and if it repeats, reinstall the pinned packages (`make setup`)")
        return f"it was stopped by {name}"
    windows = {0xC0000005: " (an access violation inside a native library, Windows' segmentation fault)",
               0xC0000017: " (out of memory on Windows: close other programs, or run COURSE_PROFILE=smoke)"}
    return f"it exited with status {returncode}" + windows.get(returncode % 2**32, "")


def native_log(path: Path, profile: str) -> Path:
    """Where the runner keeps a notebook's native (C/C++ library) stderr: ``runs/<profile>/logs/NN_topic.log``."""
    return paths.runs_dir() / profile / "logs" / f"{path.stem}.log"


def leave_figures_to_the_kernel() -> None:
    """Leave matplotlib's backend to the kernel, which draws figures into the notebook.

    ``MPLBACKEND=Agg`` (usual in CI and in scripts) would otherwise reach the kernel through the
    environment and leave every figure out of the executed notebook, without any error.
    """
    if "inline" not in os.environ.get("MPLBACKEND", "inline"):
        del os.environ["MPLBACKEND"]


def execute(path: Path, profile: str, timeout: int | None = ...) -> tuple[object, float]:
    """Execute one notebook in ``profile`` with the notebooks folder as working directory.

    ``timeout`` is the longest a cell may run, in seconds (``None``: no limit; default
    ``profiles.CELL_TIMEOUT[profile]``). Returns ``(executed_notebook, seconds)``; raises
    :class:`RunError` naming the failing cell, or the cell that ran out of time.
    """
    if timeout is ...:
        timeout = profiles.CELL_TIMEOUT[profile]
    nb = nbformat.read(path, as_version=4)
    os.environ[profiles.PROFILE_VAR] = profile
    paths.absolutize_env()
    paths.offline()  # a bad COURSE_OFFLINE stops here, before a kernel starts
    leave_figures_to_the_kernel()
    # What native libraries write straight to the kernel's stderr (TensorFlow's C++ start-up
    # notices, such as the oneDNN one that TF_CPP_MIN_LOG_LEVEL cannot silence) goes to a log
    # file instead of into the notebook; Python-level warnings still show in the cell.
    log = native_log(path, profile)
    log.parent.mkdir(parents=True, exist_ok=True)
    # The runner's own bookkeeping: which cell is running, and the kernel's process (its exit
    # status tells how it died). Outputs that would say so may never arrive from a dead kernel.
    current: dict = {"index": -1, "process": None}

    def cell_started(cell, cell_index, **_):
        current["index"] = cell_index
        provisioner = getattr(client.km, "provisioner", None)
        current["process"] = getattr(provisioner, "process", None) or current["process"]

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            extra_arguments=KERNEL_ARGUMENTS, on_cell_start=cell_started,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        with open(log, "wb") as stderr:
            client.execute(stderr=stderr)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        index, what = _failed_cell(nb)
        running = current["index"]
        first = _first_line(nb.cells[running]) if running >= 0 else ""
        if isinstance(err, CellTimeoutError):
            index = running
            what = (f"the cell starting {first!r} ran longer than the {profile} profile's limit of {timeout} s "
                    f"and was stopped; allow more with `python -m helpers run --cell-timeout SECONDS` (0: no limit)")
        elif isinstance(err, DeadKernelError):
            index = running
            process = current["process"]
            code = process.poll() if process is not None else None
            what = f"the kernel died while running the cell starting {first!r}: {_death_cause(code)}"
        failed = paths.runs_dir() / profile / "failed" / path.name
        with atomic_path(failed) as tmp:
            nbformat.write(nb, tmp)
        native = f"; native libraries' stderr is in {log}" if log.exists() and log.stat().st_size else ""
        raise RunError(f"{path.name} failed in cell {index} ({profile} profile): {what}\n"
                       f"The executed copy, with its outputs up to the failure, is in {failed}{native}") from err
    return nb, time.perf_counter() - start


def run(notebooks: list[Path], profile: str, force: bool = False, in_place: bool = False,
        cell_timeout: int | None = ...) -> list[Outcome]:
    """Run ``notebooks`` in order, skipping unchanged ones unless ``force``; return the outcomes.

    ``cell_timeout``: seconds a cell may run (``None``: no limit; default per profile,
    ``profiles.CELL_TIMEOUT``). Used by ``python -m helpers run`` and ``make course``.
    """
    if profile not in profiles.PROFILES:
        raise ValueError(f"{profile!r} is not a run profile; use one of {', '.join(profiles.PROFILES)}.")
    out_dir = paths.runs_dir() / profile / "notebooks"
    state = _load_state(profile)
    outcomes = []
    bar = tqdm(notebooks, desc=f"{profile} profile", unit="notebook")
    for path in bar:
        bar.set_postfix_str(path.stem)
        nb = nbformat.read(path, as_version=4)
        digest = source_hash(nb)
        previous = state.get(path.name, {})
        if not force and previous.get("hash") == digest and (out_dir / path.name).exists():
            outcomes.append(Outcome(path.stem, "skipped", previous.get("seconds", 0.0)))
            continue
        executed, seconds = execute(path, profile, cell_timeout)
        clean_metadata(executed)
        stderr = any(o.get("name") == "stderr" for c in executed.cells for o in c.get("outputs", []))
        with atomic_path(out_dir / path.name) as tmp:
            nbformat.write(executed, tmp)
        if in_place:
            with atomic_path(path) as tmp:
                nbformat.write(executed, tmp)
        state[path.name] = {"hash": digest, "seconds": round(seconds, 1),
                            "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
        write_text_atomic(_state_path(profile), json.dumps(state, indent=1) + "\n")
        outcomes.append(Outcome(path.stem, "ran", seconds, stderr))
    return outcomes


def timing_report(outcomes: list[Outcome], profile: str) -> str:
    """A markdown table of per-notebook wall time; also saved as ``runs/<profile>/timings.md``."""
    lines = [f"| notebook ({profile}) | status | minutes |", "|---|---|---:|"]
    for o in outcomes:
        note = " (wrote to stderr)" if o.stderr else ""
        lines.append(f"| {o.notebook} | {o.status}{note} | {o.seconds / 60:.1f} |")
    ran = sum(o.seconds for o in outcomes if o.status == "ran")
    lines.append(f"| total executed now | | {ran / 60:.1f} |")
    text = "\n".join(lines) + "\n"
    write_text_atomic(paths.runs_dir() / profile / "timings.md", text)
    return text
