"""Trained models the lessons hand on: saved by notebooks 07, 11, 13 and 14; used by 15, ``predict`` and the app.

Models are stored in Keras's native ``.keras`` format in the gitignored
``models/`` folder (``COURSE_MODELS_DIR`` moves it), each with a small JSON
card saying which notebook, profile and dataset produced it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from .files import atomic_path, write_text_atomic
from .machinery import paths

# name -> the notebook that trains it (what to run when it is missing)
PRODUCERS = {"mnist_digit": "07_learning_rate_annealing", "mnist_sequence": "11_ctc_sequences",
             "svhn_digit": "13_svhn_cropped_digits", "svhn_number": "14_svhn_multi_digit",
             "svhn_locator": "14_svhn_multi_digit"}


class MissingModel(FileNotFoundError):
    """A trained model is not there yet; the message names the notebook that makes it.

    Raised in ``15_your_own_photos`` and by ``python -m helpers predict``.
    """


def path(name: str) -> Path:
    """Where model ``name`` is saved: ``models/<name>.keras``. Used by notebooks 13-15."""
    return paths.models_dir() / f"{name}.keras"


def save(model, name: str, **card) -> Path:
    """Save ``model`` as ``name`` atomically (a temporary file renamed into place) with its card.

    ``card`` holds facts worth keeping beside the weights (profile, dataset,
    test accuracy, and what the input must look like). Called at the end of notebooks 07, 11, 13 and 14.
    """
    target = path(name)
    with atomic_path(target, suffix=".keras") as tmp:
        model.save(tmp)
    write_text_atomic(target.with_suffix(".json"),
                      json.dumps({"name": name, "notebook": PRODUCERS.get(name), **card}, indent=2))
    return target


def card(name: str) -> dict:
    """The JSON card saved with model ``name`` (empty when there is none).

    Read by ``15_your_own_photos`` and ``python -m helpers predict``.
    """
    card_path = path(name).with_suffix(".json")
    return json.loads(card_path.read_text()) if card_path.exists() else {}


def load(name: str):
    """Load model ``name``; raise :class:`MissingModel` naming the notebook to run when it is absent.

    Used by ``15_your_own_photos`` and ``python -m helpers predict``.
    """
    target = path(name)
    if not target.exists():
        notebook = PRODUCERS.get(name, "the notebook that trains it")
        raise MissingModel(f"No trained model {name!r} at {target}. Run notebook {notebook} first, for example "
                           f"`python -m helpers run {notebook[:2]}` (its smoke profile is enough to try things).")
    import keras

    from . import augment  # noqa: F401  (registers RandomAffine, the augmentation saved in notebook 07's model)

    with _symmetric_shear_factors(keras):
        return keras.saving.load_model(target)


@contextmanager
def _symmetric_shear_factors(keras):
    """Let Keras load the ``RandomShear`` layers it saved (in models saved before the one-warp layer).

    Keras 3.15's ``RandomShear.get_config`` writes a factor of 0.1 as the range
    ``[-0.1, 0.1]``, which its constructor then refuses ("should be in the range
    [0, 1.0]"), so a saved model with that layer does not load. While loading,
    a symmetric range is turned back into the factor it came from.
    """
    layer = keras.layers.RandomShear
    own = layer.__dict__.get("from_config")  # None: inherited from Layer
    inherited = layer.from_config.__func__

    def from_config(cls, config):
        config = dict(config)
        for key in ("x_factor", "y_factor"):
            value = config.get(key)
            if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] == -value[1]:
                config[key] = value[1]
        return inherited(cls, config)

    layer.from_config = classmethod(from_config)
    try:
        yield
    finally:
        if own is None:
            del layer.from_config
        else:
            layer.from_config = own
