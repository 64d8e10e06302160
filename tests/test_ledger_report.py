"""The results ledger (atomic, replace-on-rerun) and the report built from it."""

from __future__ import annotations

import json
import os

import pytest

from helpers.machinery import cli
from helpers import files
from helpers.machinery import ledger, paths, report

ROWS = [{"model": "linear, raw", "metric": "test accuracy", "value": 0.7, "reference": 0.6637, "seconds": 3.2},
        {"model": "linear, normalized", "metric": "test accuracy", "value": 0.92, "reference": 0.9244}]


def test_record_and_load(course_env):
    ledger.record("01_linear_model", ROWS, profile="smoke")
    rows = ledger.load("smoke")
    assert [r["model"] for r in rows] == ["linear, raw", "linear, normalized"]
    assert rows[0] == {"notebook": "01_linear_model", "model": "linear, raw", "metric": "test accuracy",
                       "value": 0.7, "reference": 0.6637, "profile": "smoke", "dataset": "mnist", "seconds": 3.2}
    assert ledger.load("standard") == []


def test_rerun_replaces_only_that_notebooks_rows(course_env):
    ledger.record("01_linear_model", ROWS, profile="smoke")
    ledger.record("00_mnist_data", [{"model": "pixels", "metric": "pixel mean", "value": 33.3}], profile="smoke")
    ledger.record("01_linear_model", ROWS[:1], profile="smoke")
    rows = ledger.load("smoke")
    assert [(r["notebook"], r["model"]) for r in rows] == [("00_mnist_data", "pixels"),
                                                          ("01_linear_model", "linear, raw")]


def _record_many(notebook, count, start):
    start.wait()  # all together, so that their updates interleave
    for i in range(count):
        ledger.record(notebook, [{"model": f"model {i}", "metric": "test accuracy", "value": i / count}],
                      profile="smoke")


def test_notebooks_recording_at_once_lose_nothing(course_env):
    """make test runs notebooks side by side: their read-modify-write updates must not overwrite each other."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a fresh process each, as a notebook kernel is
    start = context.Barrier(4)
    workers = [context.Process(target=_record_many, args=(f"0{i}_notebook", 40, start)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    rows = ledger.load("smoke")
    assert sorted({r["notebook"] for r in rows}) == [f"0{i}_notebook" for i in range(4)]
    assert all(r["model"] == "model 39" for r in rows)  # each notebook's last record, one row each


def test_lock_times_out_with_a_clear_message(tmp_path):
    target = tmp_path / "ledger-smoke.json"
    with files.locked(target):
        import subprocess
        import sys
        code = ("import sys; from pathlib import Path; from helpers import files\n"
                "try:\n    with files.locked(Path(sys.argv[1]), timeout=0.3): pass\n"
                "except TimeoutError as err:\n    print(err)")
        out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=60)
    assert "stayed locked" in out.stdout and "ledger-smoke.json" in out.stdout


def test_profile_comes_from_environment(course_env, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    ledger.record("01_linear_model", ROWS)
    assert ledger.ledger_path().name == "ledger-full.json"
    assert ledger.load("full")[0]["profile"] == "full"


@pytest.mark.parametrize("bad", [{"model": "m", "metric": "acc"},
                                 {"model": "m", "metric": "acc", "value": float("nan")},
                                 {"model": "m", "metric": "acc", "value": 1, "colour": "red"}])
def test_bad_rows_write_nothing(course_env, bad):
    ledger.record("01_linear_model", ROWS, profile="smoke")
    before = ledger.ledger_path("smoke").read_bytes()
    with pytest.raises(ValueError):
        ledger.record("01_linear_model", [bad], profile="smoke")
    assert ledger.ledger_path("smoke").read_bytes() == before


def test_interrupted_write_keeps_the_old_ledger(course_env, monkeypatch):
    ledger.record("01_linear_model", ROWS, profile="smoke")
    path = ledger.ledger_path("smoke")
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        ledger.record("02_dense_networks", ROWS, profile="smoke")
    assert path.read_bytes() == before
    left = [p.name for p in path.parent.iterdir() if p.name != f".{path.name}.lock"]  # the (empty) lock stays
    assert left == [path.name], "no temporary file may be left behind"


def test_corrupt_ledger_is_reported(course_env):
    path = ledger.ledger_path("smoke")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid ledger"):
        ledger.load("smoke")


def test_atomic_path_on_error_leaves_destination(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with pytest.raises(RuntimeError):
        with files.atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert dest.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_report_table_and_chart(course_env):
    ledger.record("00_mnist_data", [{"model": "pixels", "metric": "pixel mean", "value": 33.32, "reference": 33.32}],
                  profile="smoke")
    ledger.record("01_linear_model", ROWS, profile="smoke")
    md, charts = report.build("smoke")
    text = md.read_text()
    assert "| 01_linear_model | linear, normalized | test accuracy | 92.00% | 92.44% | -0.44 pt | mnist |" in text
    assert "| 00_mnist_data | pixels | pixel mean | 33.32 | 33.32 | +0 |" in text
    [png] = charts
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert f"![MNIST]({png.name})" in text


def test_report_handles_a_ledger_of_sequence_rows_only(course_env, capsys):
    ledger.record("10_digit_sequences", [
        {"model": "five heads", "metric": "sequence accuracy", "value": 0.96, "reference": 0.88},
        {"model": "five heads", "metric": "character accuracy", "value": 0.99, "reference": 0.95},
        {"model": "notebook kernel", "metric": "peak memory (GiB)", "value": 1.7}], profile="smoke")
    assert cli.main(["report", "--profile", "smoke"]) == 0
    md = paths.runs_dir() / "report-smoke.md"
    assert "| 10_digit_sequences | five heads | sequence accuracy | 96.00% | 88.00% | +8.00 pt |" in md.read_text()
    charts = sorted(p.name for p in paths.runs_dir().glob("report-smoke*.png"))
    assert charts == ["report-smoke-mnist.png"] and (paths.runs_dir() / charts[0]).stat().st_size > 5000
    assert report.chart_rows(ledger.load("smoke"))["mnist"][0] == "sequence accuracy"


def test_report_draws_one_chart_per_dataset_and_never_compares_stand_in_with_svhn(course_env):
    ledger.record("04_batch_normalization", [{"model": "with BatchNorm", "metric": "test accuracy", "value": 0.9883,
                                               "reference": 0.9893}], profile="smoke")
    ledger.record("13_svhn_cropped_digits", [{"model": "dense, RGB", "metric": "test accuracy", "value": 0.9505,
                                              "reference": 0.43}], dataset="svhn-standin", profile="smoke")
    ledger.record("14_svhn_multi_digit", [{"model": "crop reader", "metric": "sequence accuracy", "value": 0.95,
                                           "reference": 0.9603}], dataset="svhn-standin", profile="smoke")
    md, charts = report.build("smoke")
    text = md.read_text()
    assert [p.name for p in charts] == ["report-smoke-mnist.png", "report-smoke-svhn-standin.png"]
    assert "| 95.05% | 43.00% (real SVHN) | not comparable | svhn-standin |" in text
    assert "+52.05" not in text and "| -0.10 pt | mnist |" in text
    assert "| 95.00% | 96.03% (real SVHN) | not comparable | svhn-standin |" in text and "-1.03 pt" not in text
    assert "![SVHN stand-in (synthetic, not SVHN)](report-smoke-svhn-standin.png)" in text


def test_report_table_is_written_even_when_a_chart_fails(course_env, monkeypatch):
    ledger.record("01_linear_model", ROWS, profile="smoke")

    def broken(*args, **kwargs):
        raise RuntimeError("no display fonts")

    monkeypatch.setattr(report, "staircase_chart", broken)
    md, charts = report.build("smoke")
    assert charts == [] and "-0.44 pt" in md.read_text()
    assert "could not be drawn: RuntimeError: no display fonts" in md.read_text()


def test_unmeasurable_peak_memory_is_left_out_but_a_nan_accuracy_is_refused(course_env):
    stored = ledger.record("10_digit_sequences", [{"model": "notebook kernel", "metric": "peak memory (GiB)",
                                                   "value": float("nan")}], profile="smoke")
    assert stored == []
    with pytest.raises(ValueError, match="finite"):
        ledger.record("01_linear_model", [{"model": "m", "metric": "test accuracy", "value": float("nan")}],
                      profile="smoke")


def test_report_without_results_says_what_to_run(course_env, capsys):
    with pytest.raises(FileNotFoundError, match="python -m helpers run --profile full"):
        report.build("full")
    assert cli.main(["report", "--profile", "full"]) == 1
    assert "Run notebooks first" in capsys.readouterr().err


def test_ledger_file_is_json_with_profile(course_env):
    ledger.record("01_linear_model", ROWS, profile="standard")
    payload = json.loads(ledger.ledger_path("standard").read_text())
    assert payload["profile"] == "standard" and len(payload["rows"]) == 2


def test_atomic_dir_keeps_the_old_folder_whole_on_error_and_gives_ordinary_permissions(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with files.atomic_dir(dest) as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("boom")
    assert [p.name for p in dest.iterdir()] == ["old.txt"] and [p.name for p in tmp_path.iterdir()] == ["out"]
    with files.atomic_dir(dest) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in dest.iterdir()] == ["new.txt"] and [p.name for p in tmp_path.iterdir()] == ["out"]
    if os.name == "posix":
        umask = os.umask(0)
        os.umask(umask)
        assert dest.stat().st_mode & 0o777 == 0o777 & ~umask
