"""The one-warp augmentation layer (notebook 06): Keras's transforms, composed, resampled once."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from keras import layers, ops

from helpers import augment, models

SIZE = 28


def smooth_images(n=4, seed=0):
    """Blurry blobs: smooth enough that bilinear resampling twice or once differ only slightly."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    images = np.zeros((n, SIZE, SIZE, 1), "float32")
    for i in range(n):
        for _ in range(3):
            cy, cx = rng.uniform(8, 20, 2)
            images[i, ..., 0] += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 18)
    return images


def warp(images, matrices, interpolation="bilinear"):
    transform = ops.reshape(ops.convert_to_tensor(matrices, "float32"), (-1, 9))[:, :8]
    return ops.convert_to_numpy(ops.image.affine_transform(images, transform, interpolation=interpolation,
                                                           fill_mode="constant", fill_value=0.0))


def one(value, n=4):
    return ops.convert_to_tensor(np.full(n, value, "float32"))


def test_rotation_and_zoom_match_keras_layers():
    """Fixed factors: the composed map moves pixels exactly where RandomRotation then RandomZoom do."""
    images = smooth_images()
    angle_turns, zoom = 7 / 360, 0.92
    maps = augment.affine_matrices(one(2 * math.pi * angle_turns), one(zoom), one(0.0), one(0.0), SIZE, SIZE)
    ours = warp(images, maps)
    keras_out = images
    for layer in (layers.RandomRotation((angle_turns, angle_turns), fill_mode="constant"),
                  layers.RandomZoom((zoom - 1, zoom - 1), fill_mode="constant")):
        keras_out = ops.convert_to_numpy(layer(keras_out, training=True))
    # Resampling twice blurs a little more than once (about 0.003 on average here); a wrong sign of the
    # angle or an inverted zoom is off by about 0.07.
    assert np.abs(ours - keras_out).mean() < 0.01


def test_shear_is_keras_shear_about_the_corner():
    maps = ops.convert_to_numpy(augment.affine_matrices(one(0.0, 1), one(1.0, 1), one(0.1, 1), one(-0.05, 1),
                                                        SIZE, SIZE))
    np.testing.assert_allclose(maps[0], [[1, 0.1, 0], [-0.05, 1, 0], [0, 0, 1]], atol=1e-6)


def test_one_warp_equals_three_in_a_row():
    """Applying the three maps one after another and their product once give the same image."""
    images = smooth_images()
    angle, zoom, sx, sy = one(0.5), one(1.3), one(0.3), one(-0.25)  # large, so that the order matters
    rotate = augment.affine_matrices(angle, one(1.0), one(0.0), one(0.0), SIZE, SIZE)
    scale = augment.affine_matrices(one(0.0), zoom, one(0.0), one(0.0), SIZE, SIZE)
    shear = augment.affine_matrices(one(0.0), one(1.0), sx, sy, SIZE, SIZE)
    in_a_row = warp(warp(warp(images, rotate), scale), shear)
    once = warp(images, augment.affine_matrices(angle, zoom, sx, sy, SIZE, SIZE))
    reversed_order = warp(images, ops.matmul(ops.matmul(shear, scale), rotate))
    assert np.abs(once - in_a_row).mean() < 0.01  # only the extra blur of resampling three times (about 0.003)
    assert np.abs(reversed_order - in_a_row).mean() > 0.03  # the other order is another transform (about 0.08)


def test_layer_trains_only_and_draws_within_its_ranges():
    images = smooth_images(64)
    layer = augment.RandomAffine(10 / 360, 0.1, 0.1, seed=3)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(images)), images)  # inference: untouched
    out = ops.convert_to_numpy(layer(images, training=True))
    assert out.shape == images.shape and out.dtype == np.float32
    changed = np.abs(out - images).reshape(64, -1).max(axis=1)
    assert (changed > 1e-3).mean() > 0.9  # nearly every image moved...
    assert np.abs(out.sum(axis=(1, 2, 3)) / images.sum(axis=(1, 2, 3)) - 1).max() < 0.5  # ...but by a little
    again = ops.convert_to_numpy(layer(images, training=True))
    assert not np.allclose(again, out)  # fresh factors at every call


def test_bad_factor_says_what_to_give():
    with pytest.raises(ValueError, match="rotation=10 must be in"):
        augment.RandomAffine(rotation=10)


def test_saved_model_with_the_layer_loads(course_env, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(course_env / "models"))
    model = keras.Sequential([keras.Input((SIZE, SIZE, 1)), augment.RandomAffine(fill_value=-0.4, seed=1),
                              layers.Flatten(), layers.Dense(10, activation="softmax")])
    models.save(model, "mnist_digit", profile="smoke")
    loaded = models.load("mnist_digit")
    config = loaded.layers[0].get_config()
    assert isinstance(loaded.layers[0], augment.RandomAffine) and config["fill_value"] == -0.4
    images = smooth_images()
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
