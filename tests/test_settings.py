"""The COURSE_* environment variables: one table, validated values, absolute paths."""

from __future__ import annotations

import os
import re

import pytest

from helpers.machinery import cli
from helpers import data
from helpers.machinery import paths, profiles


def test_every_course_variable_is_in_the_one_table():
    used = set()
    for source in (paths.ROOT / "helpers").rglob("*.py"):
        used |= set(re.findall(r"[\"'](COURSE_[A-Z_]+)[\"']", source.read_text()))
    assert {"COURSE_OFFLINE", "COURSE_SVHN", "COURSE_PHOTOS_DIR", "COURSE_DATA_URL"} <= used
    table = paths.__doc__
    missing = sorted(var for var in used if f"``{var}``" not in table)
    assert not missing, f"document these in helpers/machinery/paths.py's table: {missing}"


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), (" on ", True),
                                             ("0", False), ("false", False), ("No", False), ("", False)])
def test_offline_accepts_yes_and_no_words(monkeypatch, value, expected):
    monkeypatch.setenv(paths.OFFLINE_VAR, value)
    assert paths.offline() is expected


@pytest.mark.parametrize("value", ["of", "2", "offline"])
def test_a_mistyped_offline_value_stops_with_the_accepted_ones(monkeypatch, value):
    monkeypatch.setenv(paths.OFFLINE_VAR, value)
    with pytest.raises(paths.SettingError, match=r"COURSE_OFFLINE=.* is not a yes/no value; use 1, true or yes"):
        paths.offline()


def test_mistyped_offline_never_downloads(course_env, tiny_mnist, monkeypatch, capsys):
    monkeypatch.setenv(paths.OFFLINE_VAR, "of")
    assert cli.main(["data"]) == 2
    assert "COURSE_OFFLINE='of'" in capsys.readouterr().err
    assert not (course_env / "data").exists(), "nothing fetched"


def test_relative_paths_become_absolute_for_every_path_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for var in paths.PATH_VARS:
        monkeypatch.setenv(var, f"rel/{var.lower()}")
    monkeypatch.setenv(paths.DATA_URL_VAR, "stick/datasets")
    paths.absolutize_env()
    for var in paths.PATH_VARS:
        assert os.environ[var] == str(tmp_path / "rel" / var.lower())
    assert os.environ[paths.DATA_URL_VAR] == (tmp_path / "stick" / "datasets").as_uri() + "/"
    assert paths.photos_dir() == tmp_path / "rel" / "course_photos_dir"


def test_a_bad_profile_stops_only_the_commands_that_use_one(course_env, tiny_mnist, monkeypatch, capsys):
    monkeypatch.setenv(profiles.PROFILE_VAR, "quick")
    assert cli.main(["run", "00"]) == 2
    assert "COURSE_PROFILE='quick' is not a run profile" in capsys.readouterr().err
    assert cli.main(["report"]) == 2
    assert "COURSE_PROFILE='quick'" in capsys.readouterr().err
    assert cli.main(["data", "--check"]) == 1  # nothing present, but the command itself runs
    assert "missing" in capsys.readouterr().out
    assert cli.main(["run", "--profile", "smoke", "99"]) == 1, "an explicit --profile needs no variable"
    assert "no notebook called '99'" in capsys.readouterr().err


def test_data_url_is_tried_before_the_official_sources(course_env, tiny_mnist, monkeypatch):
    source, arrays = tiny_mnist
    table, _ = data.DATASETS["mnist"]
    monkeypatch.setitem(data.DATASETS, "mnist", (table, ("http://127.0.0.1:9/unreachable/",)))
    monkeypatch.setenv(paths.OFFLINE_VAR, "0")
    monkeypatch.setenv(paths.DATA_URL_VAR, str(source))  # a plain folder laid out like the mirror
    found = data.fetch("mnist")
    assert {s for _, s in found.values()} == {"downloaded"}
    assert (course_env / "data" / "mnist" / table["train_images"].name).exists()
