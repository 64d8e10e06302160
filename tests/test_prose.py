"""Lessons stay true on every run: prose explains, code prints the figures (docs/conventions.md).

A decimal or percent figure in a notebook's markdown must be one of:
- a setting that appears in the notebook's code (a learning rate, a threshold, a dropout rate; 15% for 0.15),
  or code quoted in the prose itself (`expand=0.0`);
- an approximation ("about 99%", "nearly 0.5", "under 2%");
- a figure whose sentence names where it comes from: a seed reference, a paper, the `full` profile.
Anything else is a figure of one run that a learner re-running the notebook (another profile,
another machine) will not see: the code should print it instead. No development history either.
"""

from __future__ import annotations

import json
import re

import pytest

from helpers.machinery import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
FIGURE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})*(?:\.\d+)?%|\d+\.\d+)(?![\w.])")
APPROXIMATE = re.compile(r"(about|around|roughly|nearly|almost|over|under|above|below|at most|at least|~|≈)\s*$",
                         re.I)
SOURCED = re.compile(r"reference|seed|paper|et al\.|goodfellow|netzer|lecun|`full`|full profile|published|reported",
                     re.I)
HISTORY = re.compile(r"earlier (version|run)|committed run|previous (run|trunk|version)|\b2-core\b|xeon|epyc|"
                     r"sapphire rapids|this machine", re.I)


def markdown_and_code(path):
    cells = json.loads(path.read_text())["cells"]
    text = lambda c: "".join(c["source"])  # noqa: E731
    return ([(i, text(c)) for i, c in enumerate(cells) if c["cell_type"] == "markdown"],
            "\n".join(text(c) for c in cells if c["cell_type"] == "code").replace(",", ""))


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?;:])\s+|\n[-*] |\n\n|\|", text)


def settings(figure: str) -> set[str]:
    """How code may write the setting a prose figure names: 0.001 as is, 15% as 15 or 0.15."""
    bare = figure.rstrip("%").replace(",", "")
    forms = {bare}
    if figure.endswith("%"):
        forms |= {f"{float(bare) / 100:g}", f"{float(bare) / 100:.2f}"}
    return forms


def unsourced_figures(path) -> list[str]:
    """``cell N: figure <- sentence`` for every figure in prose that is neither a setting, an approximation
    nor sourced."""
    markdown, code = markdown_and_code(path)
    found = []
    for index, text in markdown:
        for sentence in sentences(text):
            if SOURCED.search(sentence):
                continue
            quoted = [m.span() for m in re.finditer(r"`[^`]*`", sentence)]  # code quoted in prose is code
            for match in FIGURE.finditer(sentence):
                figure = match.group(1)
                if any(start <= match.start() < end for start, end in quoted):
                    continue
                if APPROXIMATE.search(sentence[:match.start()]):
                    continue
                if any(re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", code) for form in settings(figure)):
                    continue
                found.append(f"cell {index}: {figure} <- {sentence.strip()[:100]}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_quotes_no_figure_of_one_run(path):
    found = unsourced_figures(path)
    assert not found, "print these from code, say them in words, or name their source:\n" + "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lessons_tell_no_development_history(path):
    markdown, _ = markdown_and_code(path)
    found = [f"cell {i}: {m.group(0)!r}" for i, text in markdown for m in HISTORY.finditer(text)]
    assert not found, "lessons describe the course as it is, not how it came to be: " + ", ".join(found)


def test_the_check_catches_a_run_figure_and_lets_settings_sources_and_approximations_pass(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": ["model.fit(x, y, learning_rate=0.001)"], "outputs": []},
                    {"cell_type": "markdown", "source": [
                        "The model reached 98.76% on this run. A learning rate of 0.001 works. "
                        "The seed reference reached 99.27%. It reads about 99% of digits."]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "99_x.ipynb"
    path.write_text(json.dumps(nb))
    assert [line.split(" <-")[0] for line in unsourced_figures(path)] == ["cell 1: 98.76%"]


def test_the_readme_is_a_first_page_whose_links_resolve():
    """README stays a first page (at most 10 KB; measurements live in docs/), and its local links lead somewhere."""
    readme = paths.ROOT / "README.md"
    size = len(readme.read_bytes())
    assert size <= 10_000, f"README.md is {size:,} bytes, over 10,000: move detail to docs/"
    targets = re.findall(r"\]\(((?!https?:|#)[^)#\s]+)", readme.read_text())
    assert targets, "README links to its notebooks and docs"
    missing = [t for t in targets if not (paths.ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"
