"""Run profiles: how big each lesson runs, chosen by the ``COURSE_PROFILE`` variable.

* ``smoke`` - CI: tiny subsets and short training, the whole course in minutes.
  A lesson still asserts that its models learned (``floor``).
* ``standard`` (default) - a laptop CPU: a few minutes a notebook, results
  close to the references. The committed notebook outputs come from it.
* ``full`` - the best results; a GPU is recommended.

Every notebook reads its settings with ``cfg = helpers.profiles.get("NN_topic")``
(usually through :func:`helpers.session.setup`). ``train_size`` of ``None``
means the whole 55,000-image training split.
"""

from __future__ import annotations

import os

from . import paths

PROFILE_VAR = paths.PROFILE_VAR
PROFILES = ("smoke", "standard", "full")
DEFAULT = "standard"

# The longest one notebook cell may run before `python -m helpers run` stops it, in seconds
# (None: no limit). Room for the slowest cell of the profile on a slow laptop; `full` trains
# for hours in one cell on a CPU (notebook 08's ten members took two hours on a fast one).
CELL_TIMEOUT = {"smoke": 600, "standard": 4 * 3600, "full": None}

# lesson -> profile -> settings. Floors are the accuracy a run must reach to count: a guard that
# the models learned, not the course's targets (docs/results.md). `full` keeps the `standard` floors, raised
# only where a `full` run was measured well above them (07: 99.62%; 08's members: 99.47-99.62%;
# 09's students: 99.58% and 99.66%), so that hours of training are not thrown away over a tenth
# of a percent (06 at `full`: 99.29%).
LESSONS = {
    "00_mnist_data": {
        "smoke": {},
        "standard": {},
        "full": {},
    },
    "01_linear_model": {
        "smoke": {"train_size": 10_000, "epochs": 2, "batch_size": 128, "floor_raw": 0.4, "floor": 0.80},
        "standard": {"train_size": None, "epochs": 10, "batch_size": 128, "floor_raw": 0.4, "floor": 0.91},
        "full": {"train_size": None, "epochs": 30, "batch_size": 128, "floor_raw": 0.4, "floor": 0.91},
    },
    "02_dense_networks": {
        "smoke": {"train_size": 10_000, "epochs": 2, "batch_size": 128, "floor": 0.85},
        "standard": {"train_size": None, "epochs": 15, "batch_size": 128, "floor": 0.965},
        "full": {"train_size": None, "epochs": 40, "batch_size": 128, "floor": 0.965},
    },
    # 03: six epochs in `standard` (about ten to fifteen seconds an epoch per network on a laptop CPU), so that
    # the four curves have a shape to compare. `exercise_size`: training images for the quick exercise runs.
    "03_convolutions": {
        "smoke": {"train_size": 3_000, "epochs": 3, "batch_size": 64, "eval_size": 2_000, "exercise_size": 2_000, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "exercise_size": 10_000, "epochs": 6, "batch_size": 128, "floor": 0.96},
        "full": {"train_size": None, "eval_size": None, "exercise_size": 10_000, "epochs": 30, "batch_size": 128, "floor": 0.96},
    },
    # From here on the networks use BatchNorm: smoke runs need a few hundred steps (small
    # batches; 04 and 05 train three epochs of 125) before the moving statistics used at inference are meaningful.
    # `exercise_size`: training images for the quick runs in the exercise solutions (these use
    # BatchNormalization(momentum=0.9), so that a run of a hundred or so steps has settled statistics).
    "04_batch_normalization": {
        "smoke": {"train_size": 4_000, "epochs": 3, "batch_size": 32, "eval_size": 2_000, "exercise_size": 2_000, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "exercise_size": 10_000, "epochs": 10, "batch_size": 128, "floor": 0.985},
        "full": {"train_size": None, "eval_size": None, "exercise_size": 10_000, "epochs": 30, "batch_size": 128, "floor": 0.985},
    },
    "05_dropout": {
        "smoke": {"train_size": 4_000, "epochs": 3, "batch_size": 32, "eval_size": 2_000, "exercise_size": 2_000, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "exercise_size": 10_000, "epochs": 12, "batch_size": 128, "floor": 0.985},
        "full": {"train_size": None, "eval_size": None, "exercise_size": 10_000, "epochs": 40, "batch_size": 128, "floor": 0.985},
    },
    # 06: at a constant learning rate the last tenths are left to chance (two `standard` runs: 99.14% on the
    # Xeon, 98.99% on the EPYC after the statistics moved to the 55,000 training images): the floor guards learning.
    "06_data_augmentation": {
        "smoke": {"train_size": 6_000, "epochs": 2, "batch_size": 32, "eval_size": 2_000, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "epochs": 12, "batch_size": 128, "floor": 0.985},
        "full": {"train_size": None, "eval_size": None, "epochs": 40, "batch_size": 128, "floor": 0.99},
    },
    # 07: smoke trains 4 epochs, so that the stepped schedule has two epochs before its first drop (exercise 2),
    # in small batches, so that BatchNorm gets enough steps; `exercise_epochs`: exercise 3's quick runs.
    "07_learning_rate_annealing": {
        "smoke": {"train_size": 1_500, "epochs": 4, "batch_size": 16, "eval_size": 2_000, "exercise_size": 1_000,
                  "exercise_epochs": 3, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "epochs": 10, "batch_size": 128, "exercise_size": 10_000,
                     "exercise_epochs": 4, "floor": 0.99},
        "full": {"train_size": None, "eval_size": None, "epochs": 45, "batch_size": 128, "exercise_size": 10_000,
                 "exercise_epochs": 6, "floor": 0.993},
    },
    "08_ensembles_and_error_analysis": {
        "smoke": {"train_size": 4_000, "epochs": 2, "batch_size": 32, "eval_size": 2_000, "n_models": 2, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "epochs": 10, "batch_size": 128, "n_models": 5, "floor": 0.993},
        "full": {"train_size": None, "eval_size": None, "epochs": 45, "batch_size": 128, "n_models": 10, "floor": 0.995},
    },
    "09_pseudo_labeling": {
        "smoke": {"train_size": 6_000, "epochs": 2, "batch_size": 32, "eval_size": 2_000, "hidden": 1_000, "threshold": 0.9,
                  "pseudo_fraction": 0.25, "exercise_size": 1_000, "floor": 0.5},
        "standard": {"train_size": None, "eval_size": None, "epochs": 16, "batch_size": 128, "hidden": 15_000, "threshold": 0.99,
                     "pseudo_fraction": 0.25, "exercise_size": 10_000, "floor": 0.99},
        "full": {"train_size": None, "eval_size": None, "epochs": 45, "batch_size": 128, "hidden": 15_000, "threshold": 0.99,
                 "pseudo_fraction": 0.25, "exercise_size": 10_000, "floor": 0.995},
    },
    # Part II: numbers of MNIST digits, generated on the fly. `steps` batches per epoch per model;
    # `valid`/`test` are the sizes of the fixed evaluation sets; full = the reference's 165k/15k/30k.
    "10_digit_sequences": {
        "smoke": {"batch_size": 32, "steps": 20, "epochs": 4, "valid": 500, "test": 500, "eval_size": 2_000,
                  "floor": 0.0, "floor_char": 0.2, "floor_random": 0.1},
        "standard": {"batch_size": 128, "steps": 150, "epochs": 8, "valid": 2_000, "test": 5_000, "eval_size": None,
                     "floor": 0.6, "floor_char": 0.9, "floor_random": 0.3},
        "full": {"batch_size": 128, "steps": 1_290, "epochs": 20, "valid": 15_000, "test": 30_000, "eval_size": None,
                 "floor": 0.6, "floor_char": 0.9, "floor_random": 0.3},
    },
    "11_ctc_sequences": {
        "smoke": {"batch_size": 32, "steps": 120, "epochs": 1, "valid": 500, "test": 500, "eval_size": 2_000,
                  "floor": 0.02, "floor_char": 0.3},
        "standard": {"batch_size": 128, "steps": 600, "epochs": 2, "valid": 2_000, "test": 5_000, "eval_size": None,
                     "floor": 0.5, "floor_char": 0.85},
        "full": {"batch_size": 128, "steps": 1_290, "epochs": 20, "valid": 15_000, "test": 30_000, "eval_size": None,
                 "floor": 0.5, "floor_char": 0.85},
    },
    # Part III: numbers on a 128x256 canvas; `steps` batches per epoch per model. A canvas is 128 KB of
    # floats, so the fixed sets stay at 3,000 / 10,000 in `full` (Part II's 15k / 30k would be 5.9 GB). Reading floors:
    # `floor_char_one` for the one network (its CTC head needs more canvases than smoke has), `floor_char`
    # for the two-stage pipeline.
    "12_localization": {
        "smoke": {"batch_size": 32, "steps": 60, "epochs": 1, "reader_batch": 32, "reader_steps": 150,
                  "exercise_steps": 20, "valid": 300, "test": 300, "eval_size": 2_000, "clutter": False,
                  "floor_iou": 0.2, "floor_char_one": 0.0, "floor_char": 0.1},
        "standard": {"batch_size": 64, "steps": 500, "epochs": 4, "reader_batch": 128, "reader_steps": 300,
                     "exercise_steps": 200, "valid": 1_000, "test": 2_000, "eval_size": None, "clutter": False,
                     "floor_iou": 0.8, "floor_char_one": 0.85, "floor_char": 0.9},
        "full": {"batch_size": 128, "steps": 1_290, "epochs": 20, "reader_batch": 128, "reader_steps": 1_290,
                 "exercise_steps": 1_290, "valid": 3_000, "test": 10_000, "eval_size": None, "clutter": True,
                 "floor_iou": 0.8, "floor_char_one": 0.85, "floor_char": 0.9},
    },
    # Part IV: street numbers. `standin_*` size the offline stand-in; `train_size` caps real SVHN.
    # `transfer_*`: notebook 13's MNIST transfer section (labels, epochs, test images scored).
    # `walls`: notebook 15's extra generated wall photos, scored with one, two and three looks.
    # 13 `standard`: 45,000 stand-in digits and four epochs per CNN, about what a laptop CPU trains in ten minutes.
    # `exercise_*`: notebook 13's exercise solutions (five four-layer CNNs: training images, epochs each; `standard`
    # gives each about 350 steps: section 5's four-layer CNN read 91% of the stand-in's validation crops after 352).
    "13_svhn_cropped_digits": {
        "smoke": {"standin_train": 2_000, "standin_test": 1_000, "train_size": 2_000, "valid": 500,
                  "batch_size": 32, "epochs_dense": 1, "epochs_cnn": 3, "tta": 2, "transfer_labels": 200,
                  "transfer_epochs": 2, "transfer_eval": 500,
                  "exercise_size": 500, "exercise_epochs": 1, "floor": 0.25},
        "standard": {"standin_train": 48_000, "standin_test": 5_000, "train_size": 45_000, "valid": 3_000,
                     "batch_size": 128, "epochs_dense": 3, "epochs_cnn": 4, "tta": 4, "transfer_labels": 1_000,
                     "transfer_epochs": 10, "transfer_eval": 2_000,
                     "exercise_size": 9_000, "exercise_epochs": 5, "floor": 0.85},
        "full": {"standin_train": 100_000, "standin_test": 20_000, "train_size": None, "valid": 6_000,
                 "batch_size": 128, "epochs_dense": 20, "epochs_cnn": 30, "tta": 8, "transfer_labels": 1_000,
                 "transfer_epochs": 10, "transfer_eval": 2_000,
                 "exercise_size": 20_000, "exercise_epochs": 10, "floor": 0.85},
    },
    # Notebook 14 holds every photo twice (a 256x128 whole and a 64x64 crop, 110 kB): its `full`
    # stand-in has real SVHN's 33,402 / 13,068 train / test photos, 5.1 GB (60,000 needed 11.4 GiB).
    # Its floors guard learning on the stand-in, whose photos are about as hard to read as SVHN's (the seed's
    # whole-photo reader read 40-43% of real SVHN numbers).
    # `exercise_*`: the short crop-reader runs of its solutions (each variant and a baseline alike).
    "14_svhn_multi_digit": {
        "smoke": {"standin_train": 1_500, "standin_test": 400, "train_size": 1_500, "valid": 300,
                  "batch_size": 32, "epochs": 2, "exercise_size": 300, "exercise_epochs": 1,
                  "floor_seq": 0.0, "floor_char": 0.08, "floor_iou": 0.5},
        "standard": {"standin_train": 12_000, "standin_test": 2_000, "train_size": 12_000, "valid": 1_000,
                     "batch_size": 64, "epochs": 24, "exercise_size": 3_000, "exercise_epochs": 4,
                     "floor_seq": 0.4, "floor_char": 0.75, "floor_iou": 0.6},
        "full": {"standin_train": 33_402, "standin_test": 13_068, "train_size": None, "valid": 3_000,
                 "batch_size": 128, "epochs": 30, "exercise_size": 10_000, "exercise_epochs": 6,
                 "floor_seq": 0.4, "floor_char": 0.75, "floor_iou": 0.6},
    },
    "15_your_own_photos": {
        "smoke": {"samples": 6, "max_side": 800, "walls": 12, "exercise_size": 4},
        "standard": {"samples": 6, "max_side": 1600, "walls": 120, "exercise_size": 30},
        "full": {"samples": 6, "max_side": 1600, "walls": 120, "exercise_size": 30},
    },
    # `frames`: camera frames timed through the whole reader; `repeats`: calls per way of calling a model.
    "16_live_camera": {
        "smoke": {"frames": 20, "repeats": 10, "empty": 10},
        "standard": {"frames": 200, "repeats": 50, "empty": 100},
        "full": {"frames": 200, "repeats": 50, "empty": 100},
    },
}


class Profile(dict):
    """A lesson's settings, readable as ``cfg["epochs"]`` or ``cfg.epochs``."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"profile setting {key!r} is not defined for this lesson; "
                                 f"defined: {', '.join(self)}") from None


def name() -> str:
    """The active profile's name, from ``COURSE_PROFILE`` (default ``standard``).

    Raises :class:`helpers.paths.SettingError` (a ``ValueError``) for an unknown name, listing the valid ones.
    """
    value = os.environ.get(PROFILE_VAR, "").strip().lower() or DEFAULT
    if value not in PROFILES:
        raise paths.SettingError(f"{PROFILE_VAR}={value!r} is not a run profile; "
                         f"use one of {', '.join(PROFILES)} (default {DEFAULT}).")
    return value


def get(lesson: str, profile: str | None = None) -> Profile:
    """Settings of ``lesson`` (for example ``"01_linear_model"``) in the active profile.

    The result also carries ``profile`` (the profile's name). Every notebook
    calls this through :func:`helpers.session.setup`.
    """
    profile = profile or name()
    if profile not in PROFILES:
        raise ValueError(f"{profile!r} is not a run profile; use one of {', '.join(PROFILES)}.")
    if lesson not in LESSONS:
        raise KeyError(f"no profile settings for lesson {lesson!r}; known lessons: {', '.join(LESSONS)}")
    return Profile({"profile": profile, **LESSONS[lesson][profile]})
