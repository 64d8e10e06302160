"""Plots the lessons share: image grids, training curves, confusion matrices."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np


def show_images(images, labels=None, predictions=None, ncols: int = 10, title: str | None = None,
                size: float = 1.1):
    """Show a grid of images, each titled with its label (and prediction, red when wrong).

    ``images`` is ``(N, H, W)`` or ``(N, H, W, C)``; wide images (the numbers
    of Part II) get wide cells. Labels may be digits or strings. Taught in
    ``00_mnist_data``; used wherever a lesson shows digits or numbers.
    """
    images = np.asarray(images)
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    aspect = min(images.shape[2] / images.shape[1], 6) if n else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * aspect * ncols, size * nrows * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i].squeeze(), cmap="gray_r" if images[i].squeeze().ndim == 2 else None)
        if labels is not None and predictions is not None:
            ok = labels[i] == predictions[i]
            ax.set_title(f"{labels[i]}→{predictions[i]}", fontsize=9, color="black" if ok else "red")
        elif labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def plot_history(histories: dict, metrics=("loss", "accuracy"), title: str | None = None):
    """Training and validation curves of one or more runs, one panel per metric.

    ``histories`` maps a run name to a Keras ``History`` (or its ``.history``
    dict). Solid lines are training, dashed validation. Taught in
    ``01_linear_model``; used by every training lesson.
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for i, (name, hist) in enumerate(histories.items()):
            hist = getattr(hist, "history", hist)
            epochs = np.arange(1, len(hist[metric]) + 1)
            color = f"C{i}"
            marker = "o" if len(epochs) <= 5 else None  # a short run: show the points, not a line between two
            ax.plot(epochs, hist[metric], "-", color=color, marker=marker, label=f"{name} (train)")
            if f"val_{metric}" in hist:
                ax.plot(epochs, hist[f"val_{metric}"], "--", color=color, marker=marker,
                        label=f"{name} (validation)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        if metric == "loss":
            ax.set_yscale("log")
        ax.set_title(metric)
        ax.legend(fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """Counts ``[true, predicted]`` as an integer matrix (rows: true class).

    Taught in ``08_ensembles_and_error_analysis``.
    """
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def most_confused(y_true, y_pred, top: int = 5) -> list[tuple[int, int, int]]:
    """The ``top`` most frequent mistakes as ``(true, predicted, count)``, largest first.

    Taught in ``01_linear_model``; used again in the error-analysis lesson.
    """
    matrix = confusion_matrix(y_true, y_pred)
    np.fill_diagonal(matrix, 0)
    order = np.argsort(matrix, axis=None)[::-1][:top]
    return [(int(t), int(p), int(matrix[t, p])) for t, p in zip(*np.unravel_index(order, matrix.shape))]


def plot_confusion_matrix(y_true, y_pred, title: str = "Confusion matrix (test set)"):
    """Heat map of the confusion matrix with counts; the diagonal is dimmed so mistakes stand out.

    Taught in ``01_linear_model``.
    """
    matrix = confusion_matrix(y_true, y_pred)
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.imshow(off, cmap="Reds", vmin=0, vmax=max(off.max(), 1))
    dark = off > 0.6 * max(off.max(), 1)  # white text on the darkest cells, black elsewhere
    for t in range(matrix.shape[0]):
        for p in range(matrix.shape[1]):
            ax.text(p, t, matrix[t, p], ha="center", va="center", fontsize=9,
                    color="dimgrey" if t == p else ("white" if dark[t, p] else "black"))
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    ax.grid(False)
    fig.tight_layout()
    plt.show()
