"""Metrics for reading numbers (Parts II-IV) and for boxes (Parts III-IV).

Numbers can be given either as slot arrays ``(N, slots)`` with the blank class
after the last digit (what a model with one head per position predicts) or as
a list of strings (what a CTC decoder produces); slot arrays are read with
:func:`to_strings`, so ``[4, 2, 10, 10, 10]`` is ``"42"``.
Boxes are ``(x, y, width, height)`` in pixels, one row per image.
"""

from __future__ import annotations

import numpy as np

BLANK = 10  # the class after a number's last digit, in slot labels and predictions (notebook 10)


def to_strings(y: np.ndarray, blank: int = BLANK) -> list[str]:
    """Slot labels or predictions ``(N, slots)`` as the numbers they spell: the digits before the first blank.

    ``[[4, 2, 10, 10, 10]]`` gives ``["42"]``. Used by the sequence metrics
    and the plots of notebooks 10-12.
    """
    out = []
    for row in np.asarray(y):
        digits = []
        for value in row:
            if value == blank:
                break
            digits.append(str(int(value)))
        out.append("".join(digits))
    return out


def _strings(values) -> list[str]:
    if isinstance(values, (list, tuple)) and all(isinstance(v, str) for v in values):
        return list(values)
    return to_strings(np.asarray(values))


def _check_same_length(a, b) -> None:
    if len(a) != len(b):
        raise ValueError(f"got {len(a)} true numbers and {len(b)} predictions; they must pair up")


def sequence_accuracy(y_true, y_pred) -> float:
    """Share of numbers read exactly right (every digit, and no digit too many or too few).

    Taught in ``10_digit_sequences``; also used in notebooks 11, 12 and 14.
    """
    true, pred = _strings(y_true), _strings(y_pred)
    _check_same_length(true, pred)
    return float(np.mean([t == p for t, p in zip(true, pred)])) if true else 0.0


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions turning ``a`` into ``b``.

    Taught in ``10_digit_sequences`` (the character accuracy).
    """
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_accuracy(y_true, y_pred) -> float:
    """One minus the character error rate: ``1 - (total edit distance) / (total true digits)``, floored at 0.

    A wrong digit, a missing digit and an extra digit each cost one. Unlike a
    comparison slot by slot, this is fair to models without slots (CTC).
    Taught in ``10_digit_sequences``.
    """
    true, pred = _strings(y_true), _strings(y_pred)
    _check_same_length(true, pred)
    digits = sum(len(t) for t in true)
    if digits == 0:
        raise ValueError("the true numbers hold no digits")
    errors = sum(edit_distance(t, p) for t, p in zip(true, pred))
    return max(0.0, 1.0 - errors / digits)


def position_accuracy(y_true, y_pred) -> np.ndarray:
    """Accuracy of each slot (blank included) for slot arrays ``(N, slots)``; one value per position.

    Taught in ``10_digit_sequences``.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 2:
        raise ValueError(f"need two (N, slots) arrays of the same shape, got {y_true.shape} and {y_pred.shape}")
    return (y_true == y_pred).mean(axis=0)


def sequence_report(y_true, y_pred) -> dict[str, float]:
    """``{"sequence accuracy": ..., "character accuracy": ...}`` for the ledger (notebooks 10-14)."""
    return {"sequence accuracy": sequence_accuracy(y_true, y_pred),
            "character accuracy": character_accuracy(y_true, y_pred)}


def iou(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of paired ``(x, y, width, height)`` boxes, one value per row.

    Taught in ``12_localization``; used again in ``14_svhn_multi_digit``.
    """
    a, b = np.asarray(boxes_a, dtype=float), np.asarray(boxes_b, dtype=float)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"need two (N, 4) arrays of boxes (x, y, width, height), got {a.shape} and {b.shape}")
    if (a[:, 2:] < 0).any() or (b[:, 2:] < 0).any():
        raise ValueError("box widths and heights must not be negative")
    left, top = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def box_report(true_boxes, pred_boxes) -> dict[str, float]:
    """Mean IoU, share of boxes with IoU >= 0.5 and >= 0.75, and mean absolute corner error in pixels.

    The corner error averages ``|dx|`` and ``|dy|`` over both corners (top-left
    and bottom-right). Taught in ``12_localization``.
    """
    values = iou(true_boxes, pred_boxes)
    t, p = np.asarray(true_boxes, dtype=float), np.asarray(pred_boxes, dtype=float)
    def corners(b):
        return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)

    return {"mean IoU": float(values.mean()), "IoU >= 0.5": float((values >= 0.5).mean()),
            "IoU >= 0.75": float((values >= 0.75).mean()),
            "corner error (px)": float(np.abs(corners(t) - corners(p)).mean())}

