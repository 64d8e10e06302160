"""The notebook runner: order, skip/force, in-place, failures; with real kernels on tiny notebooks."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import __main__ as cli
from helpers import paths, runner


def write_nb(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources],
                      metadata={"kernelspec": runner.KERNELSPEC})
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny_course(course_env, monkeypatch):
    folder = course_env / "notebooks"
    folder.mkdir()
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", folder)
    write_nb(folder / "01_second.ipynb", "import os\nprint(os.environ['COURSE_PROFILE'])")
    write_nb(folder / "00_first.ipynb", "print(6 * 7)")
    (folder / "notes.ipynb").write_text("{}")  # not a course notebook: ignored
    return folder


def test_course_order_and_resolve(tiny_course):
    assert [p.name for p in runner.course_notebooks()] == ["00_first.ipynb", "01_second.ipynb"]
    assert [p.stem for p in runner.resolve(["01", "00_first.ipynb"])] == ["00_first", "01_second"]
    with pytest.raises(ValueError, match="00_first, 01_second"):
        runner.resolve(["07"])


def test_run_skip_force_and_change(tiny_course):
    notebooks = runner.course_notebooks()
    first = runner.run(notebooks, "smoke")
    assert [o.status for o in first] == ["ran", "ran"]
    executed = nbformat.read(paths.runs_dir() / "smoke" / "notebooks" / "01_second.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "smoke"
    assert not nbformat.read(notebooks[1], as_version=4).cells[0].outputs, "sources stay untouched"

    assert [o.status for o in runner.run(notebooks, "smoke")] == ["skipped", "skipped"]
    assert [o.status for o in runner.run(notebooks, "standard")] == ["ran", "ran"], "profiles are tracked apart"
    assert [o.status for o in runner.run(notebooks, "smoke", force=True)] == ["ran", "ran"]

    write_nb(notebooks[0], "print(6 * 9)")
    assert [o.status for o in runner.run(notebooks, "smoke")] == ["ran", "skipped"]
    assert "00_first" in runner.timing_report(runner.run(notebooks, "smoke"), "smoke")


def test_in_place_writes_outputs_back_with_clean_metadata(tiny_course):
    path = tiny_course / "00_first.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, path)
    runner.run([path], "standard", in_place=True)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs[0]["text"].strip() == "42"
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    assert [o.status for o in runner.run([path], "standard")] == ["skipped"], "in-place output is not a change"


def test_native_stderr_goes_to_a_log_and_python_warnings_stay(tiny_course):
    path = write_nb(tiny_course / "02_noisy.ipynb",
                    "import os, sys\n_ = os.write(2, b'native start-up notice\\n')",  # as TensorFlow's C++ does
                    "print('a real warning', file=sys.stderr)")
    [outcome] = runner.run([path], "smoke")
    executed = nbformat.read(paths.runs_dir() / "smoke" / "notebooks" / path.name, as_version=4)
    assert executed.cells[0].outputs == []
    assert executed.cells[1].outputs[0]["name"] == "stderr" and outcome.stderr
    assert "native start-up notice" in runner.native_log(path, "smoke").read_text()


def test_figures_stay_in_the_notebook_under_a_script_backend(tiny_course, monkeypatch):
    """MPLBACKEND=Agg in the shell (as in many CI set-ups) must not strip the figures from executed notebooks."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    path = write_nb(tiny_course / "02_plot.ipynb", "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()")
    runner.run([path], "smoke")
    executed = nbformat.read(paths.runs_dir() / "smoke" / "notebooks" / path.name, as_version=4)
    assert any("image/png" in out.get("data", {}) for out in executed.cells[0].outputs)


def test_failure_names_notebook_and_cell(tiny_course, capsys):
    broken = write_nb(tiny_course / "02_broken.ipynb", "x = 1", "raise ValueError('learned nothing')")
    before = broken.read_bytes()
    assert cli.main(["run", "--profile", "smoke", "--in-place", "02"]) == 1
    err = capsys.readouterr().err
    assert "02_broken.ipynb failed in cell 1" in err and "learned nothing" in err
    assert broken.read_bytes() == before, "a failed run must not touch the source"
    assert not (paths.runs_dir() / "smoke" / "notebooks" / "02_broken.ipynb").exists()
    assert (paths.runs_dir() / "smoke" / "failed" / "02_broken.ipynb").exists()


def test_cli_rejects_unknown_profile_and_notebook(tiny_course, capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--profile", "quick"])
    assert cli.main(["run", "99"]) == 1
    assert "no notebook called '99'" in capsys.readouterr().err


def test_a_cell_over_the_time_limit_is_stopped_with_the_fix(tiny_course, capsys):
    slow = write_nb(tiny_course / "02_slow.ipynb", "import time\ntime.sleep(60)")
    assert cli.main(["run", "--profile", "smoke", "--cell-timeout", "2", "02"]) == 1
    err = capsys.readouterr().err
    assert "02_slow.ipynb failed in cell 0" in err and "limit of 2 s" in err and "--cell-timeout" in err
    assert (paths.runs_dir() / "smoke" / "failed" / slow.name).exists()
    with pytest.raises(SystemExit):
        cli.main(["run", "--cell-timeout", "-5", "02"])
    assert "not a number of seconds" in capsys.readouterr().err


def test_a_timeout_names_the_running_cell_even_after_earlier_output(tiny_course, capsys):
    write_nb(tiny_course / "02_slow.ipynb", "print('warming up')", "x = 1", "import time\ntime.sleep(60)", "y = 2")
    assert cli.main(["run", "--profile", "smoke", "--cell-timeout", "2", "02"]) == 1
    err = capsys.readouterr().err
    assert "failed in cell 2" in err and "'import time'" in err and "limit of 2 s" in err


@pytest.mark.parametrize("signal_name, cause", [("SIGKILL", "out of memory"), ("SIGSEGV", "segmentation fault")])
def test_a_dying_kernel_stops_the_run_naming_the_cell_and_the_likely_cause(tiny_course, capsys, signal_name, cause):
    dying = write_nb(tiny_course / "02_dying.ipynb", "x = 1",
                     f"import os, signal\nos.kill(os.getpid(), signal.{signal_name})", "print('never')")
    before = dying.read_bytes()
    assert cli.main(["run", "--profile", "smoke", "--in-place", "02"]) == 1
    err = capsys.readouterr().err
    assert "02_dying.ipynb failed in cell 1" in err and "kernel died" in err and "'import os, signal'" in err
    assert cause in err
    assert dying.read_bytes() == before and (paths.runs_dir() / "smoke" / "failed" / dying.name).exists()
    assert not (paths.runs_dir() / "smoke" / "notebooks" / dying.name).exists()


def test_cell_limits_leave_full_runs_unbounded():
    from helpers import profiles
    assert set(profiles.CELL_TIMEOUT) == set(profiles.PROFILES)
    assert profiles.CELL_TIMEOUT["full"] is None, "full trains for hours in one cell on a CPU"
    assert profiles.CELL_TIMEOUT["smoke"] < profiles.CELL_TIMEOUT["standard"]


def test_localization_full_script_still_finds_notebook_12s_cells():
    """benchmarks/localization_full.py cuts notebook 12's two baselines short; its markers must still match."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("localization_full",
                                                  paths.ROOT / "benchmarks" / "localization_full.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    nb, principled = script.prepare()
    sources = [cell.source for cell in nb.cells]
    cut = next(i for i, source in enumerate(sources) if source.startswith("_profile = dict(cfg)"))
    assert script.FIRST_BASELINE in sources[cut + 1]
    assert sources[principled - 1].startswith("cfg.update(_profile)") and script.PRINCIPLED in sources[principled]
    trained_short = [source for source in sources[cut + 1:principled - 1] if "train(" in source]
    assert len(trained_short) == 2, "only the naive network and the x1000 fix may be cut short"
    assert not any(cell.outputs for cell in nb.cells)


def _sequences_full_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("sequences_full", paths.ROOT / "benchmarks" / "sequences_full.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_sequences_full_script_stops_before_exercise_3_only():
    """benchmarks/sequences_full.py runs notebook 10 up to exercise 3's solution; its marker must still match."""
    script = _sequences_full_script()
    nb = script.prepare()
    whole = [cell for cell in nbformat.read(script.NOTEBOOK, as_version=4).cells if cell.cell_type == "code"]
    assert [cell.source for cell in nb.cells] == [cell.source for cell in whole[:len(nb.cells)]]
    assert script.STOP_AT in whole[len(nb.cells)].source and len(whole) == len(nb.cells) + 1, \
        "only the last code cell (exercise 3's solution) may be left out"
    assert any("ledger.record(" in cell.source for cell in nb.cells)
    assert not any(cell.outputs for cell in nb.cells)


def test_sequences_full_script_halves_cover_every_training_cell(course_env):
    """--part fixed / variable: together they train every model of the whole run, each ending with a summary."""
    script = _sequences_full_script()
    whole = [cell.source for cell in script.prepare("all").cells]
    fixed = [cell.source for cell in script.prepare("fixed").cells]
    variable = [cell.source for cell in script.prepare("variable").cells]
    assert fixed[-1] == variable[-1] == script.SUMMARY
    assert "model_heads.save_weights(" in fixed[-2], "the fixed half saves the five heads for the variable half"
    assert fixed[:-2] == whole[:len(fixed) - 2] and script.VARIABLE_AT in whole[len(fixed) - 2]
    assert [source for source in whole if source not in variable] == [
        source for source in whole if any(marker in source for marker in
                                          (script.GRU_TRAINING, script.AVERAGING, script.RESULTS))]
    trainings = [source for source in whole if "train(" in source and "def " not in source]
    assert len(trainings) == 3, "five heads, CNN + GRU, then the variable-length trainings"
    assert all(source in fixed[:-1] + variable[:-1] for source in trainings)
    assert "def warm_trunk(" in "".join(variable), "the random layout's five-head model needs the warm trunk"
    with pytest.raises(ValueError, match="not a part"):
        script.prepare("both")


def test_sequences_full_variable_half_reuses_only_matching_saved_five_heads(course_env, capsys):
    """The variable half loads the fixed half's five heads only when they were built by today's model cell."""
    import json

    script = _sequences_full_script()
    weights, meta = script.saved_heads("full")
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"stand-in")
    model_cell = next(cell.source for cell in script.prepare("all").cells if script.MODEL_CELLS in cell.source)

    def heads_cell(source):
        meta.write_text(json.dumps({"seconds": 123.0, "source": source}))
        cells = [cell.source for cell in script.prepare("variable").cells]
        return next(source for source in cells if script.HEADS_TRAINING in source), capsys.readouterr().out

    cell, said = heads_cell(model_cell)
    assert "reusing the five heads" in said and "train(" not in cell
    assert f"model_heads.load_weights({str(weights)!r}); seconds_heads = 123.0" in cell
    assert "pred_heads = read(model_heads, x_test)" in cell, "the rest of the cell runs as written"
    cell, said = heads_cell(model_cell.replace("(32, 2)", "(32, 1)"))
    assert "training them again" in said and script.TRAIN_LINE in cell


def test_run_copy_reports_progress_and_keeps_the_copy_out_of_the_ledger(course_env, capsys):
    """The benchmarks' partial runs: a line per cell, the printed text, failures named, runs/ untouched."""
    import os

    (course_env / "notebooks").mkdir()
    nb = new_notebook(cells=[new_code_cell("import os\nprint('runs in', os.environ['COURSE_RUNS_DIR'])"),
                             new_code_cell("raise ValueError('boom')"), new_code_cell("print(6 * 7)")],
                      metadata={"kernelspec": runner.KERNELSPEC})
    before = os.environ.get(paths.RUNS_DIR_VAR)
    seconds = runner.run_copy(nb, course_env / "notebooks" / "99_copy.ipynb", "smoke", report_from=1)
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
