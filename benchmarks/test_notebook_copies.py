"""The benchmarks' own plumbing (benchmarks/notebook_copies.py), with real kernels on tiny notebooks."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from notebook_copies import run_copy

from helpers.machinery import paths, runner


@pytest.fixture
def course_env(tmp_path, monkeypatch):
    """Empty temporary data and runs folders, downloads forbidden (as in tests/conftest.py)."""
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(tmp_path / "data"))
    monkeypatch.setenv(paths.RUNS_DIR_VAR, str(tmp_path / "runs"))
    monkeypatch.delenv(paths.MIRROR_VAR, raising=False)
    monkeypatch.setenv(paths.OFFLINE_VAR, "1")
    return tmp_path


def test_run_copy_reports_progress_and_keeps_the_copy_out_of_the_ledger(course_env, capsys):
    """The benchmarks' partial runs: a line per cell, the printed text, failures named, runs/ untouched."""
    import os

    (course_env / "notebooks").mkdir()
    nb = new_notebook(cells=[new_code_cell("import os\nprint('runs in', os.environ['COURSE_RUNS_DIR'])"),
                             new_code_cell("raise ValueError('boom')"), new_code_cell("print(6 * 7)")],
                      metadata={"kernelspec": runner.KERNELSPEC})
    before = os.environ.get(paths.RUNS_DIR_VAR)
    seconds = run_copy(nb, course_env / "notebooks" / "99_copy.ipynb", "smoke", report_from=1)
    out = capsys.readouterr().out
    assert seconds > 0 and os.environ.get(paths.RUNS_DIR_VAR) == before, "the environment is restored"
    assert "cell 1/3: import os" in out and "cell 3/3: print(6 * 7)" in out
    assert "cell 2 failed: ValueError: boom" in out and "42" in out
    ran_in = nb.cells[0].outputs[0]["text"].split("runs in ")[1].strip()
    assert not ran_in.startswith(str(paths.runs_dir())), "the copy's ledger goes to a temporary folder"
    assert "runs in" not in out, "only cells from report_from are reported"
    kept = paths.runs_dir() / "smoke" / "partial" / "99_copy.ipynb"
    assert nbformat.read(kept, as_version=4).cells[2].outputs[0]["text"].strip() == "42"
    assert sorted(p.name for p in paths.runs_dir().rglob("*") if p.is_file()) == ["99_copy.ipynb"]
