"""``python -m helpers doctor``: what is ready and what is not, on one screen, with the fix for each problem.

Checks, in order: the Python version; every pinned package of ``requirements.txt``
(installed, and at the pinned version); TensorFlow (its version, whether its oneDNN
kernels are on, the devices it sees); the processor (cores and vector extensions, beside
those of the machines the course map's minutes come from); the data (MNIST verified, SVHN or the
stand-in); the trained models the later notebooks hand on; free memory and disk.
Exit status 0 when nothing essential is missing, 1 otherwise. Nothing is
downloaded or written.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import paths

MIN_MEMORY_GIB = 4.0  # the heaviest standard notebook peaks at about 3 GiB (docs/performance.md)
MIN_DISK_GIB = 3.0  # the stand-in's photos, models and runs; real SVHN needs about 1 GB more


# What the lessons import: missing, a notebook fails. The rest of requirements.txt runs the notebooks
# and the tests (nbclient, pytest, nbval, ...), which a hosted notebook (Colab) does without.
LESSON_PACKAGES = {"keras", "numpy", "scipy", "scikit-learn", "matplotlib", "idx2numpy", "h5py", "pillow", "tqdm"}


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


@dataclass
class Check:
    """One line of the report: what was checked, what was found, and the fix when it is not right."""

    name: str
    ok: bool
    found: str
    fix: str = ""
    essential: bool = True


def _pins() -> list:
    """The requirements of ``requirements.txt`` that apply to this machine (markers evaluated)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pragma: no cover - pip always vendors it
        from pip._vendor.packaging.requirements import Requirement
    lines = (line.split("#", 1)[0].strip() for line in (paths.ROOT / "requirements.txt").read_text().splitlines())
    reqs = [Requirement(line) for line in lines if line and not line.startswith("-")]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    need = ".".join(map(str, paths.MIN_PYTHON))
    return Check("Python", sys.version_info >= paths.MIN_PYTHON, f"{version} ({sys.executable})",
                 f"install Python {need} or newer (python.org), then `make setup`")


def check_packages() -> list[Check]:
    """One line when every pinned package is there at its pin; otherwise a line per problem."""
    pins, checks = _pins(), []
    for req in pins:
        name = req.name
        if name.startswith("tensorflow"):  # tensorflow-cpu, tensorflow or a GPU build: any of them will do
            name = next((n for n in ("tensorflow-cpu", "tensorflow", "tensorflow-macos") if _installed(n)), name)
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(req.name, False, "not installed", "run `make setup` (or `pip install -r requirements.txt "
                                "-e .`)", essential=req.name in LESSON_PACKAGES or name.startswith("tensorflow")))
            continue
        if name != req.name:
            continue  # another TensorFlow build than the pinned one (the GPU recipe): check_tensorflow tells
        right = req.specifier.contains(have, prereleases=True)
        if not right:
            checks.append(Check(req.name, False, f"{have}, the course pins {req.specifier}",
                                "run `make setup` to install the pinned versions", essential=False))
    return checks or [Check("packages", True, f"all {len(pins)} pinned packages at their pins")]


def check_tensorflow() -> Check:
    try:
        with _quiet_native_stderr():  # TensorFlow's C++ start-up notices
            import tensorflow as tf
    except Exception as err:  # noqa: BLE001 - a broken install can fail in many ways
        return Check("TensorFlow", False, f"cannot be imported ({type(err).__name__}: {str(err)[:60]})",
                     "run `make setup`; on a Mac use the pinned `tensorflow`, elsewhere `tensorflow-cpu`")
    try:
        from tensorflow.python.util import _pywrap_util_port

        onednn = _pywrap_util_port.IsMklEnabled()
    except (ImportError, AttributeError):
        onednn = None
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip() == "0":
        onednn = False
    devices = ", ".join(d.device_type for d in tf.config.list_physical_devices()) or "none"
    kernels = {True: "oneDNN on", False: "oneDNN off (expect 2-4x the minutes)", None: "oneDNN unknown"}[onednn]
    return Check("TensorFlow", True, f"{tf.__version__}, {kernels}, devices: {devices}")


# The x86 vector extensions that set how fast TensorFlow's CPU kernels train, by their Linux names.
VECTOR_EXTENSIONS = {"avx": "AVX", "avx2": "AVX2", "avx512f": "AVX-512", "avx512_bf16": "AVX512_BF16",
                     "amx_bf16": "AMX"}
COURSE_MAP_CPUS = "2 cores with AVX-512 (10 and 12: AVX2)"  # the machines of the README's course map (docs/performance.md)
CPUINFO = Path("/proc/cpuinfo")  # Linux


def cpu_features() -> set[str] | None:
    """The keys of ``VECTOR_EXTENSIONS`` this x86 processor has (Linux, macOS, Windows); None where unreadable.

    Linux lists them in /proc/cpuinfo; an Intel Mac in two ``sysctl`` keys (AVX as AVX1.0);
    Windows answers ``IsProcessorFeaturePresent`` for AVX, AVX2 and AVX-512 (39, 40, 41).
    """
    try:
        if sys.platform.startswith("linux"):
            lines = CPUINFO.read_text(encoding="utf-8", errors="replace").splitlines()
            flags = next((set(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), None)
        elif sys.platform == "darwin":
            out = subprocess.run(["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"],
                                 capture_output=True, text=True, timeout=10).stdout.lower()
            flags = {name.replace("avx1.0", "avx").replace("avx512bf16", "avx512_bf16") for name in out.split()} or None
        elif os.name == "nt":
            present = __import__("ctypes").windll.kernel32.IsProcessorFeaturePresent
            flags = {name for name, code in (("avx", 39), ("avx2", 40), ("avx512f", 41)) if present(code)}
        else:
            flags = None
    except (OSError, ValueError, AttributeError, subprocess.SubprocessError):
        return None
    return None if flags is None else flags & set(VECTOR_EXTENSIONS)


def check_cpu() -> Check:
    """Cores and vector extensions, beside the course map's machines: the minutes a learner can expect depend on both."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    machine = platform.machine().lower() or "unknown"
    beside = f"the course map's minutes: {COURSE_MAP_CPUS} (docs/performance.md)"
    if machine in ("arm64", "aarch64"):
        return Check("CPU", True, f"{cores} cores, ARM ({machine}); {beside}")
    features = cpu_features()
    if features is None:
        return Check("CPU", True, f"{cores} cores, {machine}, vector extensions unknown; {beside}")
    if "avx" not in features:
        return Check("CPU", False, f"{cores} cores, {machine} without AVX",
                     "TensorFlow's x86 builds need AVX and stop with 'Illegal instruction' without it: "
                     "use a newer computer, or Colab (README)")
    names = [VECTOR_EXTENSIONS[key] for key in VECTOR_EXTENSIONS if key in features]
    widest = next(name for name in ("AVX-512", "AVX2", "AVX") if name in names)
    extras = [name for name in names if name in ("AVX512_BF16", "AMX")]
    missing = "" if widest == "AVX-512" else ", no AVX-512"
    return Check("CPU", True, f"{cores} cores, {' + '.join([widest, *extras])}{missing}; {beside}")


class _quiet_native_stderr:
    """Send what native libraries write to file descriptor 2 to the null device, for a ``with`` block."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)


def check_data() -> list[Check]:
    try:
        from .. import data, svhn
    except ImportError as err:  # a broken install: the package lines above say what is missing
        return [Check("data", False, f"cannot be checked ({err})", "run `make setup` first")]
    checks = []
    for name, source, status in data.check("mnist"):
        if status == "ok":
            checks.append(Check(name, True, f"verified ({source})"))
        elif status == "missing":
            checks.append(Check(name, False, "missing", "run `python -m helpers data` (online), or set "
                                f"{paths.MIRROR_VAR} to a folder holding mnist/ (a workshop's USB stick)"))
        else:
            checks.append(Check(name, False, status.split(". ")[0], status.split(". ", 1)[-1]))
    present = [f.name for f in svhn.files_for("both") if data.locate(f)[0] is not None]
    checks.append(Check("SVHN", True, f"present: {', '.join(present)}" if present else
                        "not here: notebooks 13-15 use the offline stand-in", essential=False))
    return checks


def check_models() -> list[Check]:
    try:
        from .. import models
    except ImportError:
        return []
    return [Check(f"model {name}", models.path(name).exists(),
                  "present" + (f" ({models.card(name).get('profile', '?')} profile)" if models.path(name).exists() else "")
                  if models.path(name).exists() else "not trained yet",
                  f"run notebook {notebook} (`python -m helpers run {notebook[:2]}`)", essential=False)
            for name, notebook in models.PRODUCERS.items()]


def available_memory_gib() -> float | None:
    """Memory available to a new program, in GiB (Linux, macOS, Windows), or None where it cannot be read."""
    try:
        if sys.platform.startswith("linux"):
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
        if os.name == "nt":
            import ctypes

            class Status(ctypes.Structure):  # MEMORYSTATUSEX
                _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                            ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                            ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                            ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                            ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

            status = Status()
            status.dwLength = ctypes.sizeof(Status)
            ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))
            return status.ullAvailPhys / 2**30
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30  # macOS: total, not free
    except (OSError, ValueError, AttributeError):
        return None


def check_resources() -> list[Check]:
    memory = available_memory_gib()
    disk = shutil.disk_usage(paths.ROOT).free / 2**30
    return [Check("memory", memory is None or memory >= MIN_MEMORY_GIB,
                  "unknown" if memory is None else
                  f"{memory:.1f} GiB {'in all (macOS: free memory is not read)' if sys.platform == 'darwin' else 'available'}",
                  f"close other programs: the standard profile needs about {MIN_MEMORY_GIB:.0f} GiB "
                  "(COURSE_PROFILE=smoke needs less)", essential=False),
            Check("disk", disk >= MIN_DISK_GIB, f"{disk:.1f} GiB free in {paths.ROOT.name}/",
                  f"free at least {MIN_DISK_GIB:.0f} GiB", essential=False)]


def run() -> list[Check]:
    """Every check, in the order the report shows them."""
    return [check_python(), *check_packages(), check_tensorflow(), check_cpu(), *check_data(), *check_models(),
            *check_resources()]


def report(checks: list[Check]) -> str:
    """The checks as one screen of text: a mark, the name, what was found, and the fix on problems."""
    lines = []
    for c in checks:
        mark = "ok " if c.ok else ("ERR" if c.essential else "-- ")
        lines.append(f"{mark} {c.name:28} {c.found}" + ("" if c.ok else f"\n    fix: {c.fix}"))
    bad = [c for c in checks if not c.ok and c.essential]
    lines.append("ready: run the notebooks in order" if not bad else
                 f"not ready: {len(bad)} problem(s) above (ERR); fix them and run `python -m helpers doctor` again")
    return "\n".join(lines)
