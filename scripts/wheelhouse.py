#!/usr/bin/env python3
"""Download every wheel the course needs into a folder, for laptops with no network (a workshop).

    python scripts/wheelhouse.py [--out wheelhouse] [--target host|linux-x86_64|macos-arm64|windows-x86_64 ...]
                                 [--python 3.11 ...]

``host`` (the default) is this machine with its own Python. Other targets are
downloaded binary-only for the Pythons named (default 3.11), their environment
markers evaluated for that target (``scripts/check_platforms.py`` explains why).
The packages that ship only a source distribution (idx2numpy) come as one, and
``setuptools`` comes too: ``pip install -e .`` builds the course's package with
it. ``make setup`` then installs from the folder with ``--no-index``:
no package index is asked. Needs the network, once.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from check_platforms import GPU_SWAP, ROOT, SOURCE_ONLY, TARGETS, Requirement, for_target, requirements

BUILD = ["setuptools>=77"]  # pyproject.toml's build backend, for the editable install


def pip_download(lines: list[str], out: Path, extra: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        req.write_text("\n".join(lines) + "\n")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(out), "-r", str(req), *extra],
                       check=True)


def download(target: str, python: str, out: Path, reqs: list[Requirement]) -> None:
    if target == "host":
        pip_download([*map(str, reqs), *BUILD], out, [])
        return
    platforms, env = TARGETS[target]
    lines = for_target(reqs, env, python)
    if target.endswith("-gpu"):  # README's GPU recipe: the CUDA build in place of the CPU-only one
        lines = [GPU_SWAP.get(Requirement(line).name, Requirement(line).name) + str(Requirement(line).specifier)
                 for line in lines]
    lines += BUILD
    tags = [arg for tag in platforms for arg in ("--platform", tag)]
    common = ["--python-version", python, "--implementation", "cp", *tags]
    binary = [line for line in lines if Requirement(line).name not in SOURCE_ONLY]
    source = [line for line in lines if Requirement(line).name in SOURCE_ONLY]
    pip_download(binary, out, ["--only-binary=:all:", *common])
    if source:
        pip_download(source, out, ["--no-deps", *common])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "wheelhouse")
    parser.add_argument("--target", nargs="+", default=["host"], choices=["host", *TARGETS])
    parser.add_argument("--python", nargs="+", default=["3.11"], help="Pythons for the other targets (default 3.11)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    reqs = requirements(ROOT / "requirements.txt")
    for target in args.target:
        for python in ([".".join(map(str, sys.version_info[:2]))] if target == "host" else args.python):
            print(f"downloading for {target}, Python {python} ...", flush=True)
            download(target, python, args.out, reqs)
    files = sorted(args.out.iterdir())
    size = sum(f.stat().st_size for f in files) / 2**20
    print(f"{args.out}: {len(files)} files, {size:,.0f} MiB. Copy it with the course; `make setup` installs from it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
