"""Run profiles: selection by environment variable, clear errors, complete tables."""

from __future__ import annotations

import pytest

from helpers.machinery import paths, profiles


def test_default_is_standard(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert profiles.name() == "standard"
    assert profiles.get("01_linear_model").profile == "standard"


def test_env_selects_profile(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", " Smoke ")
    cfg = profiles.get("01_linear_model")
    assert cfg.profile == "smoke" and cfg.train_size and cfg.epochs >= 1
    assert cfg["batch_size"] == cfg.batch_size


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, standard, full"):
        profiles.name()


def test_unknown_lesson_and_setting():
    with pytest.raises(KeyError, match="known lessons"):
        profiles.get("99_nothing", "smoke")
    with pytest.raises(AttributeError, match="not defined"):
        profiles.get("01_linear_model", "smoke").learning_rate


def test_every_lesson_has_every_profile_with_the_same_settings():
    for lesson, table in profiles.LESSONS.items():
        assert set(table) == set(profiles.PROFILES), lesson
        keys = {frozenset(settings) for settings in table.values()}
        assert len(keys) == 1, f"{lesson}: profiles define different settings"


def test_every_notebook_has_profile_settings():
    stems = {p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    assert stems and stems <= set(profiles.LESSONS)


def test_smoke_is_smaller_than_standard():
    for lesson, table in profiles.LESSONS.items():
        smoke, standard = table["smoke"], table["standard"]
        if "epochs" in smoke:
            assert smoke["epochs"] <= standard["epochs"], lesson
            if "steps" in smoke:  # generated data (Parts II-III): fewer numbers per model
                assert smoke["steps"] * smoke["batch_size"] < standard["steps"] * standard["batch_size"], lesson
                assert smoke["test"] < standard["test"], lesson
            else:
                assert smoke["train_size"] is not None, f"{lesson}: smoke must train on a subset"
        for key in ("train_size", "eval_size", "exercise_size", "steps", "reader_steps", "valid", "test",
                    "standin_train", "standin_test", "walls", "max_side", "epochs", "epochs_dense", "epochs_cnn",
                    "transfer_epochs", "n_models", "hidden"):
            if key in smoke:  # every size a profile sets: smoke's is a subset of standard's
                assert smoke[key] is not None and (standard[key] is None or smoke[key] <= standard[key]), (lesson, key)


def test_full_floors_guard_like_standard_ones():
    """`full` trains for hours: its floors are standard's, raised only where a full run was measured."""
    for lesson, settings in profiles.LESSONS.items():
        standard = {k: v for k, v in settings["standard"].items() if k.startswith("floor")}
        full = {k: v for k, v in settings["full"].items() if k.startswith("floor")}
        assert set(full) == set(standard), lesson
        for key, value in full.items():
            assert standard[key] <= value <= standard[key] + 0.005, (lesson, key, value)
