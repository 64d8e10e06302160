"""The student edition (python -m helpers student): no solutions, no outputs, an answer cell per exercise."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.machinery import cli, paths, runner, student

NOTEBOOKS = runner.course_notebooks()


def exercises(path) -> list[str]:
    """The exercise numbers of a course notebook's Exercises section."""
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    section = text.split("## Exercises", 1)[1].split("## Solutions", 1)[0]
    return re.findall(r"^(\d+)\. ", section, re.M)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "student"
    assert cli.main(["student", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_loses_its_solutions_and_outputs_and_gains_answer_cells(edition, path):
    nb = nbformat.read(edition / path.name, as_version=4)
    original = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "## Solutions" not in text and "### Exercise" not in text
    assert nb.cells[0].source == original.cells[0].source, "the title stays first"
    assert "Student edition" in nb.cells[1].source and f"notebooks/{path.name}" in nb.cells[1].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs cleared"
    assert not any("NBVAL_CHECK_OUTPUT" in c.source for c in code), "no guards in the student edition"
    numbers = exercises(path)
    assert numbers, f"{path.name} has exercises"
    for number in numbers:
        at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith(f"{number}. "))
        answer = nb.cells[at + 1]
        assert answer.cell_type == "code" and answer.source.strip() == f"# Your answer to exercise {number}"
    lesson = [c.source for c in original.cells if c.cell_type == "code"][:len(code) - len(numbers)]
    assert [c.source for c in code[:len(lesson)]] == [
        "\n".join(line for line in s.splitlines() if line.strip() != "# NBVAL_CHECK_OUTPUT") for s in lesson], \
        "the lesson's code is unchanged, in order"


def test_the_edition_is_deterministic(edition, tmp_path):
    again = tmp_path / "again"
    student.build(again)
    for path in NOTEBOOKS:
        assert (again / path.name).read_bytes() == (edition / path.name).read_bytes(), path.name


def test_a_failed_build_keeps_the_previous_edition(edition, tmp_path, monkeypatch):
    out = tmp_path / "student"
    student.build(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(student, "student_notebook", lambda path: (_ for _ in ()).throw(ValueError("broken lesson")))
    assert cli.main(["student", "--out", str(out)]) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["student"], "no temporary folder left behind"


def test_a_notebook_without_exercises_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 00 · x"),
                                         nbformat.v4.new_markdown_cell("## Summary\n\nnothing to do")])
    nbformat.write(nb, folder / "00_x.ipynb")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", folder)
    with pytest.raises(ValueError, match="no '## Exercises' section"):
        student.build(tmp_path / "out")


def test_a_folder_that_is_not_an_edition_is_never_replaced(tmp_path, capsys):
    precious = tmp_path / "Desktop"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    assert cli.main(["student", "--out", str(precious)]) == 1
    assert "is not a student edition" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.tex"]
