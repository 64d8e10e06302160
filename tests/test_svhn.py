"""SVHN loaders on tiny fixtures written in the exact official formats; no network."""

from __future__ import annotations

import functools
import http.server
import io
import tarfile
import threading

import h5py
import numpy as np
import pytest
import scipy.io
from PIL import Image

from helpers import data, files, svhn
from helpers.data import DataError
from svhn_fixtures import write_digit_struct

ENTRIES = [  # one one-digit and two multi-digit numbers; 0 is stored as 10 in the file
    {"name": "1.png", "label": [5], "left": [10], "top": [4], "width": [9], "height": [20]},
    {"name": "2.png", "label": [1, 0], "left": [3, 14], "top": [2, 3], "width": [8, 10], "height": [18, 19]},
    {"name": "3.png", "label": [2, 1, 0], "left": [1, 9, 18], "top": [5, 5, 6], "width": [7, 7, 8],
     "height": [15, 15, 16]},
]


def register(monkeypatch, path, name):
    """Point the official file table at a fixture: its real size and md5 under the official name."""
    official = svhn.FILES[name]
    monkeypatch.setitem(svhn.FILES, name, svhn.SvhnFile("svhn", name, files.md5_file(path), size=path.stat().st_size,
                                                        format=official.format, split=official.split))
    return svhn.FILES[name]


@pytest.fixture
def cropped_mat(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (32, 32, 3, 6), dtype=np.uint8)
    y = np.array([[10], [1], [2], [9], [10], [5]], dtype=np.uint8)
    path = tmp_path / "src" / "test_32x32.mat"
    path.parent.mkdir()
    scipy.io.savemat(path, {"X": x, "y": y})
    return path, x, y


def make_archive(path, split="test", extra_members=()):
    """A tiny official-layout archive: <split>/1.png..., <split>/digitStruct.mat."""
    struct = path.parent / "digitStruct.mat"
    write_digit_struct(struct, ENTRIES)
    with tarfile.open(path, "w:gz") as tar:
        for entry in ENTRIES:
            buf = io.BytesIO()
            Image.new("RGB", (40, 30), (200, 100, 50)).save(buf, format="PNG")
            info = tarfile.TarInfo(f"{split}/{entry['name']}")
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
        tar.add(struct, arcname=f"{split}/digitStruct.mat")
        for info, payload in extra_members:
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    struct.unlink()
    return path


def test_cropped_digits_load_with_labels_0_to_9(course_env, cropped_mat, monkeypatch):
    path, x, y = cropped_mat
    file = register(monkeypatch, path, "test_32x32.mat")
    (course_env / "data" / "svhn").mkdir(parents=True)
    (course_env / "data" / "svhn" / file.name).write_bytes(path.read_bytes())
    images, labels = svhn.load_cropped("test")
    assert images.shape == (6, 32, 32, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[2], x[:, :, :, 2])
    assert labels.tolist() == [0, 1, 2, 9, 0, 5]


def test_cropped_digits_from_the_mirror(course_env, cropped_mat, monkeypatch):
    path, _, _ = cropped_mat
    register(monkeypatch, path, "test_32x32.mat")
    mirror = course_env / "mirror"
    (mirror / "svhn").mkdir(parents=True)
    (mirror / "svhn" / "test_32x32.mat").write_bytes(path.read_bytes())
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    assert svhn.locate(svhn.FILES["test_32x32.mat"])[1] == "mirror"
    assert svhn.load_cropped("test")[0].shape == (6, 32, 32, 3)


def test_wrong_layout_and_garbage_mat_files_are_refused(tmp_path):
    bad = tmp_path / "bad.mat"
    scipy.io.savemat(bad, {"X": np.zeros((28, 28, 3, 2), np.uint8), "y": np.ones((2, 1), np.uint8)})
    with pytest.raises(DataError, match=r"expected \(32, 32, 3, N\)"):
        svhn.read_cropped(bad)
    garbage = tmp_path / "garbage.mat"
    garbage.write_bytes(b"not a matlab file at all" * 10)
    with pytest.raises(DataError, match="MATLAB v5"):
        svhn.read_cropped(garbage)


def test_truncated_and_damaged_files_name_both_checksums(course_env, cropped_mat, monkeypatch):
    path, _, _ = cropped_mat
    file = register(monkeypatch, path, "test_32x32.mat")
    local = course_env / "data" / "svhn" / file.name
    local.parent.mkdir(parents=True)
    local.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=rf"has {file.size - 100:,} bytes, expected {file.size:,}.*--svhn-format 2"):
        svhn.fetch(file)
    damaged = bytearray(path.read_bytes())
    damaged[-5] ^= 0xFF
    local.write_bytes(bytes(damaged))
    with pytest.raises(DataError) as err:
        svhn.fetch(file)
    assert file.md5 in str(err.value) and files.md5_file(local) in str(err.value)


def test_offline_and_missing_says_what_to_do(course_env):
    with pytest.raises(DataError, match="downloads are off.*stand-in"):
        svhn.fetch(svhn.FILES["train_32x32.mat"])


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that honours ``Range: bytes=N-`` (like the official one): 206 with
    ``Content-Range``, or 416 when nothing is left to send. ``ignore_range`` makes it send the
    whole file with 200 whatever was asked; ``requests`` logs the Range header of each request."""

    ignore_range = False
    requests: list = []

    def do_GET(self):  # the http.server naming
        data = (self.directory_path / self.path.lstrip("/")).read_bytes()
        self.requests.append(self.headers.get("Range"))
        start = 0 if self.ignore_range else int(self.headers.get("Range", "bytes=0-")[6:].rstrip("-") or 0)
        if start >= len(data) > 0:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    RangeHandler.directory_path = root
    RangeHandler.ignore_range, RangeHandler.requests = False, []
    handler = functools.partial(RangeHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture
def served(course_env, cropped_mat, monkeypatch, server):
    """The fixture .mat registered as the official file and served over HTTP, downloads on.

    Returns ``(file, content, url, part)``: ``part`` is where an interrupted download waits.
    """
    path, _, _ = cropped_mat
    file = register(monkeypatch, path, "test_32x32.mat")
    root, url = server
    (root / file.name).write_bytes(path.read_bytes())
    monkeypatch.delenv("COURSE_OFFLINE")
    part = course_env / "data" / "svhn" / (file.name + ".part")
    part.parent.mkdir(parents=True)
    return file, path.read_bytes(), url, part


def test_download_resumes_a_partial_file_and_verifies(served):
    file, content, url, part = served
    part.write_bytes(content[:1000])  # an interrupted earlier download
    got = svhn.fetch(file, url=url)
    assert got.read_bytes() == content and not part.exists()
    assert RangeHandler.requests == ["bytes=1000-"]


def test_a_complete_part_is_checked_and_finished_without_asking_the_server(served):
    file, content, url, part = served
    part.write_bytes(content)  # whole, but interrupted while its md5 was computed
    got = svhn.fetch(file, url=url)
    assert got.read_bytes() == content and not part.exists()
    assert RangeHandler.requests == [], "nothing left to download"


def test_a_complete_part_of_unknown_size_ends_at_the_servers_416(tmp_path, server):
    root, url = server
    (root / "f.bin").write_bytes(b"0123456789")
    (tmp_path / "f.bin.part").write_bytes(b"0123456789")
    part = files.download_resumable(url + "f.bin", tmp_path / "f.bin")  # size unknown: ask
    assert part.read_bytes() == b"0123456789" and RangeHandler.requests == ["bytes=10-"]


def test_a_server_that_ignores_range_restarts_the_file(tmp_path, server):
    root, url = server
    (root / "f.bin").write_bytes(b"0123456789" * 100)
    (tmp_path / "f.bin.part").write_bytes(b"0123456789" * 30)
    RangeHandler.ignore_range = True
    part = files.download_resumable(url + "f.bin", tmp_path / "f.bin", size=1000)
    assert part.read_bytes() == b"0123456789" * 100, "restarted, not appended"
    assert RangeHandler.requests == ["bytes=300-"]


def test_a_finished_download_is_not_hashed_again(served, monkeypatch):
    file, _, url, _ = served
    got = svhn.fetch(file, url=url)

    def no_more_hashing(path, *args):
        raise AssertionError(f"{path} hashed again")

    monkeypatch.setattr(data, "md5_file", no_more_hashing)
    assert svhn.fetch(file, url=url) == got
    got.write_bytes(got.read_bytes())  # touched: its stamp no longer matches, so it is hashed again
    with pytest.raises(AssertionError, match="hashed again"):
        svhn.fetch(file, url=url)


def test_a_bad_download_is_deleted_and_reported(course_env, cropped_mat, monkeypatch, server):
    path, _, _ = cropped_mat
    file = register(monkeypatch, path, "test_32x32.mat")
    root, url = server
    (root / file.name).write_bytes(b"x" * file.size)  # right size, wrong content
    monkeypatch.delenv("COURSE_OFFLINE")
    with pytest.raises(DataError, match="failed its check and was deleted"):
        svhn.fetch(file, url=url)
    assert not list((course_env / "data" / "svhn").glob("test_32x32.mat*"))


def test_full_numbers_extract_and_parse(course_env, monkeypatch):
    (course_env / "src").mkdir()
    archive = make_archive(course_env / "src" / "test.tar.gz")
    register(monkeypatch, archive, "test.tar.gz")
    (course_env / "data" / "svhn").mkdir(parents=True)
    (course_env / "data" / "svhn" / "test.tar.gz").write_bytes(archive.read_bytes())
    folder, entries = svhn.load_full("test")
    assert entries == ENTRIES
    assert sorted(p.name for p in folder.glob("*.png")) == ["1.png", "2.png", "3.png"]
    assert (folder / "digitStruct.json").exists()
    with h5py.File(folder / "digitStruct.mat") as f:  # the file itself keeps the official 10 for a zero
        box = f[f["digitStruct/bbox"][1, 0]]
        assert f[box["label"][1, 0]][0, 0] == 10.0 and box["label"].shape == (2, 1)
        assert f[f["digitStruct/bbox"][0, 0]]["label"][0, 0] == 5.0  # one digit: the value itself
    assert svhn.load_full("test")[1] == ENTRIES  # second call: from the JSON cache


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/evil-svhn-test.txt", "link", "device"])
def test_malicious_archives_are_refused_and_write_nothing(tmp_path, evil):
    info = tarfile.TarInfo(evil)
    payload = b"gotcha"
    if evil == "link":
        info.type, info.linkname, payload = tarfile.SYMTYPE, "/etc/passwd", None
    elif evil == "device":
        info.type, payload = tarfile.CHRTYPE, None
    else:
        info.size = len(payload)
    (tmp_path / "src").mkdir()
    archive = make_archive(tmp_path / "src" / "test.tar.gz", extra_members=[(info, payload)])
    target = tmp_path / "out" / "test"
    with pytest.raises(DataError, match="refusing archive member"):
        svhn.safe_extract(archive, target)
    assert not target.exists(), "nothing extracted"
    assert not [p for p in (tmp_path / "out").iterdir()], "no temporary folder left behind"
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "evil.txt").exists()


def test_truncated_archive_leaves_nothing(tmp_path):
    (tmp_path / "src").mkdir()
    archive = make_archive(tmp_path / "src" / "test.tar.gz")
    archive.write_bytes(archive.read_bytes()[:300])
    with pytest.raises(DataError, match="could not be extracted"):
        svhn.safe_extract(archive, tmp_path / "out" / "test")
    assert not (tmp_path / "out" / "test").exists()
    assert not [p for p in (tmp_path / "out").iterdir()], "no temporary folder left behind"


def test_digit_struct_round_trip_and_errors(tmp_path):
    path = tmp_path / "digitStruct.mat"
    write_digit_struct(path, ENTRIES)
    assert svhn.parse_digit_struct(path) == ENTRIES
    assert svhn.parse_digit_struct(path, workers=2) == ENTRIES  # split across processes, order kept
    (tmp_path / "junk.mat").write_bytes(b"junk" * 100)
    with pytest.raises(DataError, match="HDF5"):
        svhn.parse_digit_struct(tmp_path / "junk.mat")


def damage(path, how):
    """Break image 3's annotation: drop its ``top`` field, or make a digit's label a reference to nothing."""
    with h5py.File(path, "r+") as f:
        group = f[f["digitStruct/bbox"][2, 0]]
        if how == "missing field":
            del group["top"]
        else:
            refs = group["label"][...]
            refs[1, 0] = h5py.Reference()  # a null reference: points nowhere
            del group["label"]
            group.create_dataset("label", data=refs, dtype=h5py.special_dtype(ref=h5py.Reference))


@pytest.mark.parametrize("how", ["missing field", "dangling reference"])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_damaged_digit_struct_names_the_file_and_the_image(tmp_path, how, workers):
    path = tmp_path / "digitStruct.mat"
    write_digit_struct(path, ENTRIES)
    damage(path, how)
    with pytest.raises(DataError, match=r"digitStruct.mat is damaged at image 3 \(3.png\)") as err:
        svhn.parse_digit_struct(path, workers=workers)
    assert ("'top'" if how == "missing field" else "'label'") in str(err.value)


def test_workers_are_spawned_once_tensorflow_is_loaded(tmp_path, monkeypatch):
    import multiprocessing
    import sys

    path = tmp_path / "digitStruct.mat"
    write_digit_struct(path, ENTRIES)
    asked = []
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: asked.append(method) or real(method))
    monkeypatch.setitem(sys.modules, "tensorflow", sys.modules.get("tensorflow") or object())
    assert svhn.parse_digit_struct(path, workers=2) == ENTRIES
    assert asked == ["spawn"]


def test_file_table_and_formats():
    assert {f.name for f in svhn.files_for("2")} == {"train_32x32.mat", "test_32x32.mat"}
    assert len(svhn.files_for("both", extra=True)) == 6
    assert svhn.FILES["extra.tar.gz"].size == 1_955_489_752
    with pytest.raises(ValueError, match="1, 2 or both"):
        svhn.files_for("3")


def test_data_command_lists_sizes_and_fails_clearly_offline(course_env, capsys):
    from helpers.machinery.cli import main

    assert main(["data", "--svhn-format", "2", "--check"]) == 1  # nothing there: as the MNIST check
    captured = capsys.readouterr()
    assert "train_32x32.mat" in captured.out and "182 MB" in captured.out and "train.tar.gz" not in captured.out
    assert "train_32x32.mat is missing: run `python -m helpers data --svhn-format 2`" in captured.err
    assert main(["data", "--svhn-format", "1"]) == 1
    captured = capsys.readouterr()
    assert "404 MB" in captured.out and "downloads are off" in captured.err


def test_real_or_stand_in_is_chosen_and_named(course_env, cropped_mat, monkeypatch, capsys):
    # offline and absent: the stand-in, said loudly
    x, y, dataset = svhn.cropped("test", standin_count=4)
    assert dataset == "svhn-standin" and x.shape == (4, 32, 32, 3)
    assert "STAND-IN" in svhn.banner(2) and "not SVHN" in svhn.banner(2)
    from helpers import session
    session.setup("00_mnist_data", dataset="svhn2")
    assert "STAND-IN" in capsys.readouterr().out
    # present: the real files, same API
    path, _, _ = cropped_mat
    register(monkeypatch, path, "test_32x32.mat")
    register(monkeypatch, path, "train_32x32.mat")
    (course_env / "data" / "svhn").mkdir(parents=True)
    for name in ("test_32x32.mat", "train_32x32.mat"):
        (course_env / "data" / "svhn" / name).write_bytes(path.read_bytes())
    x, y, dataset = svhn.cropped("test", standin_count=4)
    assert dataset == "svhn" and x.shape == (6, 32, 32, 3) and svhn.banner(2) == "data: svhn format 2 from local"
    # asked explicitly
    assert svhn.cropped("test", standin_count=3, prefer="standin")[2] == "svhn-standin"
    with pytest.raises(ValueError, match="prefer"):
        svhn.source(2, prefer="maybe")


def test_unreachable_server_falls_back_and_env_var_chooses(course_env, monkeypatch):
    # downloads allowed but the server does not answer: the stand-in, not a failed download
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.setattr(svhn, "_reachable", lambda *a, **k: False)
    assert svhn.source(2) == "svhn-standin" and svhn.source(1) == "svhn-standin"
    monkeypatch.setattr(svhn, "_reachable", lambda *a, **k: True)
    assert svhn.source(2) == "svhn"  # reachable: real SVHN will be downloaded
    monkeypatch.setenv("COURSE_SVHN", "standin")
    assert svhn.source(2) == "svhn-standin"
    monkeypatch.setenv("COURSE_SVHN", "photos")
    with pytest.raises(ValueError, match="COURSE_SVHN"):
        svhn.source(2)


def test_reachable_says_no_for_a_closed_port():
    svhn._reachable.cache_clear()
    assert svhn._reachable("http://127.0.0.1:9/", timeout=1) is False


def test_a_download_cut_short_is_kept_to_resume_not_deleted(served, monkeypatch, server):
    file, content, url, part = served
    root, _ = server
    (root / file.name).write_bytes(content[:5000])  # the connection closes after 5,000 bytes, without an error
    with pytest.raises(DataError, match="stopped at 5,000 of .* resumes next time"):
        svhn.fetch(file, url=url)
    assert part.read_bytes() == content[:5000], "the partial download is kept"
    (root / file.name).write_bytes(content)
    assert svhn.fetch(file, url=url).read_bytes() == content and RangeHandler.requests[-1] == "bytes=5000-"
