"""How close is the offline stand-in to real SVHN? Measured on the real field-check sample.

Not part of the tests. Reads the real SVHN pieces in ``<COURSE_DATA_MIRROR>/svhn-fieldcheck/``
(or ``--fieldcheck DIR``): 4,956 real cropped test digits, the format-1 box annotations of all
46,470 photos, four real photos. They are an evaluation sample only: nothing here trains on them.

1. Transfer: notebook 13's saved digit model (``models/svhn_digit.keras`` and its card) on the
   real digits, overall and per class, with a confusion matrix and the ten most confident
   mistakes (PNGs), beside its accuracy on stand-in test digits.
2. Looks: a grid of stand-in crops above real ones (PNG), and per-channel colour statistics of
   both (mean, contrast, saturation, sharpness).
3. Geometry: the stand-in's format-1 photos against the real annotations: number lengths, digit
   height relative to photo height, box aspect ratios, gaps between neighbouring digits, photo
   sizes; the total-variation distance between each pair of histograms (0 = same, 1 = disjoint).
4. The four real photos through the two-stage reader of ``python -m helpers predict``
   (notebook 14's models), when those models are there.
5. Seconds to generate 10,000 stand-in digits and 1,000 stand-in photos (on a first run; the
   stand-in caches what it draws in ``<data dir>/svhn-standin``).

``--write-table`` instead writes the stand-in's geometry table, ``helpers/standin_geometry.json``:
quantiles of the real annotations (lengths, digit frequencies, heights, aspect ratios per digit,
gaps, margins), summaries only.

    python benchmarks/standin_realism.py [--fieldcheck DIR] [--out runs/standin-realism]
                                         [--digits 10000] [--photos 1000] [--write-table]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

from helpers import models, photos, plots, standin
from helpers.machinery import paths

REAL_PHOTOS = {"train_1.png": "19", "train_2.png": "23", "train_3.png": "25", "train_4.png": "93"}


def fieldcheck_folder(given: str | None) -> Path:
    folder = Path(given) if given else (paths.mirror_dir() / "svhn-fieldcheck" if paths.mirror_dir() else None)
    if folder is None or not (folder / "digits_32x32_test_sample.npz").exists():
        where = folder or f"<{paths.MIRROR_VAR}>/svhn-fieldcheck"
        sys.exit(f"error: no SVHN field-check sample at {where}. Give --fieldcheck DIR, or set "
                 f"{paths.MIRROR_VAR} to a mirror that holds svhn-fieldcheck/.")
    return folder


def gray_contrast(x: np.ndarray) -> np.ndarray:
    """Notebook 13's input: luminance, then per-image standardization (as its model card says)."""
    gray = (x.astype("float32") / 255) @ np.array([0.299, 0.587, 0.114], dtype="float32")
    gray = (gray - gray.mean(axis=(1, 2), keepdims=True)) / (gray.std(axis=(1, 2), keepdims=True) + 1e-3)
    return gray[..., None]


def colour_stats(x: np.ndarray) -> dict[str, float]:
    """Mean of each channel, mean per-image contrast (luminance std), saturation and sharpness (0-255 scale)."""
    f = x.astype("float32")
    lum = f @ np.array([0.299, 0.587, 0.114], dtype="float32")
    top, bottom = f.max(axis=-1), f.min(axis=-1)
    saturation = np.where(top > 0, (top - bottom) / np.maximum(top, 1e-6), 0) * 255
    laplace = np.abs(4 * lum[:, 1:-1, 1:-1] - lum[:, :-2, 1:-1] - lum[:, 2:, 1:-1] - lum[:, 1:-1, :-2] - lum[:, 1:-1, 2:])
    return {"red": f[..., 0].mean(), "green": f[..., 1].mean(), "blue": f[..., 2].mean(),
            "contrast": lum.std(axis=(1, 2)).mean(), "saturation": saturation.mean(), "sharpness": laplace.mean()}


def geometry(entries: list[dict], sizes: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """Per-photo and per-digit statistics of format-1 annotations; ``sizes`` are the photos' (width, height)."""
    lengths, heights, aspects, gaps, widths, tall = [], [], [], [], [], []
    for entry, (w, h) in zip(entries, sizes):
        lengths.append(len(entry["label"]))
        widths.append(w)
        tall.append(h)
        for bw, bh in zip(entry["width"], entry["height"]):
            heights.append(bh / h)
            aspects.append(bw / max(bh, 1))
        order = np.argsort(entry["left"])
        mean_h = max(np.mean(entry["height"]), 1)
        for a, b in zip(order[:-1], order[1:]):
            gaps.append((entry["left"][b] - (entry["left"][a] + entry["width"][a])) / mean_h)
    return {"length": np.array(lengths), "relative height": np.array(heights), "aspect ratio": np.array(aspects),
            "gap / digit height": np.array(gaps), "photo width": np.array(widths), "photo height": np.array(tall)}


def geometry_table(entries: list[dict]) -> dict:
    """The stand-in's geometry table (``helpers/standin_geometry.json``): quantiles of the real annotations.

    Per photo: the number's length, leading and other digits, mean digit height (pixels and as a
    share of the photo's height), horizontal margin (in digit heights) and how it splits left and
    right, how the vertical margin splits above and below; per neighbouring pair: the gap and the
    vertical step (in digit heights); per digit class: the box aspect ratio.
    """
    quantiles = np.linspace(0, 1, 41)
    columns = {key: [] for key in ("digit_height_px", "relative_height", "gap", "vertical_step", "margin_x",
                                   "left_share", "top_share")}
    aspect = {d: [] for d in range(10)}
    firsts, others = [], []
    for e in entries:
        h, w = np.array(e["height"], float), np.array(e["width"], float)
        left, top = np.array(e["left"], float), np.array(e["top"], float)
        mean_h = max(h.mean(), 1)
        order = np.argsort(left, kind="stable")
        labels = np.array(e["label"])[order]
        firsts.append(labels[0])
        others.extend(labels[1:])
        columns["digit_height_px"].append(mean_h)
        columns["relative_height"].append(mean_h / e["image_height"])
        for d, bw, bh in zip(e["label"], w, h):
            aspect[d].append(bw / max(bh, 1))
        for a, b in zip(order[:-1], order[1:]):
            columns["gap"].append((left[b] - (left[a] + w[a])) / mean_h)
            columns["vertical_step"].append((top[b] - top[a]) / mean_h)
        x0, x1, y0, y1 = left.min(), (left + w).max(), top.min(), (top + h).max()
        margin_l, margin_r = max(x0, 0), max(e["image_width"] - x1, 0)
        margin_t, margin_b = max(y0, 0), max(e["image_height"] - y1, 0)
        columns["margin_x"].append((margin_l + margin_r) / mean_h)
        columns["left_share"].append(margin_l / max(margin_l + margin_r, 1e-6))
        columns["top_share"].append(margin_t / max(margin_t + margin_b, 1e-6))
    q = lambda values: [round(float(v), 4) for v in np.quantile(values, quantiles)]
    return {"provenance": f"Quantiles (41, from 0 to 1) of the format-1 box annotations of all {len(entries):,} SVHN "
                          "photos (train and test; Netzer et al. 2011), derived by `python benchmarks/standin_realism.py "
                          "--write-table`; per photo unless said otherwise. Summaries only: no image, no annotation.",
            "length_counts": np.bincount([len(e["label"]) for e in entries], minlength=7)[1:6].tolist(),
            "first_digit_counts": np.bincount(firsts, minlength=10).tolist(),
            "other_digit_counts": np.bincount(others, minlength=10).tolist(),
            **{key: q(values) for key, values in columns.items()},
            "aspect_by_digit": {str(d): q(v) for d, v in aspect.items()}}


BINS = {"length": np.arange(0.5, 7.5), "relative height": np.linspace(0, 1, 21),
        "aspect ratio": np.linspace(0, 1.5, 16), "gap / digit height": np.linspace(-0.5, 1.5, 21),
        "photo width": np.linspace(0, 800, 17), "photo height": np.linspace(0, 400, 17)}


def total_variation(a: np.ndarray, b: np.ndarray, bins: np.ndarray) -> float:
    """Half the L1 distance between the two histograms on ``bins`` (values outside go to the end bins)."""
    a, b = np.clip(a, bins[0], bins[-1]), np.clip(b, bins[0], bins[-1])
    pa, pb = np.histogram(a, bins)[0].astype(float), np.histogram(b, bins)[0].astype(float)
    return 0.5 * np.abs(pa / pa.sum() - pb / pb.sum()).sum()


def save_figure(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    from helpers.files import atomic_path

    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"  wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fieldcheck", help="the field-check folder (default: <COURSE_DATA_MIRROR>/svhn-fieldcheck)")
    parser.add_argument("--out", type=Path, default=paths.runs_dir() / "standin-realism")
    parser.add_argument("--digits", type=int, default=10_000, help="stand-in test digits to draw (default 10,000)")
    parser.add_argument("--photos", type=int, default=1_000, help="stand-in test photos to draw (default 1,000)")
    parser.add_argument("--write-table", action="store_true",
                        help="write the stand-in's geometry table (helpers/standin_geometry.json) from the real "
                             "annotations, then stop")
    args = parser.parse_args(argv)
    folder = fieldcheck_folder(args.fieldcheck)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    with np.load(folder / "digits_32x32_test_sample.npz") as real:
        x_real, y_real = real["x"], real["y"]
    with gzip.open(folder / "format1_boxes.json.gz", "rt") as f:
        annotations = json.load(f)
    real_entries = annotations["train"] + annotations["test"]
    if args.write_table:
        from helpers.files import write_text_atomic

        target = Path(standin.__file__).with_name("standin_geometry.json")
        write_text_atomic(target, json.dumps(geometry_table(real_entries), indent=0) + "\n")
        print(f"wrote {target} from {len(real_entries):,} real annotations")
        return 0
    print(f"field check: {len(x_real):,} real test digits, {len(real_entries):,} real photo annotations ({folder.name})")

    start = time.perf_counter()
    x_stand, y_stand = standin.cropped("test", args.digits, progress=False)
    digit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    stand_folder, stand_entries = standin.full("test", args.photos, progress=False)
    photo_seconds = time.perf_counter() - start
    print(f"stand-in: {len(x_stand):,} digits in {digit_seconds:.1f} s ({digit_seconds / len(x_stand) * 1e4:.1f} s per "
          f"10,000), {len(stand_entries):,} photos in {photo_seconds:.1f} s ({photo_seconds / len(stand_entries) * 1e3:.1f} "
          "s per 1,000); near 0 means they came from the cache")
    args.out.mkdir(parents=True, exist_ok=True)

    print("\n1. transfer: notebook 13's digit model on the real digits")
    if models.path("svhn_digit").exists():
        model, card = models.load("svhn_digit"), models.card("svhn_digit")
        p_real = model.predict(gray_contrast(x_real), verbose=0, batch_size=512)
        p_stand = model.predict(gray_contrast(x_stand), verbose=0, batch_size=512)
        pred = p_real.argmax(1)
        print(f"  model: {card.get('notebook')}, {card.get('profile')} profile, trained on {card.get('dataset')}")
        print(f"  accuracy on {len(x_stand):,} stand-in test digits: {np.mean(p_stand.argmax(1) == y_stand):.4f}")
        print(f"  accuracy on {len(x_real):,} real SVHN test digits: {np.mean(pred == y_real):.4f}")
        print("  per class: " + "  ".join(f"{d}: {np.mean(pred[y_real == d] == d):.2f}" for d in range(10)))
        fig = plots.plot_confusion_matrix(y_real, pred, title="Stand-in model on real SVHN test digits")
        save_figure(fig or plt.gcf(), args.out / "confusion_real.png")
        wrong = np.flatnonzero(pred != y_real)
        worst = wrong[np.argsort(-p_real[wrong].max(1))][:10]
        fig, axes = plt.subplots(1, 10, figsize=(12, 1.9))
        for ax, i in zip(axes, worst):
            ax.imshow(x_real[i])
            ax.set_title(f"{y_real[i]} read {pred[i]}\n{p_real[i].max():.2f}", fontsize=9)
            ax.axis("off")
        fig.suptitle("The ten most confident mistakes on real digits (true, read, confidence)")
        save_figure(fig, args.out / "confident_mistakes.png")
    else:
        print(f"  no model at {models.path('svhn_digit')}: run notebook 13 first (`python -m helpers run 13`)")

    print("\n2. looks: 48 stand-in crops above 48 real ones; colour statistics (0-255)")
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(8, 12, figsize=(12, 8.6))
    for k, ax in enumerate(axes.flat):
        source = x_stand if k < 48 else x_real
        ax.imshow(source[rng.integers(len(source))])
        ax.axis("off")
    fig.suptitle("Top four rows: the stand-in; bottom four rows: real SVHN test digits")
    save_figure(fig, args.out / "standin_vs_real.png")
    stats_s, stats_r = colour_stats(x_stand), colour_stats(x_real)
    print(f"  {'':12}{'stand-in':>10}{'real SVHN':>11}")
    for key in stats_s:
        print(f"  {key:12}{stats_s[key]:10.1f}{stats_r[key]:11.1f}")

    print("\n3. geometry: the stand-in's photos against the real annotations (total-variation distance)")
    real_geo = geometry(real_entries, [(e["image_width"], e["image_height"]) for e in real_entries])
    sizes = []
    for entry in stand_entries:
        with Image.open(stand_folder / entry["name"]) as image:
            sizes.append(image.size)
    stand_geo = geometry(stand_entries, sizes)
    for key, bins in BINS.items():
        tv = total_variation(stand_geo[key], real_geo[key], bins)
        print(f"  {key:20} TV {tv:.3f}   median stand-in {np.median(stand_geo[key]):7.2f}, real {np.median(real_geo[key]):7.2f}")
    lengths = [np.mean(real_geo["length"] == n) for n in range(1, 7)], [np.mean(stand_geo["length"] == n) for n in range(1, 7)]
    print("  lengths 1-6, real:     " + " ".join(f"{v:.3f}" for v in lengths[0]))
    print("  lengths 1-6, stand-in: " + " ".join(f"{v:.3f}" for v in lengths[1]))

    print("\n4. the four real photos through the two-stage reader (notebook 14's models)")
    if models.path("svhn_locator").exists() and models.path("svhn_number").exists():
        locator, reader = models.load("svhn_locator"), models.load("svhn_number")
        right = 0
        for name, truth in REAL_PHOTOS.items():
            result = photos.read_number(photos.load(folder / "photos" / name), locator, reader)
            right += result["number"] == truth
            print(f"  {name}: true {truth}, read {result['number'] or '(nothing)'} (confidence {result['confidence']:.2f})")
        print(f"  {right} of {len(REAL_PHOTOS)} read right ({models.card('svhn_number').get('profile')} profile, "
              f"trained on {models.card('svhn_number').get('dataset')})")
    else:
        print(f"  no models in {paths.models_dir()}: run notebook 14 first (`python -m helpers run 14`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
