#!/usr/bin/env python3
"""Does ``requirements.txt`` resolve on every platform a workshop meets?

Asks the package index (so it is not part of the tests) what ``pip`` would
install for each target, without installing anything: Linux x86-64, macOS on
Apple silicon and Windows x86-64 (and Linux with README's GPU recipe), each for
Python 3.11 and 3.12. Prints one
line per target and exits 1 when any target fails.

pip evaluates environment markers (``; sys_platform == "darwin"``) against the
machine it runs on, not against ``--platform``, so this script evaluates them
for each target itself and hands pip the requirements that target would
install. ``linux-x86_64-gpu`` checks README's GPU recipe (``tensorflow[and-cuda]`` in
place of ``tensorflow-cpu``). Everything is resolved binary-only (``--only-binary=:all:``) except
the few packages that ship only a source distribution (idx2numpy), which are
resolved on their own with ``--no-deps``.

    python scripts/check_platforms.py [--python 3.11 3.12] [--requirements requirements.txt]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # pragma: no cover - pip always vendors it
    from pip._vendor.packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# target -> (pip --platform tags, marker environment)
TARGETS = {
    # glibc 2.28 (Debian 10, Ubuntu 20.04 and later) and every older manylinux tag it accepts
    "linux-x86_64": ([f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)]
                     + ["manylinux2014_x86_64", "linux_x86_64"],
                     {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
                      "os_name": "posix"}),
    "macos-arm64": (["macosx_14_0_arm64", "macosx_12_0_arm64", "macosx_11_0_arm64"],
                    {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64",
                     "os_name": "posix"}),
    "windows-x86_64": (["win_amd64"],
                       {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
                        "os_name": "nt"}),
}
# README's GPU recipe on Linux: the CPU-only build swapped for the CUDA one.
TARGETS["linux-x86_64-gpu"] = (TARGETS["linux-x86_64"][0], TARGETS["linux-x86_64"][1])
GPU_SWAP = {"tensorflow-cpu": "tensorflow[and-cuda]"}
SOURCE_ONLY = {"idx2numpy"}  # no wheels on the index: resolved with --no-deps


def requirements(path: Path) -> list[Requirement]:
    """The requirement lines of ``path`` (comments, blank lines and pip options left out)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def for_target(reqs: list[Requirement], env: dict, python: str) -> list[str]:
    """The requirements a target installs, markers evaluated for it, as plain ``name==version`` lines."""
    full = {**env, "python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    kept = [r for r in reqs if r.marker is None or r.marker.evaluate(full)]
    return [f"{r.name}{'[' + ','.join(sorted(r.extras)) + ']' if r.extras else ''}{r.specifier}" for r in kept]


def dry_run(lines: list[str], platforms: list[str], python: str, binary_only: bool) -> tuple[bool, list[str], str]:
    """Ask pip what it would install; return ``(ok, [name==version, ...], error text)``."""
    with tempfile.TemporaryDirectory() as tmp:
        req, report = Path(tmp) / "req.txt", Path(tmp) / "report.json"
        req.write_text("\n".join(lines) + "\n")
        cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--python-version", python, "--implementation", "cp", "--report", str(report), "-r", str(req)]
        cmd += ["--only-binary=:all:"] if binary_only else ["--no-deps"]
        for tag in platforms:
            cmd += ["--platform", tag]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            error = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
            return False, [], (error[0] if error else proc.stderr.strip()[-300:])
        items = json.loads(report.read_text())["install"]
        return True, [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items], ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", nargs="+", default=["3.11", "3.12"], help="Python versions (default 3.11 3.12)")
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements.txt")
    parser.add_argument("--target", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--verbose", action="store_true", help="also list every package pip would install")
    args = parser.parse_args(argv)

    reqs = requirements(args.requirements)
    failed = 0
    for python in args.python:
        for target in args.target:
            platforms, env = TARGETS[target]
            lines = for_target(reqs, env, python)
            if target.endswith("-gpu"):
                lines = [GPU_SWAP.get(Requirement(line).name, Requirement(line).name) + str(Requirement(line).specifier)
                         for line in lines]
            binary = [line for line in lines if Requirement(line).name not in SOURCE_ONLY]
            source = [line for line in lines if Requirement(line).name in SOURCE_ONLY]
            ok, installed, error = dry_run(binary, platforms, python, binary_only=True)
            if ok and source:
                ok, extra, error = dry_run(source, platforms, python, binary_only=False)
                installed += extra
            tf = next((p for p in installed if p.lower().replace("_", "-").startswith(("tensorflow==", "tensorflow-cpu=="))), "")
            if ok:
                print(f"ok    python {python}  {target:16} {len(installed):3} packages  ({tf or 'no TensorFlow'})")
                if args.verbose:
                    print("      " + " ".join(sorted(installed, key=str.lower)))
            else:
                failed += 1
                print(f"FAIL  python {python}  {target:16} {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
