"""The offline SVHN stand-in: shapes, labels and boxes, determinism, variety, caching."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

from helpers import standin


def test_cropped_digits_have_svhn_shapes_and_labels(course_env):
    x, y = standin.cropped("test", 40, progress=False)
    assert x.shape == (40, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (40,) and y.dtype == np.uint8 and set(y) <= set(range(10))
    assert len(set(y)) >= 6


def test_boxes_enclose_each_digits_ink():
    """Boxes as SVHN's annotators drew them: around the ink, tight in height, often looser in width."""
    rng = np.random.default_rng(1)
    for _ in range(40):
        picture, digits, boxes, masks = standin.render_number(rng, return_masks=True)
        height, width, channels = picture.shape
        assert channels == 3 and len(digits) == len(boxes) == len(masks)
        for (left, top, w, h), mask in zip(boxes, masks):
            assert 0 <= left and 0 <= top and left + w <= width and top + h <= height and w > 0 and h > 0
            ink = mask > 96
            inside = np.zeros_like(ink)
            inside[top:top + h, left:left + w] = True
            assert ink[inside].sum() == ink.sum(), "ink outside its box"
            assert ink[top, left:left + w].any() and ink[top + h - 1, left:left + w].any(), "box not tight in height"
            # as wide as the ink or wider (annotators' boxes are looser than the ink), the ink centred in it
            cols = np.flatnonzero(ink.any(axis=0))
            slack = cols[0] - left, left + w - 1 - cols[-1]
            assert min(slack) >= 0 and (abs(slack[0] - slack[1]) <= 1 or left == 0 or left + w == width), slack
            # the digit is visible in the photo: its box differs from the plate around it
            assert picture[top:top + h, left:left + w].std() > 5


def test_requested_digits_are_drawn_in_order():
    rng = np.random.default_rng(2)
    _, digits, boxes = standin.render_number(rng, digits=[4, 0, 7])
    assert digits == [4, 0, 7]
    assert list(boxes[:, 0]) == sorted(boxes[:, 0]), "left to right"


def test_stand_in_is_deterministic_and_splits_differ(course_env):
    a = standin.cropped("train", 10, seed=3, progress=False)
    (course_env / "data" / "svhn-standin").rename(course_env / "moved")  # force a fresh render
    b = standin.cropped("train", 10, seed=3, progress=False)
    c = standin.cropped("test", 10, seed=3, progress=False)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_variety():
    rng = np.random.default_rng(4)
    renders = [standin.render_number(rng) for _ in range(150)]
    lengths = [len(d) for _, d, _ in renders]
    # lengths as on real houses (SVHN: about 16% one digit, 57% two, 23% three, 3% four, five very rare)
    assert {1, 2, 3} <= set(lengths) <= {1, 2, 3, 4, 5} and 0.4 < np.mean(np.equal(lengths, 2)) < 0.75
    firsts = np.bincount([d[0] for _, d, _ in renders], minlength=10)
    assert firsts[1] > firsts[9] and firsts[0] < 3, "leading digits: 1 commonest, 0 almost never (Benford's law)"
    sizes = {p.shape[:2] for p, _, _ in renders}
    assert len(sizes) > 100, "photos of varied size"
    colours = np.array([p.reshape(-1, 3).mean(axis=0) for p, _, _ in renders])
    assert colours.std(axis=0).min() > 25, "varied colours"
    heights = [b[:, 3].mean() for _, _, b in renders]
    assert max(heights) > 2 * min(heights), "varied digit sizes"
    assert len(standin.fonts()) >= 10


def test_cropped_is_cached(course_env, monkeypatch):
    first = standin.cropped("test", 5, progress=False)
    monkeypatch.setattr(standin, "render_number", lambda *a, **k: pytest.fail("should come from the cache"))
    np.testing.assert_array_equal(standin.cropped("test", 5, progress=False)[0], first[0])


def test_full_numbers_match_the_svhn_loader_layout(course_env):
    target, entries = standin.full("test", 6, progress=False)
    assert [e["name"] for e in entries] == [f"{i}.png" for i in range(1, 7)]
    for entry in entries:
        assert set(entry) == {"name", "label", "left", "top", "width", "height"}
        n = len(entry["label"])
        assert all(len(entry[k]) == n for k in ("left", "top", "width", "height"))
        with Image.open(target / entry["name"]) as image:
            assert image.mode == "RGB"
            assert max(np.add(entry["left"], entry["width"])) <= image.width
            assert max(np.add(entry["top"], entry["height"])) <= image.height
            assert min(entry["left"]) >= 0 and min(entry["top"]) >= 0
        assert all(0 <= d <= 9 for d in entry["label"])
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")], "no temporary folder left"
    assert standin.full("test", 6, progress=False)[1] == entries


def test_drawing_on_several_processes_gives_the_same_digits_and_photos(course_env, recwarn):
    """Each photo has its own random stream: two processes draw exactly what one draws, in the same order."""
    one = standin.cropped("test", 60, progress=False, processes=1)
    (course_env / "data" / "svhn-standin").rename(course_env / "one")
    two = standin.cropped("test", 60, progress=False, processes=2)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    folder_one, entries_one = standin.full("test", 20, progress=False, processes=1)
    folder_one = folder_one.rename(course_env / "photos-one")
    folder_two, entries_two = standin.full("test", 20, progress=False, processes=2)
    assert entries_one == entries_two
    assert all((folder_one / e["name"]).read_bytes() == (folder_two / e["name"]).read_bytes() for e in entries_two)
    assert not [w for w in recwarn if "worker processes" in str(w.message)], "the processes did not start"


def test_only_large_sets_start_processes(monkeypatch):
    assert standin.workers(standin.PARALLEL_FROM - 1) == 1
    assert 1 <= standin.workers(standin.PARALLEL_FROM) <= standin.MAX_WORKERS
    assert standin.workers(10, requested=3) == 3 and standin.workers(10**6, requested=0) == 1
    # a script read from standard input cannot be imported by a new process: draw here
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    assert standin.workers(10**6) == 1


def test_progress_in_a_notebook_is_two_clean_lines(capsys):
    """Outside a terminal (a notebook, a log) no bar is drawn: a start line and an end line, no debris."""
    from helpers.files import progress

    with progress(3, "drawing things") as bar:
        for _ in range(3):
            bar.update()
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2 and lines[0] == "drawing things: 3 ..." and lines[1].startswith("drawing things: 3 done in")
    assert "\r" not in captured.out + captured.err and "%|" not in captured.err
    with progress(3, "quiet", enabled=False) as bar:
        bar.update(3)
    assert capsys.readouterr().out == ""


def test_a_new_cache_removes_those_of_older_versions(course_env):
    folder = standin.folder()
    folder.mkdir(parents=True, exist_ok=True)
    old = [folder / f"cropped-train-48000-seed0-v{standin.VERSION - 1}.npz",
           folder / f"full-test-2000-seed0-v{standin.VERSION - 1}"]
    old[0].write_bytes(b"old digits")
    old[1].mkdir()
    (old[1] / "1.png").write_bytes(b"old photo")
    kept = [folder / "notes.txt", folder / f"cropped-test-7-seed0-v{standin.VERSION}.npz"]
    kept[0].write_text("the learner's own file")
    standin.cropped("test", 7, progress=False)  # drawn and cached: v{VERSION}
    assert not any(path.exists() for path in old)
    assert all(path.exists() for path in kept)
    standin.full("test", 3, progress=False)
    assert kept[0].exists() and kept[1].exists()
