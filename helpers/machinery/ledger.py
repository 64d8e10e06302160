"""The results ledger: every notebook's final figures, one JSON file per profile.

A notebook records all its rows in one call to :func:`record`; running the
notebook again replaces its rows. Files live in the gitignored runs folder
(``runs/ledger-<profile>.json``) and are written atomically.
``python -m helpers report`` turns them into a table and a chart.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from . import paths, profiles
from ..files import locked, write_text_atomic

FIELDS = ("notebook", "model", "metric", "value", "reference", "profile", "dataset", "seconds")
# Measurements a platform may not offer (peak memory where the OS does not report it): a row of
# these whose value is nan is left out instead of refused.
OPTIONAL_METRICS = {"peak memory (GiB)"}


def ledger_path(profile: str | None = None) -> Path:
    """Path of the ledger file for ``profile`` (the active one by default)."""
    return paths.runs_dir() / f"ledger-{profile or profiles.name()}.json"


def load(profile: str | None = None) -> list[dict]:
    """All rows recorded under ``profile``, in course order (notebook, then recording order)."""
    path = ledger_path(profile)
    if not path.exists():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not a valid ledger ({err}); delete it and re-run the notebooks.") from err
    return rows


def record(notebook: str, rows: list[dict], dataset: str = "mnist", profile: str | None = None) -> list[dict]:
    """Record ``notebook``'s results, replacing any rows it recorded before.

    Each row is a dict with ``model``, ``metric`` and ``value`` and optionally
    ``reference`` (the seed reference figure) and ``seconds`` (training time).
    ``dataset`` and the profile are added to every row. Bad rows raise
    ``ValueError`` before anything is written. Returns the stored rows.
    Called by the Results cell of every notebook.
    """
    profile = profile or profiles.name()
    if profile not in profiles.PROFILES:
        raise ValueError(f"{profile!r} is not a run profile; use one of {', '.join(profiles.PROFILES)}.")
    clean = []
    for row in rows:
        missing = {"model", "metric", "value"} - set(row)
        unknown = set(row) - set(FIELDS)
        if missing or unknown:
            raise ValueError(f"ledger row {row!r}: missing {sorted(missing)}, unknown {sorted(unknown)}; "
                             f"allowed fields: {', '.join(FIELDS)}")
        value = float(row["value"])
        if math.isnan(value) and row["metric"] in OPTIONAL_METRICS:
            continue
        if not math.isfinite(value):
            raise ValueError(f"ledger row {row!r}: value must be a finite number")
        clean.append({"notebook": notebook, "model": str(row["model"]), "metric": str(row["metric"]),
                      "value": round(value, 6),
                      "reference": None if row.get("reference") is None else float(row["reference"]),
                      "profile": profile, "dataset": row.get("dataset", dataset),
                      "seconds": None if row.get("seconds") is None else round(float(row["seconds"]), 1)})
    with locked(ledger_path(profile)):  # notebooks running side by side (make test) record into one ledger
        kept = [r for r in load(profile) if r["notebook"] != notebook]
        merged = sorted(kept + clean, key=lambda r: r["notebook"])  # stable: keeps each notebook's order
        payload = {"profile": profile, "updated": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": merged}
        write_text_atomic(ledger_path(profile), json.dumps(payload, indent=1) + "\n")
    return clean
