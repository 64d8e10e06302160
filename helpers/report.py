"""``python -m helpers report``: the ledger as a markdown table and a staircase chart."""

from __future__ import annotations

from pathlib import Path

from . import ledger, paths, profiles
from .files import atomic_path, write_text_atomic


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return ""
    return f"{100 * value:.2f}%" if "accuracy" in metric else f"{value:.4g}"


def markdown_table(rows: list[dict]) -> str:
    """The ledger rows as a markdown table, the reference and the difference beside each value."""
    lines = ["| notebook | model | metric | result | reference | difference | data | seconds |",
             "|---|---|---|---:|---:|---:|---|---:|"]
    for r in rows:
        diff = ""
        if r["reference"] is not None:
            delta = r["value"] - r["reference"]
            diff = f"{100 * delta:+.2f} pt" if "accuracy" in r["metric"] else f"{delta:+.4g}"
        seconds = "" if r["seconds"] is None else f"{r['seconds']:.0f}"
        lines.append(f"| {r['notebook']} | {r['model']} | {r['metric']} | {_fmt(r['value'], r['metric'])} "
                     f"| {_fmt(r['reference'], r['metric'])} | {diff} | {r['dataset']} | {seconds} |")
    return "\n".join(lines) + "\n"


def staircase_chart(rows: list[dict], dest: Path, title: str) -> Path:
    """Plot test accuracy per lesson step against the seed references; save a PNG to ``dest``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r for r in rows if r["metric"] == "test accuracy"]
    labels = [f"{r['notebook'][:2]} {r['model']}" for r in steps]
    x = range(len(steps))
    values = [100 * r["value"] for r in steps]
    refs = [(i, 100 * r["reference"]) for i, r in enumerate(steps) if r["reference"] is not None]
    fig, axes = plt.subplots(2, 1, figsize=(max(6, 0.8 * len(steps) + 2), 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.4]})
    for ax, zoom in zip(axes, (False, True)):
        ax.plot(x, values, "o-", color="tab:blue", label="this course")
        if refs:
            ax.plot(*zip(*refs), "s", color="tab:orange", mfc="none", ms=9, label="seed reference")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(alpha=0.3)
        if zoom:  # the top of the staircase, where the later lessons differ by tenths
            top = [v for v in values if v >= 96] or values
            ax.set_ylim(min(top) - 0.3, 100)
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
    plt.close(fig)
    return dest


def build(profile: str | None = None) -> tuple[Path, Path]:
    """Write ``runs/report-<profile>.md`` and ``.png`` from the ledger; return both paths.

    Raises ``FileNotFoundError`` (with the fix) when the profile has no ledger yet.
    """
    profile = profile or profiles.name()
    rows = ledger.load(profile)
    if not rows:
        raise FileNotFoundError(f"No results recorded for profile {profile!r} in {ledger.ledger_path(profile)}. "
                                f"Run notebooks first: python -m helpers run --profile {profile}")
    out = paths.runs_dir()
    png = staircase_chart(rows, out / f"report-{profile}.png",
                          f"The MNIST staircase ({profile} profile) against the seed references")
    md = out / f"report-{profile}.md"
    write_text_atomic(md, f"# Results, {profile} profile\n\n{markdown_table(rows)}\n![staircase]({png.name})\n")
    return md, png
