"""python -m helpers doctor: one screen of what is ready, with the fix for each problem."""

from __future__ import annotations

from importlib import metadata

from helpers.machinery import paths
from helpers.machinery import cli, doctor


def test_missing_data_is_an_error_with_its_fix(course_env, tiny_mnist, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(course_env / "models"))
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "ERR train-images-idx3-ubyte.gz" in out and "COURSE_DATA_MIRROR" in out and "python -m helpers data" in out
    assert "not ready: 4 problem(s)" in out
    assert "--  model svhn_number" in out and "python -m helpers run 14" in out, "missing models: a hint, not an error"


def test_a_ready_machine_says_so_on_one_screen(course_env, tiny_mnist, monkeypatch, capsys):
    source, _ = tiny_mnist
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(source))
    code = cli.main(["doctor"])
    out = capsys.readouterr().out
    assert "ok  train-images-idx3-ubyte.gz   verified (mirror)" in out
    assert "ok  TensorFlow" in out and "devices: CPU" in out and "oneDNN" in out
    assert code == (0 if "ERR" not in out else 1) and out.count("\n") < 30
    if code == 0:
        assert out.rstrip().endswith("ready: run the notebooks in order")


def test_wrong_package_versions_and_an_old_python_are_named(course_env, tiny_mnist, monkeypatch):
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.1" if name == "numpy" else real(name))
    packages = doctor.check_packages()
    [numpy] = [c for c in packages if c.name == "numpy"]
    assert not numpy.ok and "the course pins ==2.4.6" in numpy.found and "make setup" in numpy.fix
    monkeypatch.setattr(paths, "MIN_PYTHON", (99, 0))
    python = doctor.check_python()
    assert not python.ok and python.essential and "Python 99.0 or newer" in python.fix
    text = doctor.report([python, *packages])
    assert "ERR Python" in text and "--  numpy" in text and "not ready: 1 problem(s)" in text


def test_a_gpu_tensorflow_build_and_missing_test_tools_are_not_errors(monkeypatch):
    real = metadata.version

    def version(name):
        if name.replace("_", "-") in ("tensorflow-cpu", "pytest", "nbval"):
            raise metadata.PackageNotFoundError(name)
        return "2.21.0" if name == "tensorflow" else real(name)

    monkeypatch.setattr(metadata, "version", version)
    checks = {c.name: c for c in doctor.check_packages()}
    assert "tensorflow-cpu" not in checks, "the GPU recipe's tensorflow stands in for tensorflow-cpu"
    assert not checks["pytest"].ok and not checks["pytest"].essential and not checks["nbval"].essential
