"""Finding, fetching, verifying and loading the course's datasets.

Each file is looked for in this order, and the first hit is used:

1. the project's data folder (``data/``, or ``COURSE_DATA_DIR``),
2. an offline mirror named by ``COURSE_DATA_MIRROR`` (a folder laid out like
   ``shared/datasets/``: ``<mirror>/mnist/train-images-idx3-ubyte.gz`` ...),
3. a download into the data folder, with a progress bar: from
   ``COURSE_DATA_URL`` first when it is set (a workshop's own server or a
   ``file://`` folder laid out like the mirror), then from the official
   sources (refused when ``COURSE_OFFLINE=1``).

Every file is checked against its published md5 before use. A corrupt or
truncated file raises :class:`DataError` naming the file and the fix; it is
never used, and a failed download leaves nothing behind.
Taught in ``00_mnist_data``; used by every MNIST notebook.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import zlib
from dataclasses import dataclass
from pathlib import Path

import idx2numpy
import numpy as np

from .machinery import paths
from .files import download, md5_bytes, md5_file, write_text_atomic


class DataError(RuntimeError):
    """A dataset file is missing, corrupt or cannot be fetched; the message says how to fix it.

    Raised by every loader from ``00_mnist_data`` on.
    """


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, as its official table describes it.

    ``md5`` is of the file's uncompressed content (MNIST's table) or, when
    ``size`` is given, of the file itself, whose size is checked first (SVHN's).
    ``shape`` is the shape of the array the file holds, where it holds one.
    Every file of notebooks 00-14 is described by one.
    """

    dataset: str
    name: str
    md5: str
    shape: tuple[int, ...] = ()
    size: int | None = None

    @property
    def command(self) -> str:
        """The command that fetches this file."""
        return "python -m helpers data"


MNIST_FILES = {
    "train_images": DataFile("mnist", "train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb", (60000, 28, 28)),
    "train_labels": DataFile("mnist", "train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624", (60000,)),
    "test_images": DataFile("mnist", "t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea", (10000, 28, 28)),
    "test_labels": DataFile("mnist", "t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637", (10000,)),
}
# Official page first, then the two long-lived public copies of the same files.
MNIST_URLS = (
    "https://yann.lecun.com/exdb/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DATASETS = {"mnist": (MNIST_FILES, MNIST_URLS)}

def locate(file: DataFile) -> tuple[Path | None, str]:
    """Where ``file`` would be read from: ``(path, "local" | "mirror")``, or ``(None, "missing")``.

    ``<data dir>/<dataset>/<name>`` first, then ``<mirror>/<dataset>/<name>``; for MNIST and SVHN alike.
    Taught in ``00_mnist_data``.
    """
    local = paths.data_dir() / file.dataset / file.name
    if local.exists():
        return local, "local"
    mirror = paths.mirror_dir()
    if mirror is not None and (mirror / file.dataset / file.name).exists():
        return mirror / file.dataset / file.name, "mirror"
    return None, "missing"


def fix_hint(file: DataFile, source: str = "local") -> str:
    """What to do about a damaged copy of ``file`` found at ``source`` (the end of every :class:`DataError`).

    Used by every loader from ``00_mnist_data`` on.
    """
    if source == "mirror":
        return f"The offline mirror's copy is damaged: repair the mirror, or unset {paths.MIRROR_VAR} to download instead."
    if source == "download":
        return "The server sent a damaged or different file; nothing was saved."
    return f"Delete it and run `{file.command}` to fetch a fresh copy."


def _stamps_path(file: DataFile) -> Path:
    return paths.data_dir() / file.dataset / ".verified.json"


def _stamps(file: DataFile) -> dict:
    """``{absolute path: [size, mtime_ns, md5]}`` of the files of ``file``'s dataset whose md5 matched."""
    try:
        return json.loads(_stamps_path(file).read_text()) if _stamps_path(file).exists() else {}
    except (json.JSONDecodeError, OSError):
        return {}  # a damaged stamps file only costs one more hash


def stamp(path: Path, file: DataFile) -> None:
    """Record that ``path``, as it is now, holds ``file``'s published md5 (so it is not hashed again).

    Used for the SVHN files of notebooks 13-14.
    """
    stat = Path(path).stat()
    stamps = {key: value for key, value in _stamps(file).items() if Path(key).exists()}  # forget removed files
    stamps[str(Path(path).resolve())] = [stat.st_size, stat.st_mtime_ns, file.md5]
    write_text_atomic(_stamps_path(file), json.dumps(stamps, indent=1))


def verify(path: Path, file: DataFile, source: str = "local") -> bytes | None:
    """Check ``path`` against ``file``'s published checksum; raise :class:`DataError` naming both and the fix.

    A file with a published ``size`` (SVHN's archives, up to 2 GB) is checked
    for its size first (a truncated download fails at once), then hashed in
    chunks; a file whose md5 matched before (same size and modification time)
    is not hashed again; returns ``None``. Otherwise (MNIST's gzip files) the
    uncompressed content is checked and returned. ``source`` (``local``,
    ``mirror`` or ``download``) picks the fix the error suggests. Taught in
    ``00_mnist_data``; used for every file the course reads.
    """
    path, fix = Path(path), fix_hint(file, source)
    if file.size is not None:
        stat = path.stat()
        if stat.st_size != file.size:
            raise DataError(f"{path} has {stat.st_size:,} bytes, expected {file.size:,} (md5 {file.md5}): "
                            f"the file is truncated or not the official {file.name}. {fix}")
        if _stamps(file).get(str(path.resolve())) == [stat.st_size, stat.st_mtime_ns, file.md5]:
            return None
        digest, content = md5_file(path), None
    else:
        try:
            raw = path.read_bytes()
            content = gzip.decompress(raw) if file.name.endswith(".gz") else raw
        except (OSError, EOFError, zlib.error) as err:
            raise DataError(f"{path} is corrupt or truncated ({err}). {fix}") from err
        digest = md5_bytes(content)
    if digest != file.md5:
        what = "of the uncompressed content " if content is not None else ""
        raise DataError(f"{path} failed its checksum: md5 {what}is {digest}, expected {file.md5}. {fix}")
    if content is None and source != "download":
        stamp(path, file)
    return content


def fetch(dataset: str = "mnist") -> dict[str, tuple[Path, str]]:
    """Make sure every file of ``dataset`` is present, downloading what is missing.

    Returns ``{key: (path, source)}`` with source ``local``, ``mirror`` or
    ``downloaded``. Used by :func:`load_mnist` and ``python -m helpers data``.
    """
    if dataset not in DATASETS:
        raise DataError(f"Unknown dataset {dataset!r}; known: {', '.join(DATASETS)}.")
    files, urls = DATASETS[dataset]
    found = {}
    for key, file in files.items():
        path, source = locate(file)
        if path is None:
            path, source = _download(file, urls), "downloaded"
        found[key] = (path, source)
    return found


def _download(file: DataFile, urls: tuple[str, ...]) -> Path:
    dest = paths.data_dir() / file.dataset / file.name
    if paths.offline():
        raise DataError(
            f"{file.name} is not in {dest.parent} and downloads are off ({paths.OFFLINE_VAR}=1). "
            f"Point {paths.MIRROR_VAR} at a folder holding {file.dataset}/{file.name} (an offline mirror, "
            f"for example a workshop's USB stick), copy the file into {dest.parent}, "
            f"or unset {paths.OFFLINE_VAR} to download it.")
    own = paths.data_url()
    if own is not None:
        urls = (own + file.dataset + "/", *urls)
    errors = []
    for base in urls:
        try:
            return download(base + file.name, dest, desc=file.name,
                            verify=lambda tmp: verify(tmp, file, "download"))
        except (urllib.error.URLError, OSError, DataError) as err:
            errors.append(f"{base}: {err}")
    raise DataError(f"Could not download {file.name}; tried:\n  " + "\n  ".join(errors)
                    + f"\nCheck your connection, or set {paths.MIRROR_VAR} to an offline mirror.")


def source_of(dataset: str = "mnist") -> str:
    """One word for the banner: where ``dataset`` is read from (``local``, ``mirror``, ``missing`` or a mix).

    Printed by the Setup cell of every MNIST notebook (``00_mnist_data`` to ``12_localization``).
    """
    files, _ = DATASETS[dataset]
    sources = sorted({locate(file)[1] for file in files.values()})
    return "+".join(sources)


def load_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, uint8 arrays.

    Images are ``(N, 28, 28)`` with pixels 0-255, labels ``(N,)`` digits 0-9;
    60,000 training and 10,000 test images, read from the four official IDX
    files with idx2numpy after checking their md5. Taught in ``00_mnist_data``.
    """
    arrays = {}
    for key, (path, source) in fetch("mnist").items():
        file = MNIST_FILES[key]
        array = idx2numpy.convert_from_string(verify(path, file, source))  # the checksum vouches for the format
        if array.shape != file.shape:
            raise DataError(f"{path} holds shape {array.shape}, expected {file.shape}. {fix_hint(file, source)}")
        arrays[key] = array
    return ((arrays["train_images"], arrays["train_labels"]),
            (arrays["test_images"], arrays["test_labels"]))


def split_validation(x: np.ndarray, y: np.ndarray, size: int = 5000):
    """Split the last ``size`` training examples off as a validation set.

    Returns ``(x_train, y_train), (x_valid, y_valid)``: 55,000 / 5,000 for
    MNIST, the split every lesson tunes on (the test set is for the final
    figure only). Taught in ``00_mnist_data``.
    """
    if not 0 < size < len(x):
        raise ValueError(f"validation size must be between 1 and {len(x) - 1}, got {size}")
    return (x[:-size], y[:-size]), (x[-size:], y[-size:])


def check(dataset: str = "mnist") -> list[tuple[str, str, str]]:
    """Verify the files of ``dataset`` that are present, downloading nothing.

    Returns rows ``(file, source, status)``; status is ``ok``, ``missing`` or
    the error. Used by ``python -m helpers data --check``.
    Used by ``python -m helpers data``.
    """
    files, _ = DATASETS[dataset]
    rows = []
    for file in files.values():
        path, source = locate(file)
        if path is None:
            rows.append((file.name, source, "missing"))
            continue
        try:
            verify(path, file, source)
            rows.append((file.name, source, "ok"))
        except DataError as err:
            rows.append((file.name, source, str(err)))
    return rows


def mnist_statistics() -> tuple[float, float]:
    """Mean and standard deviation of the 55,000 training-split pixels (0-255), as Python floats.

    The statistics :func:`load_mnist_splits` standardizes with (taught in
    ``00_mnist_data``); ``07_learning_rate_annealing`` stores them on its saved
    model's card, so that ``python -m helpers app`` prepares drawings the same way.
    """
    (x_full, y_full), _ = load_mnist()
    (x_train, _), _ = split_validation(x_full, y_full)
    return pixel_statistics(x_train)


def pixel_statistics(x: np.ndarray, chunk: int = 4096) -> tuple[float, float]:
    """Mean and standard deviation of all pixels of uint8 images ``x``, from their histogram.

    Counting how often each of the 256 values occurs, a few thousand images at a
    time, gives the same figures as ``x.mean()`` and ``x.std()`` (taught in
    ``00_mnist_data``) without ``x.std()``'s float64 copy of every image, which is
    345 MB for MNIST's 55,000 (it set the peak memory of ``13_svhn_cropped_digits``).
    Used by :func:`load_mnist_splits`.
    """
    if x.dtype != np.uint8:
        raise TypeError(f"pixel_statistics counts uint8 pixels, got {x.dtype} images; pass the images as loaded")
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, len(x), chunk):
        counts += np.bincount(x[start:start + chunk].reshape(-1), minlength=256)
    values = np.arange(256, dtype=np.float64)
    total = counts.sum()
    mean = counts @ values / total
    return float(mean), float(np.sqrt(counts @ (values - mean) ** 2 / total))


def load_mnist_splits(train_size: int | None = None, channel_axis: bool = False, eval_size: int | None = None):
    """MNIST ready to train on: ``(x_train, y_train), (x_valid, y_valid), (x_test, y_test)``.

    55,000 / 5,000 / 10,000 images (``train_size`` keeps only the first
    training images, for the smaller profiles), standardized with the mean and
    standard deviation of the 55,000 training-split images (never the
    validation or test images) as taught in ``00_mnist_data``, float32. ``eval_size`` keeps only the first validation
    and test images (the ``smoke`` profile, to stay fast; always the same
    images). ``channel_axis=True`` adds the trailing channel
    axis convolutions expect, ``(N, 28, 28, 1)``. Labels stay integer digits.
    Used from ``02_dense_networks`` on.
    """
    (x_full, y_full), (x_test, y_test) = load_mnist()
    (x_train, y_train), (x_valid, y_valid) = split_validation(x_full, y_full)
    mean, std = pixel_statistics(x_train)  # Python floats keep float32 arrays float32
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_valid, y_valid, x_test, y_test = x_valid[:eval_size], y_valid[:eval_size], x_test[:eval_size], y_test[:eval_size]

    def prepare(x):
        x = (x.astype("float32") - mean) / std
        return x[..., None] if channel_axis else x

    return (prepare(x_train), y_train), (prepare(x_valid), y_valid), (prepare(x_test), y_test)
