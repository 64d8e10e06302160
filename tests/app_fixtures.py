"""Tiny untrained models with the inputs, outputs and cards of the ones the notebooks save, for the app's tests.

They are built in a second and saved with :func:`helpers.models.save`, so the
app loads them exactly as it loads the real ones; their readings are
arbitrary (the tests check the plumbing, not the accuracy).
"""

from __future__ import annotations

import keras
from keras import layers

from helpers import models

SEQUENCE_WIDTH = 168


def _house_models():
    photo = keras.Input((128, 256, 3))
    h = layers.GlobalAveragePooling2D()(layers.Rescaling(1 / 255)(photo))
    locator = keras.Model(photo, {"box": layers.Dense(4, activation="sigmoid", name="box")(h)}, name="tiny_locator")
    crop = keras.Input((54, 54, 3))
    h = layers.GlobalAveragePooling2D()(layers.Rescaling(1 / 255)(crop))
    digits = layers.Softmax(name="digits")(layers.Reshape((5, 11))(layers.Dense(55)(h)))
    reader = keras.Model(crop, {"length": layers.Dense(5, activation="softmax", name="length")(h), "digits": digits,
                                "box": layers.Dense(4, activation="sigmoid", name="box")(h)}, name="tiny_reader")
    return locator, reader


def save_tiny_models(which=("house", "digit", "sequence")) -> None:
    """Save tiny models for the readers named in ``which`` into the models folder (``COURSE_MODELS_DIR``)."""
    keras.utils.set_random_seed(0)
    if "house" in which:
        locator, reader = _house_models()
        models.save(locator, "svhn_locator", profile="test", dataset="svhn-standin", input="128x256 RGB photo, 0-255")
        models.save(reader, "svhn_number", profile="test", dataset="svhn-standin", input="54x54 RGB crop, 0-255")
    if "digit" in which:
        digit = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="softmax")])
        models.save(digit, "mnist_digit", profile="test", dataset="mnist", input_height=28, input_width=28,
                    pixel_mean=33.33, pixel_std=78.59)
    if "sequence" in which:
        image = keras.Input((28, SEQUENCE_WIDTH, 1))
        image = keras.Input((28, None, 1))  # any width, as notebook 11's reader
        h = layers.Conv2D(4, 3, strides=(4, 4), padding="same")(image)            # (7, W / 4, 4)
        h = layers.Permute((2, 1, 3))(h)
        h = layers.Reshape((-1, 7 * 4))(h)
        sequence = keras.Model(image, layers.Dense(11, activation="softmax")(h), name="tiny_ctc")
        models.save(sequence, "mnist_sequence", profile="test", dataset="mnist sequences", input_height=28,
                    input_width=SEQUENCE_WIDTH, any_width=True, blank_class=0)
