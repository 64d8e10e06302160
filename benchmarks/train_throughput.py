"""Training throughput of the course's model 9 (VGG-style + BatchNorm + dropout), one epoch each way.

    python benchmarks/train_throughput.py [--batch-size 128] [--train-size N] [--repeats 2] [--onednn on|off]

In one process it times one epoch on the 55,000 training images. With ``--repeats``
above 1 it times the paths in turn, round after round, and keeps each path's fastest
epoch: a shared machine's speed can drift for minutes at a time, and taking turns keeps
a slow spell from landing on one path only. The paths:

1. bare Keras: ``model.fit`` on NumPy arrays, nothing else;
2. the course's path, exactly as notebook 05 trains: ``data.load_mnist_splits``,
   validation data, the ``TrainAccuracy`` callback, one log line per epoch;
3. Keras's three augmentation layers (``RandomRotation``, ``RandomZoom``, ``RandomShear``)
   in front of the same model: what notebooks 06-09 used before the one-warp layer;
4. the one-warp layer of notebooks 06-09 (``helpers.augment.RandomAffine``: the same
   transforms, composed and resampled once) in front of the same model;
5. bare ``fit`` under Keras mixed precision (``mixed_bfloat16``): worth it only on CPUs with
   bfloat16 arithmetic (AVX512_BF16 or AMX); the first line says whether this one has it;
6. the same model in plain PyTorch, if torch is installed (``pip install -e .[bench]``).

``--accuracy-epochs N`` then trains model 9 for N epochs in float32 and in mixed_bfloat16
(same seed, same data) and prints both test accuracies: the accuracy side of adopting
bfloat16.

It prints images/s, the ratios, and the share of this machine's float32 peak
(measured with a large NumPy matmul; the model costs about 14.5 MFLOP per
training image: forward and backward). Not part of the test run.

``--onednn on`` sets ``TF_ENABLE_ONEDNN_OPTS=1`` before TensorFlow loads (``off``
sets 0). By default the course's setting holds: on, on x86 CPUs (``helpers/__init__.py``),
unless ``TF_ENABLE_ONEDNN_OPTS`` is already set. The first line says which it ran with.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import helpers  # noqa: F401  (quiets TensorFlow's start-up logs before Keras loads it)

FLOP_PER_IMAGE = 14.5e6
BARE = "bare model.fit (numpy arrays)"
BLOCKS = [(2, 7, 0.1), (2, 14, 0.2), (3, 28, 0.3), (3, 56, 0.4)]


def numpy_peak_gflops(n: int = 4096, repeats: int = 5) -> float:
    """Best float32 GEMM rate of NumPy's BLAS on this machine, in GFLOP/s."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b  # warm-up
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def onednn_state() -> str:
    """Whether TensorFlow's oneDNN kernels are on in this process ("unknown" if it cannot tell)."""
    try:  # a private TensorFlow module: the only runtime check there is
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return "unknown"
    return "on" if _pywrap_util_port.IsMklEnabled() else "off"


def cpu_bfloat16() -> str:
    """Which bfloat16 arithmetic this CPU offers (``doctor.cpu_features``; "unknown" where it cannot be read)."""
    from helpers.machinery import doctor

    flags = doctor.cpu_features()
    if flags is None:
        return "unknown"
    found = [name for name in ("avx512_bf16", "amx_bf16") if name in flags]
    return "+".join(found) if found else "none"


def keras_model(augment: str | None, background: float, dtype_policy: str | None = None):
    """Model 9 (notebook 05); ``augment`` "layers" (three Keras layers) or "warp" (one) puts augmentation in front."""
    import keras
    from keras import layers

    from helpers.augment import RandomAffine

    keras.config.set_dtype_policy(dtype_policy or "float32")
    model = keras.Sequential([keras.Input((28, 28, 1))])
    if augment == "layers":  # notebooks 06-09 before the one-warp layer
        fill = {"fill_mode": "constant", "fill_value": background}
        model.add(layers.RandomRotation(10 / 360, seed=42, **fill))
        model.add(layers.RandomZoom(0.1, seed=43, **fill))
        model.add(layers.RandomShear(0.1, 0.1, seed=44, **fill))
    elif augment == "warp":  # notebooks 06-09
        model.add(RandomAffine(10 / 360, 0.1, 0.1, fill_value=background, seed=42))
    for n_convs, filters, rate in BLOCKS:  # notebook 05
        for _ in range(n_convs):
            model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        model.add(layers.MaxPooling2D())
        model.add(layers.BatchNormalization())
        model.add(layers.Dropout(rate))
    model.add(layers.Flatten())
    model.add(layers.Dense(100, activation="sigmoid"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation="softmax", dtype="float32"))  # float32 softmax under mixed precision
    keras.config.set_dtype_policy("float32")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def keras_epoch(model, x, y, batch_size, **fit_kwargs):
    """A function timing one epoch of ``model`` (seconds), after a short warm-up fit that traces the training step."""
    model.fit(x[: 8 * batch_size], y[: 8 * batch_size], batch_size=batch_size, epochs=1, verbose=0)
    return lambda: _timed(lambda: model.fit(x, y, batch_size=batch_size, epochs=1, **fit_kwargs))


def course_path(x_train, y_train, x_valid, y_valid, batch_size, background):
    """A function timing one epoch trained exactly as notebook 05 trains: validation data, callback, one log line."""
    import keras

    class TrainAccuracy(keras.callbacks.Callback):  # as defined in notebook 05
        def __init__(self, x, y):
            super().__init__()
            self.x, self.y, self.scores = x, y, []

        def on_epoch_end(self, epoch, logs=None):
            self.scores.append(self.model.evaluate(self.x, self.y, batch_size=1000, verbose=0)[1])

    keras.utils.set_random_seed(42)
    model = keras_model(None, background)
    return keras_epoch(model, x_train, y_train, batch_size, validation_data=(x_valid, y_valid),
                       callbacks=[TrainAccuracy(x_train[:5000], y_train[:5000])], verbose=2)


def torch_epoch(x, y, batch_size):
    """A function timing one epoch of the same model in plain PyTorch (None when torch is not installed)."""
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.manual_seed(42)
    torch.set_num_threads(os.cpu_count() or 1)
    modules, channels = [], 1
    for n_convs, filters, rate in BLOCKS:
        for _ in range(n_convs):
            modules += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU()]
            channels = filters
        modules += [nn.MaxPool2d(2), nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01), nn.Dropout(rate)]
    modules += [nn.Flatten(), nn.Linear(56, 100), nn.Sigmoid(), nn.Dropout(0.5), nn.Linear(100, 10)]
    model = nn.Sequential(*modules)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y.astype(np.int64))

    def epoch(n):
        model.train()
        order = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()

    epoch(min(8 * batch_size, len(xt)))  # warm-up
    return lambda: _timed(lambda: epoch(len(xt)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-size", type=int, default=None, help="default: all 55,000 training images")
    parser.add_argument("--repeats", type=int, default=2, help="rounds of one epoch per path; the fastest counts")
    parser.add_argument("--accuracy-epochs", type=int, default=0,
                        help="then train float32 and mixed_bfloat16 for this many epochs each and compare test accuracy")
    parser.add_argument("--onednn", choices=("on", "off"), default=None,
                        help="force TensorFlow's oneDNN kernels on or off (default: the course's setting, on x86 on)")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, not {args.repeats}")
    if args.onednn:  # read once, when TensorFlow loads: set it before the first import
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1" if args.onednn == "on" else "0"

    import keras

    from helpers import data

    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = data.load_mnist_splits(args.train_size,
                                                                                        channel_axis=True)
    n, bs, repeats = len(x_train), args.batch_size, args.repeats
    background = float(x_train.min())
    peak = numpy_peak_gflops()
    onednn = onednn_state() if keras.backend.backend() == "tensorflow" else "n/a"
    print(f"{n:,} images, batch {bs}, Keras {keras.__version__} on {keras.backend.backend()} (oneDNN {onednn}), "
          f"{os.cpu_count()} CPU cores, bfloat16 arithmetic: {cpu_bfloat16()}; NumPy float32 matmul peak {peak:.0f} GFLOP/s; "
          f"fastest epoch of {repeats} round{'s' if repeats > 1 else ''} per path")

    def seeded(augment=None, policy=None):
        keras.utils.set_random_seed(42)
        return keras_model(augment, background, policy)

    paths = {BARE: keras_epoch(seeded(), x_train, y_train, bs, verbose=0)}
    paths["course path (as notebook 05)"] = course_path(x_train, y_train, x_valid, y_valid, bs, background)
    paths["+ three augmentation layers"] = keras_epoch(seeded("layers"), x_train, y_train, bs, verbose=0)
    paths["+ one-warp augmentation (06-09)"] = keras_epoch(seeded("warp"), x_train, y_train, bs, verbose=0)
    paths["bare fit, mixed_bfloat16"] = keras_epoch(seeded(None, "mixed_bfloat16"), x_train, y_train, bs, verbose=0)
    torch_run = torch_epoch(x_train, y_train, bs)
    if torch_run is not None:
        paths["plain PyTorch"] = torch_run
    rounds = {name: [] for name in paths}
    for _ in range(repeats):  # in turn, so that a slow spell of the machine hits every path alike
        for name, run in paths.items():
            rounds[name].append(run())
    timings = {name: min(seconds) for name, seconds in rounds.items()}

    bare = n / timings[BARE]
    print(f"\n{'path':38} {'s/epoch':>8} {'slowest':>8} {'images/s':>9} {'vs bare':>8} {'% of peak':>9}")
    for name, seconds in timings.items():
        rate = n / seconds
        print(f"{name:38} {seconds:8.1f} {max(rounds[name]):8.1f} {rate:9.0f} {rate / bare:8.2f} "
              f"{100 * rate * FLOP_PER_IMAGE / 1e9 / peak:8.1f}%")
    if torch_run is None:
        print("plain PyTorch: skipped (install it with `pip install -e .[bench]`)")
    for name in ("+ three augmentation layers", "+ one-warp augmentation (06-09)"):
        extra = timings[name] - timings[BARE]
        print(f"{name[2:]} cost {extra:.1f} s per epoch ({100 * extra / timings[BARE]:.0f}% on top of bare fit)")
    if args.accuracy_epochs:
        print(f"\ntest accuracy after {args.accuracy_epochs} epochs (same seed and data):")
        for policy in ("float32", "mixed_bfloat16"):
            model = seeded(None, policy)
            model.fit(x_train, y_train, batch_size=bs, epochs=args.accuracy_epochs, verbose=0)
            accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]
            print(f"  {policy:15} {accuracy:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
