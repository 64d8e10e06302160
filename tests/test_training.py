"""Parameter counts and the stopwatch used by every model lesson."""

from __future__ import annotations

import time

import keras
from keras import layers

from helpers import training


def test_count_trainable_ignores_batchnorm_statistics():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.BatchNormalization(), layers.Dense(2)])
    assert training.count_trainable(model) == (4 * 3 + 3) + 2 * 3 + (3 * 2 + 2)
    assert model.count_params() == training.count_trainable(model) + 2 * 3  # moving mean and variance


def test_stopwatch_measures_the_block():
    with training.stopwatch() as watch:
        time.sleep(0.05)
    assert 0.04 < watch.seconds < 2
