"""House rules for the committed notebooks (their execution is checked by nbval)."""

from __future__ import annotations

import json
import re

import pytest

from helpers import paths, runner

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def test_course_has_notebooks():
    assert [p.stem[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))], "numbered without gaps"


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
    for heading in ("## Setup", "## Summary", "## Exercises", "## Solutions"):
        assert heading in source, f"missing section {heading!r}"
    assert len(runner.source_hash(runner.nbformat.reads(path.read_text(), as_version=4))) == 16
