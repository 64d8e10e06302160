"""Where the course keeps things, and every environment variable that changes its behaviour.

| variable               | meaning                                                        | default      |
|------------------------|----------------------------------------------------------------|--------------|
| ``COURSE_PROFILE``     | run profile: ``smoke``, ``standard`` or ``full``                | ``standard`` |
| ``COURSE_DATA_DIR``    | downloaded datasets                                            | ``data/``    |
| ``COURSE_DATA_MIRROR`` | an offline mirror laid out like the data folder (``mnist/``)   | unset        |
| ``COURSE_DATA_URL``    | a server (or ``file://`` folder) laid out the same way, tried  | unset        |
|                        | before the official download sources (a workshop's own copy)   |              |
| ``COURSE_OFFLINE``     | ``1``/``true``/``yes`` forbid downloads; ``0``/``false``/``no``  | off          |
|                        | allow them                                                     |              |
| ``COURSE_RUNS_DIR``    | ledger, executed notebooks, reports                            | ``runs/``    |
| ``COURSE_MODELS_DIR``  | trained models saved by notebooks 07, 11, 13 and 14            | ``models/``  |
| ``COURSE_PHOTOS_DIR``  | the learner's photos (notebook 15, ``predict``)                | ``photos/``  |
| ``COURSE_SVHN``        | ``auto``, ``svhn`` or ``standin``: what Part IV reads           | ``auto``     |

For the tests only (read where they are used, not here): ``COURSE_TEST_WORKERS`` (how many
pytest workers ``-n auto`` starts; ``conftest.py``), ``COURSE_REQUIRE_BROWSER=1`` (a missing
Chromium fails the browser test instead of skipping it) and ``COURSE_APP_MODELS=saved`` (the
browser test uses the models in ``models/``; ``tests/test_app_browser.py``).

Path variables may be relative (to the folder the command starts in) and may
start with ``~``; they are made absolute before a notebook kernel starts.
A value that cannot mean anything stops with :class:`SettingError`, which
names the variable, the value and the accepted ones.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # helpers/machinery/paths.py -> the project root
NOTEBOOKS_DIR = ROOT / "notebooks"

MIN_PYTHON = (3, 11)  # as pyproject.toml's requires-python: numpy 2.4 and scipy 1.17 need it

PROFILE_VAR = "COURSE_PROFILE"
DATA_DIR_VAR = "COURSE_DATA_DIR"
MIRROR_VAR = "COURSE_DATA_MIRROR"
DATA_URL_VAR = "COURSE_DATA_URL"
OFFLINE_VAR = "COURSE_OFFLINE"
RUNS_DIR_VAR = "COURSE_RUNS_DIR"
MODELS_DIR_VAR = "COURSE_MODELS_DIR"
PHOTOS_DIR_VAR = "COURSE_PHOTOS_DIR"
SVHN_VAR = "COURSE_SVHN"

# Every variable that holds a folder: made absolute by :func:`absolutize_env`.
PATH_VARS = (DATA_DIR_VAR, MIRROR_VAR, RUNS_DIR_VAR, MODELS_DIR_VAR, PHOTOS_DIR_VAR)
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


class SettingError(ValueError):
    """An environment variable of the course holds a value it cannot use; the message says which."""


def _env_path(var: str, default: Path | None) -> Path | None:
    value = os.environ.get(var, "").strip()
    return Path(value).expanduser().resolve() if value else default


def flag(var: str) -> bool:
    """A yes/no variable: ``1 true yes on`` mean yes, ``0 false no off`` (or unset) mean no.

    Anything else raises :class:`SettingError` listing the accepted words, so
    that ``COURSE_OFFLINE=of`` never silently means online.
    """
    value = os.environ.get(var, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise SettingError(f"{var}={os.environ[var]!r} is not a yes/no value; use 1, true or yes to turn it on, "
                       f"0, false or no (or leave it unset) to turn it off.")


def data_dir() -> Path:
    """The folder datasets are downloaded to (``COURSE_DATA_DIR``, else ``data/``).

    Used by every notebook through :func:`helpers.data.load_mnist`.
    """
    return _env_path(DATA_DIR_VAR, ROOT / "data")


def mirror_dir() -> Path | None:
    """The offline mirror named by ``COURSE_DATA_MIRROR``, or ``None`` when unset.

    Used by :mod:`helpers.data` and :mod:`helpers.svhn`; see the README section "Working offline".
    """
    return _env_path(MIRROR_VAR, None)


def data_url() -> str | None:
    """``COURSE_DATA_URL`` as a base URL ending in ``/`` (a folder path becomes ``file://``), or ``None``."""
    value = os.environ.get(DATA_URL_VAR, "").strip()
    if not value:
        return None
    if "://" not in value:  # a plain folder
        value = Path(value).expanduser().resolve().as_uri()
    return value.rstrip("/") + "/"


def offline() -> bool:
    """True when ``COURSE_OFFLINE`` forbids downloads (the test suite sets it)."""
    return flag(OFFLINE_VAR)


def runs_dir() -> Path:
    """The gitignored folder for the ledger, executed notebooks and reports."""
    return _env_path(RUNS_DIR_VAR, ROOT / "runs")


def models_dir() -> Path:
    """The gitignored folder trained models are saved to (``COURSE_MODELS_DIR``, else ``models/``).

    Written by notebooks 07, 11, 13 and 14; read by notebooks 15-16, ``python -m helpers predict`` and
    ``python -m helpers app``.
    """
    return _env_path(MODELS_DIR_VAR, ROOT / "models")


def photos_dir() -> Path:
    """The learner's photos (``COURSE_PHOTOS_DIR``, else ``photos/``): notebook 15 and ``predict``."""
    return _env_path(PHOTOS_DIR_VAR, ROOT / "photos")


def absolutize_env() -> None:
    """Turn relative paths in the course's path variables into absolute ones.

    Kernels run with ``notebooks/`` as working directory, so a relative
    ``COURSE_DATA_MIRROR=../shared/datasets`` given from the project root must
    be fixed before a kernel starts. Called by the runner and the command line.
    """
    for var in PATH_VARS:
        value = os.environ.get(var, "").strip()
        if value:
            os.environ[var] = str(Path(value).expanduser().resolve())
    if os.environ.get(DATA_URL_VAR, "").strip():
        os.environ[DATA_URL_VAR] = data_url()
