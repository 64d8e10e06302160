"""Safe file plumbing: atomic writes, checksums and downloads with a progress bar.

Nothing here writes a half-finished file where a reader could find it: every
write goes to a temporary file beside its destination and is renamed into
place only once it is complete (and, for downloads, verified).
Used under every module that reads or writes data, models or results.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm.auto import tqdm


@contextmanager
def progress(total: int, desc: str, enabled: bool = True, unit: str = "it"):
    """A progress bar in a terminal; elsewhere (a notebook, a log) a start line and an end line, nothing else.

    Yields a ``tqdm`` bar to ``update``. In a notebook a live bar would be saved
    with the outputs as debris ("0%| 0/24000"); the two plain lines read
    cleanly there and on GitHub. Used by :mod:`helpers.standin` and
    :func:`helpers.boxes.number_arrays` (notebooks 13-15).
    """
    live = enabled and sys.stderr.isatty()
    if enabled and not live:
        print(f"{desc}: {total:,} ...", flush=True)
    start = time.perf_counter()
    with tqdm(total=total, desc=desc, unit=unit, mininterval=2, disable=not live) as bar:
        yield bar
    if enabled and not live:
        print(f"{desc}: {total:,} done in {time.perf_counter() - start:.0f} s", flush=True)


@contextmanager
def atomic_path(dest: Path, suffix: str = ".part") -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it onto ``dest`` on success.

    If the ``with`` block raises, the temporary file is removed and ``dest`` is
    left exactly as it was. ``suffix`` is the temporary file's ending, for
    writers that insist on one (``model.save`` wants ``.keras``, ``np.savez``
    adds ``.npz`` unless it is there). Every file the course writes goes
    through here: the ledger, reports, models, stand-in caches, sample photos.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_dir(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; put it in place of ``dest`` on success.

    The folder counterpart of :func:`atomic_path`, for extracted archives and
    the stand-in's photo folders: a reader finds the old folder or the complete
    new one, never a half-written one. On error the temporary folder goes and
    ``dest`` is left as it was.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # as an ordinary folder would be, not mkdtemp's owner-only 0700
    old = dest.with_name(f".{dest.name}.old")
    try:
        yield tmp
        shutil.rmtree(old, ignore_errors=True)
        if dest.exists():
            os.replace(dest, old)  # two renames: the old folder stays whole until the new one is in place
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def locked(path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (an empty ``.<name>.lock`` file beside it) for a ``with`` block.

    For read-modify-write updates that two processes may make at once: notebooks
    run in parallel under ``make test`` record into the same ledger. Uses
    ``fcntl.flock`` on Linux and macOS and ``msvcrt.locking`` on Windows; the lock
    goes with the process, so a crash never leaves it held. Waits at most
    ``timeout`` seconds, then raises ``TimeoutError`` naming the lock file.
    """
    lock_path = Path(path).with_name(f".{Path(path).name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                _lock(handle)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock_path} stayed locked for {timeout:.0f} s: another course process "
                                       f"is writing {Path(path).name}; wait for it, or stop it and retry") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(handle)


if sys.platform == "win32":
    import msvcrt

    def _lock(handle):
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle):
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(handle):
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle):
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (the ledger, reports, run state)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def md5_bytes(data: bytes) -> str:
    """Hex md5 of ``data`` (checksums in the datasets' official tables are md5)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def download(url: str, dest: Path, verify: Callable[[Path], None] | None = None,
             desc: str | None = None, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest`` with a progress bar, atomically.

    ``verify(tmp_path)`` runs on the finished download before it is renamed
    into place; if it raises, nothing is written at ``dest``.
    """
    dest = Path(dest)
    with atomic_path(dest) as tmp:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=desc or dest.name) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
        if verify is not None:
            verify(tmp)
    return dest


def md5_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex md5 of a file, read in 4 MiB chunks (the SVHN files are up to 2 GB)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def download_resumable(url: str, dest: Path, size: int | None = None, desc: str | None = None,
                       timeout: float = 60) -> Path:
    """Download ``url`` into ``dest.part``, resuming a previous partial download; return the part file.

    An existing ``.part`` file is continued with an HTTP ``Range`` request. A
    part that already holds ``size`` bytes (a download interrupted while it
    was being checked) is returned as it is, without asking the server; a
    server that answers the range with 416 (nothing left to send) means the
    same. When the server ignores the range (status 200, or a 206 starting
    elsewhere) or the part is longer than ``size``, the download restarts
    from zero. The caller checks the finished part (size and md5) and renames
    it into place, so ``dest`` itself is never half-written. Used for the
    SVHN archives (:mod:`helpers.svhn`).
    """
    import re
    import urllib.error

    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if size is not None and have > size:
        have = 0
    if size is not None and have == size:
        return part  # complete: only its check is left
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # "range not satisfiable": the part already holds the whole file
            return part
        raise
    with response:
        status = getattr(response, "status", 200)
        start = re.match(r"bytes (\d+)-", response.headers.get("Content-Range") or "")
        if have and status == 206 and start is not None and int(start.group(1)) != have:
            response.close()  # a range other than the one asked for: start again from zero
            part.unlink()
            return download_resumable(url, dest, size, desc, timeout)
        resumed = bool(have) and status == 206
        if not resumed:  # the server ignored the range (200): the whole file is coming
            have = 0
        total = size or (int(response.headers.get("Content-Length") or 0) + have) or None
        with open(part, "ab" if resumed else "wb") as out, \
                tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=desc or dest.name) as bar:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                bar.update(len(chunk))
    if size is not None and part.stat().st_size < size:  # the connection closed early without an error
        raise ConnectionError(f"the download stopped at {part.stat().st_size:,} of {size:,} bytes; "
                              f"{part.name} is kept and resumes next time")
    return part
