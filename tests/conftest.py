"""Shared fixtures: an isolated data/runs folder and tiny MNIST-format files."""

from __future__ import annotations

import gzip

import idx2numpy
import numpy as np
import pytest

from helpers import data, files


@pytest.fixture
def course_env(tmp_path, monkeypatch):
    """Point the course at empty temporary folders; no mirror, downloads forbidden."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("COURSE_DATA_MIRROR", raising=False)
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    return tmp_path


def write_idx_gz(path, array):
    """Write ``array`` as a gzip'd IDX file; return the md5 of its uncompressed bytes."""
    content = idx2numpy.convert_to_string(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(content))
    return files.md5_bytes(content)


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """Tiny MNIST in the official IDX layout under ``tmp_path/source/mnist``.

    The loader's file table is patched to these files' checksums and shapes.
    Returns ``(source_folder, arrays)``; copy files into the data dir or a
    mirror as each test needs.
    """
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
              "train_labels": np.arange(12, dtype=np.uint8) % 10,
              "test_images": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "test_labels": np.array([7, 2, 1, 0, 4], dtype=np.uint8)}
    source = tmp_path / "source"
    table = {}
    for key, file in data.MNIST_FILES.items():
        md5 = write_idx_gz(source / "mnist" / file.name, arrays[key])
        table[key] = data.DataFile("mnist", file.name, md5, arrays[key].shape)
    monkeypatch.setattr(data, "MNIST_FILES", table)
    monkeypatch.setitem(data.DATASETS, "mnist", (table, (source.as_uri() + "/mnist/",)))
    return source, arrays
