"""House rules for the committed notebooks (their execution is checked by nbval)."""

from __future__ import annotations

import json
import re

import pytest

from helpers.machinery import paths, runner

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def test_course_has_notebooks():
    assert NOTEBOOKS and [p.stem[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))], \
        "numbered without gaps"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_and_executed(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}, "strip extra metadata (runner --in-place does)"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "commit outputs of one top-to-bottom run"
    outputs = [o for c in code for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "keep stderr quiet"
    text = json.dumps(outputs)
    assert not re.search(r"/(work|home|root|Users)/", text), "no personal paths in outputs"
    assert "profile: standard" in text, "committed outputs come from the standard profile"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_lesson_template(path):
    nb = json.loads(path.read_text())
    source = "\n".join("".join(c["source"]) for c in nb["cells"])
    assert nb["cells"][0]["source"][0].startswith(f"# {path.stem[:2]} ·"), "title cell first"
    assert f'session.setup("{path.stem}"' in source, "Setup cell calls session.setup with the notebook's name"
    assert f'ledger.record("{path.stem}"' in source, "a Results cell records to the ledger"
    assert "# NBVAL_CHECK_OUTPUT" in source
    wanted = ["## Setup", "## Summary", "## Exercises", "## Solutions"]
    heads = [line.strip() for c in nb["cells"] if c["cell_type"] == "markdown"
             for line in "".join(c["source"]).splitlines() if line.startswith("## ")]
    assert [h for h in heads if h in wanted] == wanted, "the four sections, each once, in this order"
    assert len(runner.source_hash(runner.nbformat.reads(path.read_text(), as_version=4))) == 16


def setup_cell(path) -> str:
    nb = json.loads(path.read_text())
    return next("".join(c["source"]) for c in nb["cells"] if "session.setup(" in "".join(c["source"]))


def bootstrap(path) -> str:
    """The Setup cell's install path: from its COURSE_REPO line to the end of the except block."""
    lines = setup_cell(path).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("COURSE_REPO = "))
    handler = next(i for i in range(start, len(lines)) if lines[i].startswith("except ModuleNotFoundError"))
    end = next(i for i in range(handler + 1, len(lines)) if lines[i] and not lines[i].startswith(" "))
    return "\n".join(lines[start:end]) + "\n"


def test_every_setup_cell_and_the_readme_name_one_repository_address():
    lines = {next(line for line in setup_cell(p).splitlines() if line.startswith("COURSE_REPO = ")) for p in NOTEBOOKS}
    assert len(lines) == 1, "one address, the same in every notebook"
    url = re.search(r'"(.+?)"', lines.pop()).group(1)
    assert url in (paths.ROOT / "README.md").read_text()
    assert len({bootstrap(p) for p in NOTEBOOKS}) == 1, "the same install path in every Setup cell"
    for path in NOTEBOOKS:
        first_import = next(line for line in setup_cell(path).splitlines() if line.startswith(("import ", "from ")))
        assert first_import == "import os", "only os before the install path: Colab lacks some course packages"


def run_bootstrap(tmp_path, code: str, colab: bool):
    """Run the Setup cell's install path in a bare Python (no site-packages: helpers not importable)."""
    import subprocess
    import sys

    if colab:
        (tmp_path / "google" / "colab").mkdir(parents=True, exist_ok=True)
        (tmp_path / "google" / "colab" / "__init__.py").write_text("")
        (tmp_path / "google" / "__init__.py").write_text("")
    stub = ("import os, subprocess, sys\ncalls = []\n"
            "subprocess.run = lambda cmd, check: calls.append(cmd)\n"
            "os.chdir = lambda where: calls.append(['chdir', where])\n"
            + ("import google.colab\n" if colab else ""))
    script = tmp_path / "boot.py"
    script.write_text(stub + code + "print(calls)\n")
    return subprocess.run([sys.executable, "-S", str(script)], cwd=tmp_path, capture_output=True, text=True)


def test_setup_outside_colab_without_the_course_says_how_to_install(tmp_path):
    done = run_bootstrap(tmp_path, bootstrap(NOTEBOOKS[0]), colab=False)
    assert done.returncode == 1 and "Install the course first: `make setup`" in done.stderr


def test_setup_on_colab_clones_and_installs_the_course(tmp_path):
    code = bootstrap(NOTEBOOKS[0])
    placeholder = run_bootstrap(tmp_path, code, colab=True)
    assert placeholder.returncode == 1 and "On Colab, set COURSE_REPO above" in placeholder.stderr
    real = code.replace("YOUR-ACCOUNT/digit-course\"", "someone/digit-course\"", 1)
    done = run_bootstrap(tmp_path, real, colab=True)
    assert done.returncode == 0, done.stderr
    calls = done.stdout
    assert "'git', 'clone', '--depth', '1', 'https://github.com/someone/digit-course', '/content/course'" in calls
    assert "'pip', 'install', '-q', '-e', '/content/course[app]'" in calls and "'requirements.txt'" not in calls
    assert "['chdir', '/content/course/notebooks']" in calls
