"""scripts/: the platform check and the wheelhouse ask the package index, so only their plans are tested here."""

from __future__ import annotations

import sys

import pytest

from helpers.machinery import paths

sys.path.insert(0, str(paths.ROOT / "scripts"))
import check_platforms  # noqa: E402
import wheelhouse  # noqa: E402


@pytest.mark.parametrize("target, tensorflow", [("linux-x86_64", "tensorflow-cpu"), ("macos-arm64", "tensorflow"),
                                                ("windows-x86_64", "tensorflow-cpu")])
def test_markers_are_evaluated_for_the_target_not_this_machine(target, tensorflow):
    reqs = check_platforms.requirements(paths.ROOT / "requirements.txt")
    lines = check_platforms.for_target(reqs, check_platforms.TARGETS[target][1], "3.11")
    names = [line.split("=")[0] for line in lines]
    assert tensorflow in names and {"tensorflow", "tensorflow-cpu"} - {tensorflow} - set(names)
    assert "idx2numpy" in names and len(lines) == len(reqs) - 1, "exactly one TensorFlow line per target"


def test_a_wheelhouse_for_another_platform_is_binary_only_but_for_source_only_packages(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(wheelhouse, "pip_download", lambda lines, out, extra: calls.append((lines, extra)))
    reqs = check_platforms.requirements(paths.ROOT / "requirements.txt")
    wheelhouse.download("macos-arm64", "3.12", tmp_path, reqs)
    (binary, binary_args), (source, source_args) = calls
    assert "tensorflow==2.21.0" in binary and not any(line.startswith("tensorflow-cpu") for line in binary)
    assert "setuptools>=77" in binary, "pip install -e . builds the course's package with it"
    assert source == ["idx2numpy==1.2.3"] and "--no-deps" in source_args
    assert "--only-binary=:all:" in binary_args and ["--python-version", "3.12"] == binary_args[1:3]
    assert "macosx_14_0_arm64" in binary_args and "--platform" in binary_args
    calls.clear()
    wheelhouse.download("host", "3.11", tmp_path, reqs)
    [(host, host_args)] = calls
    assert host_args == [] and "setuptools>=77" in host, "this machine: pip evaluates the markers itself"


def test_the_gpu_wheelhouse_gets_the_cuda_build(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(wheelhouse, "pip_download", lambda lines, out, extra: calls.append(lines))
    wheelhouse.download("linux-x86_64-gpu", "3.11", tmp_path, check_platforms.requirements(paths.ROOT / "requirements.txt"))
    assert "tensorflow[and-cuda]==2.21.0" in calls[0] and not any(l.startswith("tensorflow-cpu") for l in calls[0])
