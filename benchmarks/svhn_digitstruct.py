"""How long parsing SVHN's digitStruct.mat takes, on a generated file of the official train size.

Writes a v7.3 (HDF5) digitStruct.mat with 33,402 images in the official layout
(tests/svhn_fixtures.write_digit_struct; digit counts distributed as in SVHN train),
then times helpers.svhn.parse_digit_struct on it. Not part of the tests.

    python benchmarks/svhn_digitstruct.py [--images 33402] [--file PATH]

``--file`` keeps the generated file at PATH (and reuses it if it is there), so a
second run times only the parse.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from helpers import svhn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from svhn_fixtures import write_digit_struct  # noqa: E402  (the tests' writer of the official layout)


def fake_entries(count: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    lengths = rng.choice([1, 2, 3, 4, 5], size=count, p=[0.15, 0.50, 0.29, 0.055, 0.005])
    entries = []
    for i, n in enumerate(lengths):
        left = rng.integers(0, 200)
        entries.append({"name": f"{i + 1}.png", "label": rng.integers(0, 10, n).tolist(),
                        "left": [int(left + 15 * j) for j in range(n)], "top": [int(rng.integers(0, 50))] * n,
                        "width": rng.integers(5, 30, n).tolist(), "height": [int(rng.integers(15, 60))] * n})
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=33_402)
    parser.add_argument("--file", type=Path, help="keep (or reuse) the generated digitStruct.mat here")
    args = parser.parse_args()
    entries = fake_entries(args.images)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "digitStruct.mat"
        start = time.perf_counter()
        if not path.exists():
            write_digit_struct(path, entries)
        written = time.perf_counter() - start
        start = time.perf_counter()
        parsed = svhn.parse_digit_struct(path)
        seconds = time.perf_counter() - start
        assert parsed == entries, "the parse does not round-trip"
        print(f"{args.images:,} images, {sum(len(e['label']) for e in entries):,} digits, "
              f"{path.stat().st_size / 1e6:.1f} MB: written in {written:.1f} s, parsed in {seconds:.1f} s "
              f"({1e6 * seconds / args.images:.0f} µs per image)")


if __name__ == "__main__":
    main()
