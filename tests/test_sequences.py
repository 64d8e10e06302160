"""Synthetic numbers (helpers.sequences) and the sequence and box metrics (helpers.metrics)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers import metrics, sequences
from helpers.sequences import BLANK


def fake_digits(n=50, seed=0):
    """28x28 'digits' whose ink value encodes the label: a block of value 20 * (label + 1)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels):
        top, left = rng.integers(3, 8, 2)
        image[top:top + 16, left:left + 6 + label] = 20 * (label + 1)
    return images, labels


@pytest.mark.parametrize("layout", sequences.LAYOUTS)
def test_shapes_and_blanks_only_after_the_last_digit(layout):
    images, labels = fake_digits()
    x, y = sequences.make_numbers(images, labels, 40, min_len=1, max_len=5, layout=layout, seed=3)
    assert x.shape == (40, 28, 140, 1) and x.dtype == np.float32 and y.shape == (40, 5)
    assert 0.0 <= x.min() and x.max() <= 1.0
    for row in y:
        n = int((row != BLANK).sum())
        assert 1 <= n <= 5
        assert (row[:n] != BLANK).all() and (row[n:] == BLANK).all(), row
    assert {len(s) for s in sequences.to_strings(y)} == {1, 2, 3, 4, 5}


def test_slot_labels_match_the_digits_drawn():
    images, labels = fake_digits()
    x, y = sequences.make_numbers(images, labels, 30, min_len=1, max_len=5, layout="slots", seed=1)
    pixels = np.rint(x[..., 0] * 255).astype(int)
    for canvas, row in zip(pixels, y):
        for slot, label in enumerate(row):
            ink = canvas[:, 28 * slot:28 * (slot + 1)]
            if label == BLANK:
                assert ink.max() == 0, "blank slots stay empty"
            else:
                assert ink.max() == 20 * (label + 1), "the slot shows the digit its label names"


def test_random_layout_labels_match_the_digits_drawn():
    images, labels = fake_digits()
    x, y = sequences.make_numbers(images, labels, 30, min_len=1, max_len=5, layout="random", seed=2)
    pixels = np.rint(x[..., 0] * 255).astype(int)
    for canvas, row in zip(pixels, y):
        drawn = {v for v in np.unique(canvas) if v and v % 20 == 0}  # block interiors keep their exact value
        assert {20 * (d + 1) for d in row if d != BLANK} == drawn, "every digit labelled is drawn, and no other"


def test_numbers_use_only_the_split_they_are_given():
    images, labels = fake_digits(200)
    keep = labels < 3  # a "split" holding only 0, 1 and 2
    x, y = sequences.make_numbers(images[keep], labels[keep], 100, min_len=1, max_len=5, seed=0)
    assert set(np.unique(y)) <= {0, 1, 2, BLANK}
    assert set(np.unique(np.rint(x * 255).astype(int))) <= {0, 20, 40, 60}, "only those digits' images are drawn"


def test_digit_splits_never_mix(tiny_mnist, course_env):
    source, arrays = tiny_mnist
    import shutil
    shutil.copytree(source / "mnist", course_env / "data" / "mnist")
    splits = sequences.digit_splits(valid_size=4)
    assert len(splits["train"][0]) == 8 and len(splits["valid"][0]) == 4 and len(splits["test"][0]) == 5
    train, valid = splits["train"][0].reshape(8, -1), splits["valid"][0].reshape(4, -1)
    assert not {r.tobytes() for r in train} & {r.tobytes() for r in valid}
    np.testing.assert_array_equal(splits["test"][0], arrays["test_images"])


@pytest.mark.parametrize("layout", sequences.LAYOUTS)
def test_numbers_are_deterministic_for_a_seed(layout):
    images, labels = fake_digits()
    a = sequences.make_numbers(images, labels, 20, min_len=1, layout=layout, seed=5)
    b = sequences.make_numbers(images, labels, 20, min_len=1, layout=layout, seed=5)
    c = sequences.make_numbers(images, labels, 20, min_len=1, layout=layout, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_random_layout_keeps_every_digit_inside_and_boxes_tight():
    images, labels = fake_digits()
    rng = np.random.default_rng(0)
    for trial in range(200):
        canvas = np.zeros((28, 140), dtype=np.uint8)
        digits = list(images[rng.integers(0, len(images), rng.integers(1, 7))])
        boxes = sequences.place_number(canvas, digits, rng)
        assert len(boxes) == len(digits)
        inside = np.zeros_like(canvas, dtype=bool)
        for x, y, w, h in boxes:
            assert x >= 0 and y >= 0 and x + w <= 140 and y + h <= 28, "digit cut off by the border"
            region = canvas[y:y + h, x:x + w]
            # tight: ink touches each side of the box (neighbours may overlap, never enlarge it)
            assert region[0].any() and region[-1].any() and region[:, 0].any() and region[:, -1].any()
            inside[y:y + h, x:x + w] = True
        assert not canvas[~inside].any(), "ink outside every box"
        # every digit's ink is all there: the canvas is exactly its patches laid over each other
        # (fake digits are solid blocks, and overlapping ink keeps the brighter of the two)
        expected = np.zeros_like(canvas)
        for (x, y, w, h), digit in zip(boxes, digits):
            np.maximum(expected[y:y + h, x:x + w], digit.max(), out=expected[y:y + h, x:x + w])
        np.testing.assert_array_equal(canvas, expected)


def test_random_layout_breaks_the_fixed_columns():
    images, labels = fake_digits()
    x, y = sequences.make_numbers(images, labels, 200, min_len=5, max_len=5, layout="random", seed=0)
    starts = []
    for canvas in x[..., 0]:
        starts.append(np.flatnonzero(canvas.any(axis=0))[0])
    assert np.std(starts) > 5, "numbers start at varied offsets"


def test_layout_arguments_are_checked():
    images, labels = fake_digits()
    with pytest.raises(ValueError, match="unknown layout"):
        sequences.make_numbers(images, labels, 2, layout="grid")
    with pytest.raises(ValueError, match="width >= 168"):
        sequences.make_numbers(images, labels, 2, min_len=6, max_len=6, layout="slots")
    with pytest.raises(ValueError, match="min_len"):
        sequences.make_numbers(images, labels, 2, min_len=0)


def test_six_digit_numbers_fit_the_same_canvas():
    images, labels = fake_digits()
    x, y = sequences.make_numbers(images, labels, 10, min_len=6, max_len=6, layout="random", seed=0)
    assert x.shape == (10, 28, 140, 1) and y.shape == (10, 6) and (y != BLANK).all()
    pixels = np.rint(x[..., 0] * 255).astype(int)
    assert all({20 * (d + 1) for d in row} <= set(np.unique(canvas)) for canvas, row in zip(pixels, y)), \
        "all six digits are drawn"


def test_batches_are_generated_on_the_fly_and_reproducible():
    images, labels = fake_digits()
    batches = sequences.SequenceBatches(images, labels, batch_size=8, steps=3, seed=1, min_len=1, layout="random")
    assert len(batches) == 3
    first = batches[1]
    assert first[0].shape == (8, 28, 140, 1) and first[1].shape == (8, 5)
    np.testing.assert_array_equal(batches[1][0], first[0])  # same batch, same epoch: same numbers
    batches.on_epoch_end()
    assert not np.array_equal(batches[1][0], first[0])  # a new epoch shows new numbers
    again = sequences.SequenceBatches(images, labels, batch_size=8, steps=3, seed=1, min_len=1, layout="random")
    np.testing.assert_array_equal(again[1][1], first[1])
    np.testing.assert_array_equal(again[1][0], first[0])  # a new instance with the same seed: the same numbers
    shifted = sequences.SequenceBatches(images, labels, 8, 3, seed=1, target=lambda y: y + 1, min_len=1)
    np.testing.assert_array_equal(shifted[0][1], batches.maker(images, labels, 8, seed=np.random.default_rng([1, 0, 0]),
                                                               min_len=1)[1] + 1)



def test_array_batches_serve_fixed_sets_in_order_without_copying():
    x, y = sequences.make_numbers(*fake_digits(), 10, seed=2)
    batches = sequences.ArrayBatches(x, y, batch_size=4)
    assert len(batches) == 3  # 4 + 4 + a last batch of 2
    served = [batches[i] for i in range(len(batches))]
    assert [len(bx) for bx, _ in served] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([by for _, by in served]), y)
    assert all(np.shares_memory(bx, x) for bx, _ in served)  # views of the set, not copies
    assert all(np.shares_memory(by, y) for _, by in served)
    only_x = sequences.ArrayBatches(x, batch_size=4)
    np.testing.assert_array_equal(only_x[2], x[8:])
    named = sequences.ArrayBatches(x, {"digits": y, "first": y[:, 0]}, batch_size=4)
    np.testing.assert_array_equal(named[1][1]["first"], y[4:8, 0])
    for wrong in (y[:9], {"digits": y, "first": y[:9, 0]}):
        with pytest.raises(ValueError, match="differ in length"):
            sequences.ArrayBatches(x, wrong)
    model = keras.Sequential([keras.Input((28, 140, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    np.testing.assert_allclose(model.predict(sequences.ArrayBatches(x, batch_size=4), verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)

# ---- metrics on hand-made cases -------------------------------------------------------------

def test_to_strings_stops_at_the_first_blank():
    assert sequences.to_strings(np.array([[4, 2, 10, 10, 10], [10, 1, 2, 3, 4], [1, 10, 3, 10, 10]])) == ["42", "", "1"]


def test_sequence_and_character_accuracy_on_hand_made_cases():
    true = np.array([[1, 2, 3, 10, 10], [4, 5, 10, 10, 10], [6, 10, 10, 10, 10], [7, 8, 9, 0, 1]])
    pred = np.array([[1, 2, 3, 10, 10], [4, 6, 10, 10, 10], [6, 6, 10, 10, 10], [7, 8, 9, 0, 10]])
    assert metrics.sequence_accuracy(true, pred) == 0.25
    # 11 true digits; errors: one substitution, one insertion, one deletion
    assert metrics.character_accuracy(true, pred) == pytest.approx(1 - 3 / 11)
    np.testing.assert_allclose(metrics.position_accuracy(true, pred), [1, 0.5, 1, 1, 0.75])
    assert metrics.sequence_accuracy(["12", "7"], ["12", "71"]) == 0.5  # strings, as a CTC decoder gives
    assert metrics.character_accuracy(true[:2], ["12", "7"]) == pytest.approx(1 - 3 / 5)  # arrays and strings mix
    assert metrics.character_accuracy(["1"], ["2345"]) == 0.0  # floored: four errors on one digit
    assert metrics.sequence_report(true, true) == {"sequence accuracy": 1.0, "character accuracy": 1.0}


def test_edit_distance():
    assert metrics.edit_distance("", "") == 0
    assert metrics.edit_distance("123", "123") == 0
    assert metrics.edit_distance("123", "13") == 1
    assert metrics.edit_distance("123", "1234") == 1
    assert metrics.edit_distance("123", "321") == 2
    assert metrics.edit_distance("", "42") == 2


def test_metrics_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="pair up"):
        metrics.sequence_accuracy(["1"], ["1", "2"])
    with pytest.raises(ValueError, match="same shape"):
        metrics.position_accuracy(np.zeros((2, 5)), np.zeros((2, 6)))
    with pytest.raises(ValueError, match="no digits"):
        metrics.character_accuracy([""], ["1"])


def test_iou_and_box_report_on_hand_made_boxes():
    true = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 4, 2]])
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5], [5, 5, 4, 2]])
    np.testing.assert_allclose(metrics.iou(true, pred), [1, 50 / 150, 0, 1])
    report = metrics.box_report(true, pred)
    assert report["mean IoU"] == pytest.approx((2 + 1 / 3) / 4)
    assert report["IoU >= 0.5"] == 0.5 and report["IoU >= 0.75"] == 0.5
    # corner errors: 0; dx 5 at both corners; 20 and 15 on each coordinate; 0
    assert report["corner error (px)"] == pytest.approx((0 + 10 / 4 + (20 + 20 + 15 + 15) / 4 + 0) / 4)
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        metrics.iou(true, pred[:, :3])


# ---- canvases for localization (notebook 12) -------------------------------------------------

@pytest.mark.parametrize("clutter", [False, True])
def test_canvas_boxes_enclose_exactly_the_number(clutter):
    images, labels = fake_digits()
    x, y, boxes = sequences.make_canvases(images, labels, 30, clutter=clutter, seed=4)
    assert x.shape == (30, 128, 256, 1) and y.shape == (30, 5) and boxes.shape == (30, 4)
    clean = sequences.make_canvases(images, labels, 30, clutter=False, seed=4)[0]
    for canvas, box in zip(clean[..., 0], boxes):
        bx, by, bw, bh = box
        assert bx >= 0 and by >= 0 and bx + bw <= 256 and by + bh <= 128
        rows, cols = np.flatnonzero(canvas.any(axis=1)), np.flatnonzero(canvas.any(axis=0))
        assert (cols[0], rows[0], cols[-1] + 1 - cols[0], rows[-1] + 1 - rows[0]) == tuple(box), "box == ink extent"
    if clutter:  # clutter only adds ink, never moves the number
        assert (x >= clean - 1e-6).all() and (x > clean).any()


def test_canvas_numbers_are_scaled_and_labels_consistent():
    images, labels = fake_digits()
    x, y, boxes = sequences.make_canvases(images, labels, 200, seed=1)
    pixels = np.rint(x[..., 0] * 255).astype(int)
    for canvas, row in zip(pixels, y):
        n = int((row != BLANK).sum())
        assert (row[n:] == BLANK).all(), "blanks only after the last digit"
        assert {20 * (d + 1) for d in row[:n]} <= set(np.unique(canvas)), "each digit labelled is on the canvas"
    heights = boxes[:, 3]
    assert heights.min() < 30 < heights.max(), "numbers come in varied sizes"
    lengths = (y != BLANK).sum(axis=1)
    assert set(lengths) == {1, 2, 3, 4, 5}
    # longer numbers make wider boxes, at the same scale range
    assert boxes[lengths == 5, 2].mean() > 2 * boxes[lengths == 1, 2].mean()
    a = sequences.make_canvases(images, labels, 5, seed=9, clutter=True)
    b = sequences.make_canvases(images, labels, 5, seed=9, clutter=True)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
