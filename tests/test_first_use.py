"""A learner's first step: install, open notebook 00, run it, with no `make data` before.

Runs the real notebook 00 in the smoke profile with an empty data folder. The MNIST files
come from the offline mirror served as a ``file://`` download source (``COURSE_DATA_URL``),
so the notebook's own first use fetches and verifies them; offline, it stops with the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from helpers import data
from helpers.machinery import paths, runner

NOTEBOOK = paths.NOTEBOOKS_DIR / "00_mnist_data.ipynb"


def mirror() -> Path:
    candidates = [os.environ.get(paths.MIRROR_VAR, ""), str(paths.ROOT.parent / "shared" / "datasets")]
    for candidate in filter(None, candidates):
        folder = Path(candidate).expanduser().resolve()
        if all((folder / "mnist" / f.name).exists() for f in data.MNIST_FILES.values()):
            return folder
    pytest.skip("needs the MNIST files in an offline mirror (COURSE_DATA_MIRROR)")


@pytest.fixture
def first_use(tmp_path, monkeypatch):
    """An empty data folder, no mirror: the only way to the files is a download."""
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(tmp_path / "data"))
    monkeypatch.setenv(paths.RUNS_DIR_VAR, str(tmp_path / "runs"))
    source = mirror()
    monkeypatch.delenv(paths.MIRROR_VAR, raising=False)
    return tmp_path, source


def test_notebook_00_fetches_what_it_needs_on_first_use(first_use, monkeypatch):
    tmp_path, source = first_use
    monkeypatch.setenv(paths.OFFLINE_VAR, "0")
    monkeypatch.setenv(paths.DATA_URL_VAR, source.as_uri())
    executed, _ = runner.execute(NOTEBOOK, "smoke")
    text = "".join(out.get("text", "") for cell in executed.cells for out in cell.get("outputs", []))
    assert "data: mnist (fetched on first use)" in text
    assert "train-images-idx3-ubyte.gz (downloaded)" in text
    for file in data.MNIST_FILES.values():
        fetched = tmp_path / "data" / "mnist" / file.name
        assert fetched.read_bytes() == (source / "mnist" / file.name).read_bytes(), "verified copies"
    assert not list((tmp_path / "data").rglob("*.part")), "no temporary file left behind"


def test_notebook_00_offline_without_data_stops_with_the_fix(first_use, monkeypatch):
    tmp_path, _ = first_use
    monkeypatch.setenv(paths.OFFLINE_VAR, "1")
    with pytest.raises(runner.RunError) as err:
        runner.execute(NOTEBOOK, "smoke")
    message = str(err.value)
    assert "failed in cell" in message and "DataError" in message and "downloads are off" in message
    assert paths.MIRROR_VAR in message
    failed = nbformat.read(tmp_path / "runs" / "smoke" / "failed" / NOTEBOOK.name, as_version=4)
    assert any(out.get("output_type") == "error" for cell in failed.cells for out in cell.get("outputs", []))
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*"))
