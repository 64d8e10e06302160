"""Where the course keeps things, and the environment variables that move them.

| variable              | meaning                                             | default        |
|-----------------------|-----------------------------------------------------|----------------|
| ``COURSE_DATA_DIR``   | downloaded datasets                                 | ``data/``      |
| ``COURSE_DATA_MIRROR``| an offline mirror laid out like ``shared/datasets`` | unset          |
| ``COURSE_OFFLINE``    | ``1`` forbids downloads (tests, workshops)          | unset          |
| ``COURSE_RUNS_DIR``   | ledger, executed notebooks, reports                 | ``runs/``      |
| ``COURSE_MODELS_DIR`` | trained models saved by notebooks 13-14             | ``models/``    |
| ``COURSE_PROFILE``    | ``smoke``, ``standard`` or ``full``                 | ``standard``   |
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"

DATA_DIR_VAR = "COURSE_DATA_DIR"
MIRROR_VAR = "COURSE_DATA_MIRROR"
OFFLINE_VAR = "COURSE_OFFLINE"
RUNS_DIR_VAR = "COURSE_RUNS_DIR"
MODELS_DIR_VAR = "COURSE_MODELS_DIR"


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var, "").strip()
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """The folder datasets are downloaded to (``COURSE_DATA_DIR``, else ``data/``).

    Used by every notebook through :func:`helpers.data.load_mnist`.
    """
    return _env_path(DATA_DIR_VAR, ROOT / "data")


def mirror_dir() -> Path | None:
    """The offline mirror named by ``COURSE_DATA_MIRROR``, or ``None`` when unset.

    Used by :mod:`helpers.data`; see the README section "Working offline".
    """
    value = os.environ.get(MIRROR_VAR, "").strip()
    return Path(value).expanduser().resolve() if value else None


def offline() -> bool:
    """True when ``COURSE_OFFLINE`` forbids downloads (the test suite sets it)."""
    return os.environ.get(OFFLINE_VAR, "").strip().lower() in {"1", "true", "yes"}


def runs_dir() -> Path:
    """The gitignored folder for the ledger, executed notebooks and reports."""
    return _env_path(RUNS_DIR_VAR, ROOT / "runs")


def models_dir() -> Path:
    """The gitignored folder trained models are saved to (``COURSE_MODELS_DIR``, else ``models/``).

    Written by notebooks 13-14, read by notebook 15 and ``python -m helpers predict``.
    """
    return _env_path(MODELS_DIR_VAR, ROOT / "models")


def absolutize_env() -> None:
    """Turn relative paths in the course's path variables into absolute ones.

    Kernels run with ``notebooks/`` as working directory, so a relative
    ``COURSE_DATA_MIRROR=../shared/datasets`` given from the project root must
    be fixed before a kernel starts. Called by the runner.
    """
    for var in (DATA_DIR_VAR, MIRROR_VAR, RUNS_DIR_VAR, MODELS_DIR_VAR):
        value = os.environ.get(var, "").strip()
        if value:
            os.environ[var] = str(Path(value).expanduser().resolve())
