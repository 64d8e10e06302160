"""The Street View House Numbers dataset (SVHN; Netzer et al., 2011) in its two official formats.

* **Format 2**, cropped digits: ``train_32x32.mat``, ``test_32x32.mat``,
  ``extra_32x32.mat``, MATLAB v5 files read with :func:`scipy.io.loadmat`
  (``X`` is ``(32, 32, 3, N)`` uint8, ``y`` is ``(N, 1)`` with 10 meaning 0).
* **Format 1**, whole numbers with a box per digit: ``train.tar.gz``,
  ``test.tar.gz``, ``extra.tar.gz``, each a folder of PNGs plus
  ``digitStruct.mat``, a MATLAB v7.3 (HDF5) file read with h5py.

Files are looked for in the data folder, then in ``COURSE_DATA_MIRROR/svhn``,
then downloaded from the official page (resuming a partial download), and
always checked against the published size and md5 before use. Archives are
extracted safely (no absolute paths, ``..``, links or devices) into a
temporary folder renamed into place when complete; ``digitStruct.mat`` is
parsed once into a JSON cache beside the images.

SVHN is for non-commercial use only; cite Netzer et al. (2011) "Reading Digits
in Natural Images with Unsupervised Feature Learning". Where it cannot be had
(offline), the lessons use :mod:`helpers.standin` instead and say so.
"""

from __future__ import annotations

import functools
import json
import os
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data
from .data import DataError, DataFile, locate  # noqa: F401  (locate: where an SVHN file is, as for MNIST)
from .files import atomic_dir, download_resumable, write_text_atomic
from .machinery import paths

URL = "http://ufldl.stanford.edu/housenumbers/"
FIELDS = ("label", "left", "top", "width", "height")


@dataclass(frozen=True, kw_only=True)
class SvhnFile(DataFile):
    """One official SVHN file (:class:`helpers.data.DataFile` of dataset ``svhn``): also its format (1 or 2) and split.

    Used by notebooks 13-14.
    """

    format: int
    split: str

    @property
    def command(self) -> str:
        return f"python -m helpers data --svhn-format {self.format}"


def _file(name: str, size: int, md5: str, format: int, split: str) -> SvhnFile:
    return SvhnFile("svhn", name, md5, size=size, format=format, split=split)


FILES = {f.name: f for f in (
    _file("train_32x32.mat", 182_040_794, "e26dedcc434d2e4c54c9b2d4a06d8373", 2, "train"),
    _file("test_32x32.mat", 64_275_384, "eb5a983be6a315427106f1b164d9cef3", 2, "test"),
    _file("extra_32x32.mat", 1_329_278_602, "a93ce644f1a588dc4d68dda5feec44a7", 2, "extra"),
    _file("train.tar.gz", 404_141_560, "a649f4cb15c35520e8a8c342d4c0005a", 1, "train"),
    _file("test.tar.gz", 276_555_967, "790d9c8d42f1fcbd219b59956c853a81", 1, "test"),
    _file("extra.tar.gz", 1_955_489_752, "606f41243d71ca4d5fe66dbaf1f02bee", 1, "extra"),
)}


def files_for(formats: str = "both", extra: bool = False) -> list[SvhnFile]:
    """The official files of format ``"1"``, ``"2"`` or ``"both"``; the big ``extra`` split only if asked.

    Used by ``python -m helpers data``.
    """
    if formats not in ("1", "2", "both"):
        raise ValueError(f"SVHN format must be 1, 2 or both, got {formats!r}")
    wanted = {1, 2} if formats == "both" else {int(formats)}
    return [f for f in FILES.values() if f.format in wanted and (extra or f.split != "extra")]


def folder() -> Path:
    """Where downloaded and extracted SVHN files live: ``<data dir>/svhn``. Used by notebooks 13-14."""
    return paths.data_dir() / "svhn"


def fetch(file: SvhnFile, url: str = URL) -> Path:
    """A verified local copy of ``file``: found, or downloaded (resuming), checked, then renamed into place.

    Used by notebooks 13-14.
    """
    path, source = data.locate(file)
    if path is not None:
        data.verify(path, file, source)
        return path
    if paths.offline():
        raise DataError(f"{file.name} is not in {folder()} or the mirror, and downloads are off "
                        f"({paths.OFFLINE_VAR}=1). Download it from {URL} (or run "
                        f"`python -m helpers data --svhn-format {file.format}` online), or use the stand-in.")
    dest = folder() / file.name
    try:
        part = download_resumable(url + file.name, dest, size=file.size)
    except (urllib.error.URLError, OSError) as err:
        raise DataError(f"Could not download {file.name} from {url}: {err}. A partial download is kept as "
                        f"{dest.name}.part and resumes next time; offline, use the stand-in.") from err
    try:
        data.verify(part, file, "download")
    except DataError as err:
        part.unlink(missing_ok=True)
        raise DataError(f"Downloaded {file.name} failed its check and was deleted: {err}") from err
    os.replace(part, dest)
    data.stamp(dest, file)  # the rename keeps size and time: the next run does not hash 2 GB again
    return dest


# ---- format 2: cropped digits --------------------------------------------------------------

def read_cropped(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a ``*_32x32.mat`` file: images ``(N, 32, 32, 3)`` uint8 and labels ``(N,)`` 0-9 (10 becomes 0).

    Taught in ``13_svhn_cropped_digits``.
    """
    from scipy.io import loadmat

    try:
        mat = loadmat(path)
    except (ValueError, OSError, TypeError) as err:
        raise DataError(f"{path} is not a MATLAB v5 file scipy can read ({err}).") from err
    if "X" not in mat or "y" not in mat:
        raise DataError(f"{path} has no X and y arrays (found {sorted(k for k in mat if not k.startswith('__'))}).")
    x, y = mat["X"], mat["y"]
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or y.shape != (x.shape[3], 1):
        raise DataError(f"{path}: X is {x.shape} and y {y.shape}; expected (32, 32, 3, N) and (N, 1).")
    labels = y.ravel().astype(np.uint8)
    if labels.min() < 1 or labels.max() > 10:
        raise DataError(f"{path}: labels range {labels.min()}-{labels.max()}, expected 1-10.")
    labels[labels == 10] = 0
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2)), labels


def load_cropped(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The official cropped digits of ``split`` (``train``, ``test`` or ``extra``), fetched and verified.

    Used by ``13_svhn_cropped_digits``.
    """
    return read_cropped(fetch(FILES[f"{split}_32x32.mat"]))


# ---- format 1: full numbers, safe extraction, digitStruct.mat -------------------------------

def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    if name.startswith(("/", "\\")) or Path(name).is_absolute() or ".." in Path(name).parts:
        raise DataError(f"refusing archive member {name!r}: absolute path or '..' would write outside the target")
    if member.issym() or member.islnk():
        raise DataError(f"refusing archive member {name!r}: links are not allowed in a dataset archive")
    if not (member.isfile() or member.isdir()):
        raise DataError(f"refusing archive member {name!r}: devices and special files are not allowed")


def safe_extract(archive: Path, dest: Path, inside: str | None = None, required: str | None = None) -> Path:
    """Extract ``archive`` into the folder ``dest``, atomically and safely.

    Every member is checked first (absolute paths, ``..``, links and devices
    are refused with :class:`DataError`, and nothing is written); extraction
    then goes to a temporary folder beside ``dest`` (with tarfile's ``data``
    filter where Python has it) that takes ``dest``'s place only when complete
    (:func:`helpers.files.atomic_dir`). ``inside`` extracts only the members
    under that top folder, without it (the official archives hold one folder
    named after the split); ``required`` is a file that must be there, else
    nothing is kept. Returns ``dest``.
    Used by ``14_svhn_multi_digit``.
    """
    archive, dest = Path(archive), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member)
            if inside is not None:
                prefix = inside.rstrip("/") + "/"
                members = [m for m in members if m.name.startswith(prefix)]
                for member in members:
                    member.name = member.name[len(prefix):]
            with atomic_dir(dest) as tmp:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(tmp, members=members, filter="data")
                else:  # pragma: no cover - Python 3.11 before 3.11.4 has no filters; members were checked above
                    tar.extractall(tmp, members=members)
                if required is not None and not (tmp / required).is_file():
                    where = f"{inside}/{required}" if inside else required
                    raise DataError(f"{archive} does not hold {where}. Delete it and fetch it again.")
    except (tarfile.TarError, EOFError, OSError) as err:
        raise DataError(f"{archive} could not be extracted ({err}). Delete it and fetch it again.") from err
    return dest


def _parse_range(path: Path, begin: int, end: int) -> list[dict]:
    """Parse images ``begin:end`` of a digitStruct.mat (one worker's share)."""
    import h5py
    from h5py import h5d, h5r, h5s

    def read(dataset_id) -> np.ndarray:  # one whole-array read, no high-level wrapper objects
        if dataset_id is None:  # what h5py gives for a null or dangling reference
            raise ValueError("a reference that points to nothing")
        array = np.empty(dataset_id.shape, dtype=dataset_id.dtype)
        dataset_id.read(h5s.ALL, h5s.ALL, array)
        return array

    with h5py.File(path, "r") as f:
        names, boxes = f["digitStruct/name"][begin:end, 0], f["digitStruct/bbox"][begin:end, 0]
        fid, entries = f.id, []
        for index, (name_ref, box_ref) in enumerate(zip(names, boxes), start=begin):
            entry, field = {"name": f"image {index + 1}"}, "name"
            try:
                chars = read(h5r.dereference(name_ref, fid)).ravel().astype(np.uint16)
                entry["name"] = chars.tobytes().decode("utf-16-le")
                group = h5r.dereference(box_ref, fid)
                for field in FIELDS:
                    values = read(h5d.open(group, field.encode()))[:, 0]
                    if values.dtype == object:  # k > 1: references to (1, 1) datasets
                        values = [read(h5r.dereference(ref, fid))[0, 0] for ref in values]
                    entry[field] = [int(v) for v in values]
            except (KeyError, ValueError, TypeError, IndexError, OSError, RuntimeError, UnicodeDecodeError) as err:
                raise DataError(f"{path} is damaged at image {index + 1} ({entry['name']}): its {field!r} "
                                f"cannot be read ({type(err).__name__}: {err}). Delete the extracted folder "
                                f"and the archive, and fetch them again.") from None
            entry["label"] = [0 if v == 10 else v for v in entry["label"]]
            entries.append(entry)
    return entries


def parse_digit_struct(path: Path, workers: int | None = None) -> list[dict]:
    """Read a ``digitStruct.mat`` (MATLAB v7.3 / HDF5) into a list, one dict per image.

    Each dict has ``name`` (the PNG's file name) and lists ``label`` (0-9, the
    official 10 becoming 0), ``left``, ``top``, ``width`` and ``height``, one
    entry per digit. The file stores every value behind an object reference;
    this dereferences each one once with h5py's low-level whole-array reads,
    and splits large files across ``workers`` processes (default: one per
    core), which keeps the 33,402-image training file under a minute (see
    ``benchmarks/svhn_digitstruct.py``). Workers are forked only where that
    is safe (Linux, TensorFlow not yet loaded); elsewhere they are spawned.
    A damaged file raises :class:`DataError` naming the file and the image,
    from a worker as from the main process.
    Used by ``14_svhn_multi_digit``.
    """
    import h5py

    try:
        with h5py.File(path, "r") as f:
            count = f["digitStruct/name"].shape[0]
            if f["digitStruct/bbox"].shape[0] != count:
                raise DataError(f"{path}: digitStruct/name and digitStruct/bbox differ in length.")
    except OSError as err:
        raise DataError(f"{path} is not an HDF5 (MATLAB v7.3) file ({err}).") from err
    except KeyError as err:
        raise DataError(f"{path} has no digitStruct/name and digitStruct/bbox datasets.") from err
    if workers is None:  # small files are faster in one process
        workers = min(4, os.cpu_count() or 1) if count >= 2_000 else 1
    workers = max(1, min(workers, count))
    if workers == 1:
        return _parse_range(path, 0, count)
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    # Forking a process that has loaded TensorFlow (its thread pools) can hang the child; macOS
    # and Windows do not fork safely at all. A spawned worker imports only this module.
    safe_to_fork = sys.platform.startswith("linux") and "tensorflow" not in sys.modules
    context = multiprocessing.get_context("fork" if safe_to_fork else "spawn")
    bounds = np.linspace(0, count, workers + 1).astype(int)
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        parts = pool.map(_parse_range, [path] * workers, bounds[:-1], bounds[1:])
        return [entry for part in parts for entry in part]


def annotations(image_folder: Path) -> list[dict]:
    """The parsed ``digitStruct.mat`` of an extracted split, cached as ``digitStruct.json`` beside it.

    Used by ``14_svhn_multi_digit``.
    """
    cache = Path(image_folder) / "digitStruct.json"
    source = Path(image_folder) / "digitStruct.mat"
    if cache.exists() and cache.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        return json.loads(cache.read_text())
    entries = parse_digit_struct(source)
    write_text_atomic(cache, json.dumps(entries))
    return entries


def load_full(split: str = "train") -> tuple[Path, list[dict]]:
    """The whole-number images of ``split``: ``(folder of PNGs, annotations)``, fetched, extracted, parsed.

    Taught in ``14_svhn_multi_digit``.
    """
    archive = fetch(FILES[f"{split}.tar.gz"])
    target = folder() / split
    if not (target / "digitStruct.mat").exists():
        safe_extract(archive, target, inside=split, required="digitStruct.mat")
    return target, annotations(target)


def status(formats: str = "both", extra: bool = False) -> list[tuple[str, str, str]]:
    """``(file, source, size)`` for the SVHN files of ``formats``, without downloading or hashing.

    Used by ``python -m helpers data``.
    """
    return [(file.name, locate(file)[1], f"{file.size / 1e6:,.0f} MB") for file in files_for(formats, extra)]


# ---- real SVHN when it can be had, the stand-in otherwise ------------------------------------

CHOICES = ("auto", "svhn", "standin")
CHOICE_VAR = paths.SVHN_VAR  # auto (default), svhn or standin: what the SVHN lessons read


@functools.lru_cache(maxsize=None)
def _reachable(url: str = URL, timeout: float = 5.0) -> bool:
    """Whether the SVHN server answers at all (asked once per process)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if not with 200
    except (OSError, ValueError):
        return False


def _choice(prefer: str | None) -> str:
    prefer = (prefer or os.environ.get(CHOICE_VAR, "").strip().lower() or "auto")
    if prefer not in CHOICES:
        raise paths.SettingError(f"SVHN choice must be one of {', '.join(CHOICES)} (argument prefer= or {CHOICE_VAR}), "
                         f"got {prefer!r}")
    return prefer


def _use_standin(names: list[str], prefer: str | None) -> bool:
    prefer = _choice(prefer)
    if prefer != "auto":
        return prefer == "standin"
    if all(locate(FILES[name])[0] is not None for name in names):
        return False
    return paths.offline() or not _reachable()


def source(format: int, prefer: str | None = None) -> str:
    """What the lessons will read for SVHN ``format`` (1 or 2): ``"svhn"`` or ``"svhn-standin"``.

    ``prefer`` (default: ``COURSE_SVHN``, else ``auto``) may force either.
    ``auto`` means real SVHN when its files are present or can be
    downloaded, the stand-in when they are absent and the server is
    unreachable or ``COURSE_OFFLINE=1``. This is the ``dataset`` name the
    ledger records.
    Used by notebooks 13-14.
    """
    names = ["train_32x32.mat", "test_32x32.mat"] if format == 2 else ["train.tar.gz", "test.tar.gz"]
    return "svhn-standin" if _use_standin(names, prefer) else "svhn"


def banner(format: int, prefer: str | None = None) -> str:
    """The data part of a notebook's banner: where SVHN comes from, or loudly that it is the stand-in.

    Printed by the Setup cell of notebooks 13-14.
    """
    if source(format, prefer) == "svhn-standin":
        return "data: STAND-IN (synthetic street numbers, not SVHN; see README)"
    names = ["train_32x32.mat", "test_32x32.mat"] if format == 2 else ["train.tar.gz", "test.tar.gz"]
    where = sorted({locate(FILES[n])[1] for n in names})
    return f"data: svhn format {format} from {'+'.join(where)}"


def cropped(split: str = "train", standin_count: int = 10_000, prefer: str | None = None
            ) -> tuple[np.ndarray, np.ndarray, str]:
    """Cropped digits ``(x, y, dataset)`` from real SVHN format 2, or ``standin_count`` stand-in digits.

    ``x`` is ``(N, 32, 32, 3)`` uint8 and ``y`` 0-9 either way; ``dataset`` is
    ``"svhn"`` or ``"svhn-standin"`` for the banner and the ledger. Used by
    ``13_svhn_cropped_digits``.
    """
    from . import standin

    if source(2, prefer) == "svhn-standin":
        return (*standin.cropped(split, standin_count), "svhn-standin")
    return (*load_cropped(split), "svhn")


def full(split: str = "train", standin_count: int = 2_000, prefer: str | None = None) -> tuple[Path, list[dict], str]:
    """Whole numbers ``(folder, annotations, dataset)`` from real SVHN format 1, or the stand-in.

    Used by ``14_svhn_multi_digit``.
    """
    from . import standin

    if source(1, prefer) == "svhn-standin":
        return (*standin.full(split, standin_count), "svhn-standin")
    return (*load_full(split), "svhn")
