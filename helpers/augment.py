"""Augmentation in one warp: rotation, zoom and shear composed into one affine map per image.

Taught in ``06_data_augmentation`` (section 1), where the three Keras layers it replaces are
shown first; used by the augmented models of notebooks 06-09.

Keras's ``RandomRotation``, ``RandomZoom`` and ``RandomShear`` each resample the whole batch:
three interpolations, three passes over memory, and three times the blur of bilinear
resampling. Each of them is an affine map, so their composition is one affine map too.
:class:`RandomAffine` draws the same three random factors, multiplies the three 3×3
matrices, and resamples once with ``keras.ops.image.affine_transform``.
"""

from __future__ import annotations

import math

import keras
from keras import ops


def affine_matrices(angle, zoom, shear_x, shear_y, height: int, width: int):
    """The 3×3 maps (output pixel → input pixel) of rotation, then zoom, then shear, composed.

    ``angle`` is in radians, ``zoom`` a scale (1 = unchanged), ``shear_x``/``shear_y``
    slopes; all are 1-D tensors with one value per image. The conventions are Keras's
    own: rotation and zoom turn about the image centre, shear about the top-left
    corner, as ``RandomShear`` does. Returns a tensor of shape ``(batch, 3, 3)``.
    Taught in ``06_data_augmentation``.
    """
    cy, cx = (height - 1) / 2, (width - 1) / 2
    one, zero = ops.ones_like(angle), ops.zeros_like(angle)
    cos, sin = ops.cos(angle), ops.sin(angle)

    def matrix(rows):  # nine per-image values, row by row -> (batch, 3, 3)
        return ops.reshape(ops.stack(rows, axis=-1), (-1, 3, 3))

    rotate = matrix([cos, -sin, cx - cx * cos + cy * sin,
                     sin, cos, cy - cx * sin - cy * cos,
                     zero, zero, one])
    scale = matrix([zoom, zero, cx * (1 - zoom),
                    zero, zoom, cy * (1 - zoom),
                    zero, zero, one])
    shear = matrix([one, shear_x, zero,
                    shear_y, one, zero,
                    zero, zero, one])
    # The first layer's map is applied last to the output coordinates: R(Z(S(p))).
    return ops.matmul(ops.matmul(rotate, scale), shear)


@keras.saving.register_keras_serializable(package="course")
class RandomAffine(keras.layers.Layer):
    """Random rotation, zoom and shear of a batch of images, in one resampling.

    ``rotation`` is a fraction of a full turn (as in ``RandomRotation``: ``10 / 360`` is
    ±10°), ``zoom`` the largest relative change of scale (``RandomZoom(zoom)``), and
    ``shear`` the largest slope in each direction (``RandomShear(shear, shear)``). Each
    factor is drawn uniformly per image, exactly as the three Keras layers draw it, so
    the distribution of transforms is theirs. Active only in training, like every Keras
    augmentation layer. Taught in ``06_data_augmentation``; used by 06-09.
    """

    def __init__(self, rotation: float = 10 / 360, zoom: float = 0.1, shear: float = 0.1,
                 fill_value: float = 0.0, interpolation: str = "bilinear", seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("rotation", rotation), ("zoom", zoom), ("shear", shear)):
            if not 0 <= value < 1:
                raise ValueError(f"RandomAffine: {name}={value!r} must be in [0, 1) "
                                 f"(rotation is a fraction of a full turn: 10 / 360 is ±10 degrees)")
        self.rotation, self.zoom, self.shear = rotation, zoom, shear
        self.fill_value, self.interpolation, self.seed = fill_value, interpolation, seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, images, training=None):
        if not training:
            return images
        batch = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]

        def uniform(limit):
            return keras.random.uniform((batch,), -limit, limit, seed=self.seed_generator)

        angle = uniform(2 * math.pi * self.rotation)
        zoom = 1 + uniform(self.zoom)
        maps = affine_matrices(angle, zoom, uniform(self.shear), uniform(self.shear), height, width)
        # affine_transform wants the first eight entries of each 3x3 map, row by row.
        transform = ops.reshape(maps, (-1, 9))[:, :8]
        out = ops.image.affine_transform(ops.cast(images, "float32"), transform, interpolation=self.interpolation,
                                         fill_mode="constant", fill_value=self.fill_value)
        return ops.cast(out, images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rotation": self.rotation, "zoom": self.zoom, "shear": self.shear,
                "fill_value": self.fill_value, "interpolation": self.interpolation, "seed": self.seed}
