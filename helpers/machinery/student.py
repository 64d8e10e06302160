"""``python -m helpers student``: the student edition of the course, for workshops.

Every notebook is written again with its Solutions section removed, its outputs
cleared, an empty code cell after each exercise, and a banner cell under the
title saying that this is the student edition and where the solutions are. No
output is kept: every figure the prose speaks of is drawn by a cell the
learner runs before that prose matters. The ``# NBVAL_CHECK_OUTPUT`` guards
go too (they protect the course's committed outputs, which the student edition
has not). The result is deterministic (fixed cell ids, sorted keys), so a diff
between two editions shows only what changed in the lessons.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from ..files import atomic_dir
from . import paths, runner

BANNER = ("> **Student edition.** The exercises at the end have an empty cell for your answer; the "
          "solutions are not here. They are in the course's own copy of this notebook, "
          "[`notebooks/{name}`](../notebooks/{name}), under *Solutions*.")
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
ITEM = re.compile(r"^(\d+)\. ", re.M)


def _exercise_cells(text: str) -> list:
    """The markdown of an Exercises section as cells: the heading, then each exercise and an answer cell."""
    head, *items = ITEM.split(text)
    cells = [new_markdown_cell(head.rstrip())] if head.strip() else []
    for number, body in zip(items[::2], items[1::2]):
        cells.append(new_markdown_cell(f"{number}. {body.strip()}"))
        cells.append(new_code_cell(f"# Your answer to exercise {number}\n"))
    return cells


def student_notebook(path: Path):
    """``path``'s student edition, as an in-memory notebook (see the module's description)."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        source = cell.source
        if cell.cell_type == "code":
            lines = [line for line in source.splitlines() if line.strip() != CHECK_MARK]
            cells.append(new_code_cell("\n".join(lines)))
            continue
        source, solutions, _ = source.partition("## Solutions")
        before, exercises, items = source.partition("## Exercises")
        if before.strip():
            cells.append(new_markdown_cell(before.rstrip()))
        if exercises:
            cells.extend(_exercise_cells(exercises + items))
        if solutions:  # everything from here on answers the exercises
            break
    if not any("## Exercises" in c.source for c in cells):
        raise ValueError(f"{path.name} has no '## Exercises' section: the student edition needs one")
    cells.insert(1, new_markdown_cell(BANNER.format(name=path.name)))
    for index, cell in enumerate(cells):
        cell.id = f"{path.stem[:2]}-{index:03d}"
    edition = nbformat.v4.new_notebook(cells=cells)
    edition.metadata = nbformat.from_dict({"kernelspec": runner.KERNELSPEC, "language_info": {"name": "python"}})
    return edition


def build(out: Path | None = None) -> list[Path]:
    """Write the student edition of every course notebook into ``out`` (default ``student/``); return the files.

    The folder is replaced as a whole, and only once every notebook is written
    (a failure leaves the previous edition as it was); a folder that holds
    anything but an earlier edition is refused, never replaced.
    """
    out = Path(out) if out else paths.ROOT / "student"
    readme = out / "README.md"
    if out.exists() and any(out.iterdir()) and not (readme.exists() and readme.read_text(encoding="utf-8")
                                                     .startswith("# Student edition")):
        raise ValueError(f"{out} exists and is not a student edition: choose an empty or new folder with --out "
                         "(the edition replaces the whole folder)")
    notebooks = runner.course_notebooks()
    with atomic_dir(out) as tmp:
        for path in notebooks:
            nbformat.write(student_notebook(path), tmp / path.name)
        (tmp / "README.md").write_text(
            "# Student edition\n\nMade by `python -m helpers student` from `notebooks/`: solutions removed, "
            "outputs cleared, an empty cell after each exercise. Do not edit here; it is rebuilt from the "
            "course notebooks.\n", encoding="utf-8")
    return [out / path.name for path in notebooks]
