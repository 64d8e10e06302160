"""Test fixtures in SVHN's official formats, written by the tests themselves (no downloads).

:func:`write_digit_struct` writes a ``digitStruct.mat`` exactly as the official format-1
archives hold it; the tests and ``benchmarks/svhn_digitstruct.py`` use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.svhn import FIELDS


def write_digit_struct(path: Path, entries: list[dict]) -> None:
    """Write ``entries`` (as :func:`parse_digit_struct` returns them) in the official v7.3 layout.

    Group ``digitStruct`` with ``name`` and ``bbox``, each ``(N, 1)`` object
    references; a name points to a uint16 character array; a bbox points to a
    group of ``height``, ``label``, ``left``, ``top``, ``width`` holding the
    value itself for one digit, or references to ``(1, 1)`` datasets for more.
    Label 0 is written as 10. Used by the tests and ``benchmarks/svhn_digitstruct.py``.
    """
    import h5py

    ref_dtype = h5py.special_dtype(ref=h5py.Reference)
    with h5py.File(path, "w") as f:
        refs = f.create_group("#refs#")
        names = np.empty((len(entries), 1), dtype=object)
        bboxes = np.empty((len(entries), 1), dtype=object)
        counter = 0
        for i, entry in enumerate(entries):
            chars = np.frombuffer(entry["name"].encode("utf-16-le"), dtype=np.uint16).reshape(-1, 1)
            names[i, 0] = refs.create_dataset(f"n{i}", data=chars).ref
            group = refs.create_group(f"b{i}")
            bboxes[i, 0] = group.ref
            for field in FIELDS:
                values = [10 if (field == "label" and v == 0) else v for v in entry[field]]
                if len(values) == 1:
                    group.create_dataset(field, data=np.array([[float(values[0])]]))
                else:
                    items = np.empty((len(values), 1), dtype=object)
                    for j, v in enumerate(values):
                        items[j, 0] = refs.create_dataset(f"v{counter}", data=np.array([[float(v)]])).ref
                        counter += 1
                    group.create_dataset(field, data=items, dtype=ref_dtype)
        struct = f.create_group("digitStruct")
        struct.create_dataset("name", data=names, dtype=ref_dtype)
        struct.create_dataset("bbox", data=bboxes, dtype=ref_dtype)
