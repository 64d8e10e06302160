"""The learner's library: what notebooks import, apart from the machinery that runs the course."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest

from helpers.machinery import paths

HELPERS = paths.ROOT / "helpers"
LIBRARY = sorted(p.stem for p in HELPERS.glob("*.py") if not p.stem.startswith("_"))
# A docstring names its notebook as "00_mnist_data", "notebook 15" or "notebooks 10-12".
NAMES_A_NOTEBOOK = re.compile(r"\b\d\d_[a-z_]+\b|\bnotebooks? \d\d\b|``python -m helpers \w+``")


def fresh_modules(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, cwd=paths.ROOT, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_library_never_loads_the_runner_the_report_or_the_command_line():
    what_notebooks_import = "; ".join(f"import helpers.{name}" for name in LIBRARY) + "; import helpers.machinery.ledger"
    loaded = fresh_modules(what_notebooks_import)
    assert {f"helpers.{name}" for name in LIBRARY} <= loaded
    machinery = {m for m in loaded if m.startswith("helpers.machinery.")}
    assert machinery == {"helpers.machinery.paths", "helpers.machinery.profiles", "helpers.machinery.ledger"}
    assert not loaded & {"nbformat", "nbclient", "jupyter_client"}, "the runner's libraries stay out of a lesson"


def test_metrics_are_pure_numpy():
    loaded = fresh_modules("import helpers.metrics")
    assert not loaded & {"keras", "tensorflow", "PIL", "matplotlib"}


def test_tf_log_level_is_set_in_one_place():
    sets = re.compile(r"environ(\.setdefault\(|\[)\"TF_CPP_MIN_LOG_LEVEL\"")
    setters = [p.relative_to(paths.ROOT).as_posix() for p in [*HELPERS.rglob("*.py"), *(paths.ROOT / "benchmarks").glob("*.py")]
               if sets.search(p.read_text())]
    assert setters == ["helpers/__init__.py"]


def public_functions(module: str):
    tree = ast.parse((HELPERS / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            yield node.name, ast.get_docstring(node) or ""


APP = sorted(f"app/{p.stem}" for p in (HELPERS / "app").glob("*.py"))  # the live app: notebook 16


@pytest.mark.parametrize("module", [m for m in LIBRARY if m != "files"] + APP)
def test_every_public_function_names_the_notebook_that_teaches_or_uses_it(module):
    unnamed = [name for name, doc in public_functions(module) if not NAMES_A_NOTEBOOK.search(doc)]
    assert not unnamed, f"helpers/{module}.py: say which notebook teaches or uses {unnamed}"


def test_a_saved_model_with_keras_random_shear_loads(tmp_path, monkeypatch):
    """Keras 3.15 saves RandomShear's factor as a range its constructor refuses; models.load copes."""
    import keras

    from helpers import models

    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.RandomShear(0.1, 0.1), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    models.save(model, "mnist_digit", profile="test")
    loaded = models.load("mnist_digit")
    assert loaded.layers[0].x_factor == (-0.1, 0.1) and loaded.count_params() == model.count_params()
    assert "from_config" not in keras.layers.RandomShear.__dict__  # the class is left as it was
