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


def test_the_cpu_line_names_cores_and_vector_extensions_beside_the_course_maps_machines(monkeypatch):
    monkeypatch.setattr(doctor.platform, "machine", lambda: "x86_64")
    for flags, expected in (({"avx", "avx2", "avx512f", "avx512_bf16"}, "AVX-512 + AVX512_BF16;"),
                            ({"avx", "avx2"}, "AVX2, no AVX-512;"),
                            (None, "x86_64, vector extensions unknown;")):
        monkeypatch.setattr(doctor, "cpu_features", lambda flags=flags: flags)
        cpu = doctor.check_cpu()
        assert cpu.ok and expected in cpu.found and "the course map's minutes: 2 cores with AVX-512" in cpu.found
    monkeypatch.setattr(doctor, "cpu_features", lambda: set())
    cpu = doctor.check_cpu()
    assert not cpu.ok and cpu.essential and "without AVX" in cpu.found and "Colab" in cpu.fix
    assert "ERR CPU" in doctor.report([cpu])
    monkeypatch.setattr(doctor.platform, "machine", lambda: "arm64")
    assert doctor.check_cpu().ok and "ARM (arm64)" in doctor.check_cpu().found


def test_cpu_features_are_read_on_linux_macos_and_windows(tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma amx_bf16 avx512f\n\nprocessor\t: 1\n")
    monkeypatch.setattr(doctor, "CPUINFO", cpuinfo)
    monkeypatch.setattr(doctor.sys, "platform", "linux")
    assert doctor.cpu_features() == {"avx", "avx2", "avx512f", "amx_bf16"}
    cpuinfo.write_text("processor\t: 0\n")  # no flags line (some containers)
    assert doctor.cpu_features() is None
    monkeypatch.setattr(doctor, "CPUINFO", tmp_path / "absent")
    assert doctor.cpu_features() is None

    class Done:
        stdout = "FPU VME SSE2 AVX1.0 FMA\nBMI1 AVX2 BMI2\n"

    monkeypatch.setattr(doctor.sys, "platform", "darwin")
    monkeypatch.setattr(doctor.subprocess, "run", lambda *args, **kwargs: Done)
    assert doctor.cpu_features() == {"avx", "avx2"}


def test_importing_helpers_turns_onednn_on_for_x86_and_keeps_a_value_already_set():
    """TensorFlow leaves oneDNN off on AVX2 CPUs, where it trains about twice as fast (docs/performance.md)."""
    import platform
    import subprocess
    import sys

    show = "import os, helpers; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))"
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    default = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    assert default.stdout.strip() == ("1" if x86 else "None")
    kept = subprocess.run([sys.executable, "-c", show], env={**env, "TF_ENABLE_ONEDNN_OPTS": "0"},
                          capture_output=True, text=True, check=True)
    assert kept.stdout.strip() == "0", "a learner's own setting wins"
