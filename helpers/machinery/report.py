"""``python -m helpers report``: the ledger as a markdown table and one chart per dataset."""

from __future__ import annotations

from pathlib import Path

from . import ledger, paths, profiles
from ..files import atomic_path, write_text_atomic

# Datasets whose figures are not the dataset their references were measured on: the stand-in's
# references are real-SVHN figures, shown beside it but never subtracted from it.
STAND_INS = {"svhn-standin": "real SVHN"}
TITLES = {"mnist": "MNIST", "svhn": "SVHN", "svhn-standin": "SVHN stand-in (synthetic, not SVHN)"}
# Which metric a dataset's chart plots, in order of preference.
CHART_METRICS = ("test accuracy", "sequence accuracy")


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return ""
    return f"{100 * value:.2f}%" if "accuracy" in metric else f"{value:.4g}"


def markdown_table(rows: list[dict]) -> str:
    """The ledger rows as a markdown table, the reference and the difference beside each value.

    A stand-in row's reference was measured on the real dataset: it is shown, named as such, and
    no difference is computed (the two are not comparable).
    """
    lines = ["| notebook | model | metric | result | reference | difference | data | seconds |",
             "|---|---|---|---:|---:|---:|---|---:|"]
    for r in rows:
        reference, diff = _fmt(r.get("reference"), r["metric"]), ""
        if r.get("reference") is not None:
            if r.get("dataset") in STAND_INS:
                reference += f" ({STAND_INS[r['dataset']]})"
                diff = "not comparable"
            else:
                delta = r["value"] - r["reference"]
                diff = f"{100 * delta:+.2f} pt" if "accuracy" in r["metric"] else f"{delta:+.4g}"
        seconds = "" if r.get("seconds") is None else f"{r['seconds']:.0f}"
        lines.append(f"| {r['notebook']} | {r['model']} | {r['metric']} | {_fmt(r['value'], r['metric'])} "
                     f"| {reference} | {diff} | {r.get('dataset', '')} | {seconds} |")
    return "\n".join(lines) + "\n"


def chart_rows(rows: list[dict]) -> dict[str, tuple[str, list[dict]]]:
    """``{dataset: (metric, rows)}``: for each dataset, the rows its chart plots.

    The metric is the first of :data:`CHART_METRICS` the dataset has; a dataset with neither
    (only memory or box figures) gets no chart.
    """
    charts = {}
    for dataset in dict.fromkeys(r.get("dataset", "") for r in rows):
        mine = [r for r in rows if r.get("dataset", "") == dataset]
        for metric in CHART_METRICS:
            steps = [r for r in mine if r["metric"] == metric]
            if steps:
                charts[dataset] = (metric, steps)
                break
    return charts


def staircase_chart(steps: list[dict], dest: Path, title: str, metric: str = "test accuracy",
                    reference_label: str = "seed reference") -> Path:
    """Plot ``metric`` per model against the references; save a PNG to ``dest`` atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r['notebook'][:2]} {r['model']}" for r in steps]
    x = range(len(steps))
    values = [100 * r["value"] for r in steps]
    refs = [(i, 100 * r["reference"]) for i, r in enumerate(steps) if r.get("reference") is not None]
    fig, axes = plt.subplots(2, 1, figsize=(max(6, 0.8 * len(steps) + 2), 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.4]})
    try:
        for ax, zoom in zip(axes, (False, True)):
            ax.plot(x, values, "o-", color="tab:blue", label="this course")
            if refs:
                ax.plot(*zip(*refs), "s", color="tab:orange", mfc="none", ms=9, label=reference_label)
            ax.set_ylabel(f"{metric} (%)")
            ax.grid(alpha=0.3)
            if zoom:  # the top of the staircase, where the later lessons differ by tenths
                top = [v for v in values if v >= max(values) - 4] or values
                ax.set_ylim(min(top) - 0.3, min(100.0, max(top + [r for _, r in refs if r >= min(top)]) + 0.3))
                for i, v in enumerate(values):
                    if v >= min(top):
                        ax.annotate(f"{v:.2f}", (i, v), textcoords="offset points", xytext=(0, 7), ha="center",
                                    fontsize=8)
                ax.set_title("zoom on the top", fontsize=10)
            else:
                ax.set_title(title)
                ax.legend(loc="lower right")
        axes[1].set_xticks(list(x), labels, rotation=30, ha="right", fontsize=8)
        fig.tight_layout()
        with atomic_path(dest) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return dest


def build(profile: str | None = None) -> tuple[Path, list[Path]]:
    """Write ``runs/report-<profile>.md`` and one chart per dataset; return the table and the charts.

    The markdown table is written first, so it exists even when a chart cannot be drawn (the
    error is noted in the table's file). Raises ``FileNotFoundError`` (with the fix) when the
    profile has no ledger yet.
    """
    profile = profile or profiles.name()
    rows = ledger.load(profile)
    if not rows:
        raise FileNotFoundError(f"No results recorded for profile {profile!r} in {ledger.ledger_path(profile)}. "
                                f"Run notebooks first: python -m helpers run --profile {profile}")
    out = paths.runs_dir()
    md = out / f"report-{profile}.md"
    body = f"# Results, {profile} profile\n\n{markdown_table(rows)}"
    write_text_atomic(md, body)
    charts, notes = [], []
    for dataset, (metric, steps) in chart_rows(rows).items():
        name = TITLES.get(dataset, dataset or "unnamed dataset")
        png = out / f"report-{profile}-{dataset or 'data'}.png"
        reference = f"reference ({STAND_INS[dataset]}, not comparable)" if dataset in STAND_INS else "seed reference"
        try:
            staircase_chart(steps, png, f"{name}: {metric} per model ({profile} profile)", metric, reference)
        except Exception as err:  # noqa: BLE001 - a chart is a bonus; the table above is the report
            notes.append(f"The {name} chart could not be drawn: {type(err).__name__}: {err}")
            continue
        charts.append(png)
        notes.append(f"![{name}]({png.name})")
    if notes:
        write_text_atomic(md, body + "\n" + "\n\n".join(notes) + "\n")
    return md, charts
