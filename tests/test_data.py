"""The data layer: IDX parsing, resolution order, checksums, downloads, splits."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from helpers.machinery import cli
from helpers import data


def copy_tree(source, dest):
    shutil.copytree(source / "mnist", dest / "mnist")


def test_load_parses_idx_files(course_env, tiny_mnist):
    source, arrays = tiny_mnist
    copy_tree(source, course_env / "data")
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.dtype == np.uint8 and x_train.shape == (12, 28, 28)
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    np.testing.assert_array_equal(y_test, [7, 2, 1, 0, 4])
    assert data.source_of("mnist") == "local"


def test_local_folder_wins_over_mirror(course_env, tiny_mnist, monkeypatch):
    source, _ = tiny_mnist
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(source))
    assert data.source_of("mnist") == "mirror"
    copy_tree(source, course_env / "data")
    assert data.source_of("mnist") == "local"
    for path, where in data.fetch("mnist").values():
        assert where == "local" and str(path).startswith(str(course_env / "data"))


def test_mirror_is_read_in_place(course_env, tiny_mnist, monkeypatch):
    source, arrays = tiny_mnist
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(source))
    (_, y_train), _ = data.load_mnist()
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    assert not (course_env / "data").exists(), "reading the mirror must not copy anything"


def test_missing_and_offline_says_how_to_fix(course_env, tiny_mnist):
    with pytest.raises(data.DataError, match="COURSE_DATA_MIRROR"):
        data.load_mnist()


def test_download_when_nothing_local(course_env, tiny_mnist, monkeypatch):
    monkeypatch.delenv("COURSE_OFFLINE")  # the 'download' reads file:// URLs from the fixture folder
    found = data.fetch("mnist")
    assert {where for _, where in found.values()} == {"downloaded"}
    assert data.source_of("mnist") == "local"
    assert not list((course_env / "data" / "mnist").glob("*.part"))


def test_bad_download_leaves_nothing(course_env, tiny_mnist, monkeypatch):
    source, _ = tiny_mnist
    monkeypatch.delenv("COURSE_OFFLINE")
    victim = source / "mnist" / data.MNIST_FILES["test_labels"].name
    victim.write_bytes(gzip.compress(b"not the labels"))
    with pytest.raises(data.DataError, match="failed its checksum"):
        data.fetch("mnist")
    assert not (course_env / "data" / "mnist" / victim.name).exists()
    assert not list((course_env / "data" / "mnist").glob(".*part"))


def test_wrong_checksum_names_file_and_fix(course_env, tiny_mnist):
    source, _ = tiny_mnist
    copy_tree(source, course_env / "data")
    target = course_env / "data" / "mnist" / data.MNIST_FILES["train_labels"].name
    target.write_bytes(gzip.compress(b"\x00\x00\x08\x01" + b"\x00" * 20))
    with pytest.raises(data.DataError) as err:
        data.load_mnist()
    message = str(err.value)
    assert str(target) in message and "expected" in message and "python -m helpers data" in message


def test_truncated_file_is_detected(course_env, tiny_mnist):
    source, _ = tiny_mnist
    copy_tree(source, course_env / "data")
    target = course_env / "data" / "mnist" / data.MNIST_FILES["train_images"].name
    target.write_bytes(target.read_bytes()[:-40])
    with pytest.raises(data.DataError, match="corrupt or truncated"):
        data.load_mnist()
    assert data.check("mnist")[0][2].startswith(str(target))


def test_damaged_mirror_points_at_the_mirror(course_env, tiny_mnist, monkeypatch):
    source, _ = tiny_mnist
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(source))
    target = source / "mnist" / data.MNIST_FILES["test_images"].name
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(data.DataError, match="mirror"):
        data.load_mnist()


def test_wrong_shape_is_refused(course_env, tiny_mnist, monkeypatch):
    source, _ = tiny_mnist
    copy_tree(source, course_env / "data")
    file = data.MNIST_FILES["test_labels"]
    monkeypatch.setitem(data.MNIST_FILES, "test_labels", data.DataFile("mnist", file.name, file.md5, (6,)))
    with pytest.raises(data.DataError, match="expected"):
        data.load_mnist()


def test_split_validation():
    x, y = np.arange(100).reshape(100, 1), np.arange(100)
    (x_tr, y_tr), (x_va, y_va) = data.split_validation(x, y, size=10)
    assert len(x_tr) == 90 and len(x_va) == 10
    assert set(y_tr).isdisjoint(y_va)
    with pytest.raises(ValueError, match="validation size"):
        data.split_validation(x, y, size=100)


def test_cli_check_reports_missing_then_ok(course_env, tiny_mnist, capsys):
    source, _ = tiny_mnist
    assert cli.main(["data", "--check"]) == 1
    assert "missing" in capsys.readouterr().out
    copy_tree(source, course_env / "data")
    assert cli.main(["data", "--check"]) == 0
    assert capsys.readouterr().out.count(" ok") == 4


def test_cli_prefetch_offline_fails_clearly(course_env, tiny_mnist, capsys):
    assert cli.main(["data"]) == 1
    assert "COURSE_OFFLINE" in capsys.readouterr().err



def test_load_mnist_splits_standardizes_and_subsets(course_env, tiny_mnist, monkeypatch):
    source, arrays = tiny_mnist
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(source))
    # the tiny set has 12 training images: split off 4 for validation instead of 5,000
    split = data.split_validation
    monkeypatch.setattr(data, "split_validation", lambda x, y: split(x, y, size=4))
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = data.load_mnist_splits(train_size=5, channel_axis=True, eval_size=3)
    assert x_tr.shape == (5, 28, 28, 1) and x_tr.dtype == np.float32
    assert x_va.shape == (3, 28, 28, 1) and x_te.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(y_va, arrays["train_labels"][8:11])
    np.testing.assert_array_equal(y_te, [7, 2, 1])
    # the statistics come from the 8 training-split images, not the validation images
    full = arrays["train_images"][:8].astype(np.float64)
    assert full.mean() != arrays["train_images"].astype(np.float64).mean()
    expected = (arrays["train_images"][0] - full.mean()) / full.std()
    np.testing.assert_allclose(x_tr[0, ..., 0], expected, rtol=1e-5, atol=1e-5)
    # validation and test images use the training split's statistics too, never their own
    np.testing.assert_allclose(x_va[..., 0], (arrays["train_images"][8:11] - full.mean()) / full.std(),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x_te[..., 0], (arrays["test_images"][:3] - full.mean()) / full.std(),
                               rtol=1e-5, atol=1e-5)


def test_pixel_statistics_match_numpy_without_a_float_copy():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    images[:10] = 0  # many equal pixels, as MNIST's background
    mean, std = data.pixel_statistics(images, chunk=7)  # chunks that do not divide the images evenly
    assert isinstance(mean, float) and isinstance(std, float)
    assert mean == pytest.approx(images.mean(), rel=1e-12) and std == pytest.approx(images.std(), rel=1e-12)
    with pytest.raises(TypeError, match="uint8"):
        data.pixel_statistics(images.astype(np.float32))
