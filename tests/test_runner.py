"""The notebook runner: order, skip/force, in-place, failures; with real kernels on tiny notebooks."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.machinery import cli
from helpers.machinery import paths, runner


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
    from helpers.machinery import profiles
    assert set(profiles.CELL_TIMEOUT) == set(profiles.PROFILES)
    assert profiles.CELL_TIMEOUT["full"] is None, "full trains for hours in one cell on a CPU"
    assert profiles.CELL_TIMEOUT["smoke"] < profiles.CELL_TIMEOUT["standard"]


def test_death_causes_name_windows_codes_too():
    assert "access violation" in runner._death_cause(0xC0000005)
    assert "out of memory" in runner._death_cause(0xC0000017) and "out of memory" in runner._death_cause(-9)
    assert runner._death_cause(None).startswith("the kernel process ended")


@pytest.fixture
def fake_pytest(monkeypatch):
    """`python -m helpers test` with the data step and pytest's process replaced: what it would run."""
    calls = []

    def run(command, cwd, env):
        calls.append({"command": command, "cwd": cwd, "env": env})
        return type("Done", (), {"returncode": 3})()

    monkeypatch.setattr(cli.subprocess, "run", run)
    monkeypatch.setattr(cli, "cmd_data", lambda args: 0)
    return calls


def test_the_test_command_gives_its_settings_to_pytest_alone(fake_pytest, monkeypatch):
    monkeypatch.setenv(paths.PROFILE_VAR, "standard")
    monkeypatch.delenv(paths.OFFLINE_VAR, raising=False)
    assert cli.main(["test"]) == 3  # pytest's exit status
    (call,) = fake_pytest
    assert call["command"][1:] == ["-m", "pytest", *cli.TEST_TARGETS, *cli.TEST_OPTIONS]
    assert call["cwd"] == paths.ROOT
    assert call["env"][paths.PROFILE_VAR] == "smoke" and call["env"][paths.OFFLINE_VAR] == "1"
    # the shell that ran it (a PowerShell session on Windows) keeps its own settings
    assert os.environ[paths.PROFILE_VAR] == "standard" and paths.OFFLINE_VAR not in os.environ


def test_the_test_command_takes_paths_then_passes_pytest_options_on(fake_pytest, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.ipynb").write_text("{}")
    assert cli.main(["test", "mine.ipynb", "-x", "-k", "setup", "--help-not-ours"]) == 3
    command = fake_pytest[0]["command"]
    assert command[3] == str(tmp_path / "mine.ipynb")  # made absolute: pytest runs in the project root
    assert command[-4:] == ["-x", "-k", "setup", "--help-not-ours"] and "tests" not in command


def test_the_test_command_stops_before_pytest_on_a_missing_path_or_missing_data(fake_pytest, monkeypatch, capsys):
    assert cli.main(["test", "notebooks/99_nothing.ipynb"]) == 2
    assert "nothing to test at notebooks/99_nothing.ipynb" in capsys.readouterr().err
    monkeypatch.setattr(cli, "cmd_data", lambda args: 1)
    assert cli.main(["test"]) == 1
    assert not fake_pytest


def test_make_and_the_readme_run_the_one_test_command():
    makefile = (paths.ROOT / "Makefile").read_text()
    assert "\t$(BIN)/python -m helpers test\n" in makefile
    assert "\t$(BIN)/python -m helpers test student " in makefile
    assert "--nbval" not in makefile.split("check-offline:")[0], "the test options live in cli.TEST_OPTIONS"
    readme = (paths.ROOT / "README.md").read_text()
    assert ".venv\\Scripts\\python -m helpers test\n" in readme and "$env:COURSE_PROFILE" not in readme
