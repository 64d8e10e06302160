"""Command line: ``python -m helpers data | run | report | predict``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import data, paths, profiles


def cmd_svhn(args) -> int:
    """List the SVHN files of the chosen format(s) with their sizes, then fetch (or --check) them."""
    from . import svhn

    chosen = svhn.files_for(args.svhn_format, args.extra)
    total = sum(f.size for f in chosen if svhn.locate(f)[0] is None)
    for name, source, size in svhn.status(args.svhn_format, args.extra):
        print(f"svhn   {name:28} {source:10} {size:>9}")
    if args.check or not total:
        bad = 0
        for file in chosen:
            path, _ = svhn.locate(file)
            try:
                if path is not None:
                    svhn.verify(path, file)
            except svhn.DataError as err:
                bad += 1
                print(f"error: {err}", file=sys.stderr)
        return 1 if bad else 0
    print(f"downloading {total / 1e9:.2f} GB from {svhn.URL} (resumes if interrupted; "
          "SVHN is for non-commercial use, cite Netzer et al. 2011)")
    try:
        for file in chosen:
            svhn.fetch(file)
    except svhn.DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def cmd_data(args) -> int:
    """Prefetch every dataset the course needs, or with --check only verify what is present."""
    if args.svhn_format:
        return cmd_svhn(args)
    bad = 0
    for dataset in data.DATASETS:
        if not args.check:
            try:
                data.fetch(dataset)
            except data.DataError as err:
                print(f"error: {err}", file=sys.stderr)
                return 1
        for name, source, status in data.check(dataset):
            bad += status != "ok"
            print(f"{dataset:6} {name:28} {source:10} {status}")
    where = paths.mirror_dir()
    print(f"data folder: {paths.data_dir()}" + (f" | mirror: {where}" if where else ""))
    if bad:
        print(f"{bad} file(s) missing or damaged; run `python -m helpers data` to fetch them.", file=sys.stderr)
    return 1 if bad else 0


def _seconds(text: str) -> int:
    """``--cell-timeout``'s value: a whole number of seconds, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; give a whole number, "
                                         "for example 7200, or 0 for no limit")
    return value


def cmd_run(args) -> int:
    """Execute notebooks in course order and print the timing report."""
    from . import runner

    try:
        notebooks = runner.resolve(args.notebooks)
        timeout = profiles.CELL_TIMEOUT[args.profile] if args.cell_timeout is None else (args.cell_timeout or None)
        outcomes = runner.run(notebooks, args.profile, force=args.force, in_place=args.in_place,
                              cell_timeout=timeout)
    except (ValueError, runner.RunError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(runner.timing_report(outcomes, args.profile))
    return 0


def cmd_report(args) -> int:
    """Write the markdown table and the staircase chart from the ledger."""
    from . import report

    try:
        md, png = report.build(args.profile)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(md.read_text().split("\n![")[0])
    print(f"wrote {md} and {png}")
    return 0


def cmd_predict(args) -> int:
    """Read the house number in each photo; print it, its confidence and box; write annotated copies."""
    from . import models, photos

    files, skipped = photos.find(args.paths)
    try:
        locator, reader = models.load("svhn_locator"), models.load("svhn_number")
    except models.MissingModel as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in files:
        try:
            picture = photos.load(path)
        except photos.PhotoError as err:
            skipped.append((path, str(err)))
            continue
        result = photos.read_number(picture, locator, reader)
        target = out / f"{path.stem}_read.png"
        photos.annotate(picture, result).save(target)
        x, y, w, h = result["box"]
        print(f"{path}: {result['number'] or '(nothing)'}  confidence {result['confidence']:.2f}  "
              f"box x={x} y={y} w={w} h={h}  -> {target}")
    for path, reason in skipped:
        print(f"{path}: skipped ({reason})")
    card = models.card("svhn_number")
    if card.get("dataset") == "svhn-standin":
        print("note: these models were trained on the offline stand-in, not on SVHN; expect misreads on real photos.")
    if card.get("profile") == "smoke":
        print("note: these models come from a smoke run (CI-sized, seconds of training) and read almost nothing; "
              "train them properly with `python -m helpers run --profile standard 14`.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description="Digit-recognition course tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="prefetch the datasets (for offline workshops) or --check them")
    p.add_argument("--check", action="store_true", help="verify files already present; download nothing")
    p.add_argument("--svhn-format", choices=("1", "2", "both"),
                   help="SVHN instead of MNIST: 1 = whole numbers (0.7 GB), 2 = cropped digits (0.25 GB), both")
    p.add_argument("--extra", action="store_true", help="with --svhn-format: also the large 'extra' split (3.3 GB)")
    p.set_defaults(func=cmd_data)

    try:
        default_profile = profiles.name()
    except ValueError as err:
        parser.error(str(err))
    p = sub.add_parser("run", help="execute notebooks in course order")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 01 or 01_linear_model (default: all)")
    p.add_argument("--profile", choices=profiles.PROFILES, default=default_profile,
                   help=f"run profile (default: ${profiles.PROFILE_VAR} or standard, now {default_profile})")
    p.add_argument("--force", action="store_true", help="re-run notebooks even if unchanged")
    p.add_argument("--in-place", action="store_true", help="write outputs back into notebooks/ (refresh commits)")
    p.add_argument("--cell-timeout", type=_seconds, metavar="SECONDS",
                   help="longest a cell may run, 0 for no limit (default per profile: "
                        + ", ".join(f"{k} {v or 'none'}" for k, v in profiles.CELL_TIMEOUT.items()) + ")")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("report", help="ledger -> markdown table and staircase chart")
    p.add_argument("--profile", choices=profiles.PROFILES, default=default_profile)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("predict", help="read house numbers in your photos (models from notebooks 13-14)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders of photos")
    p.add_argument("--out", default=str(paths.runs_dir() / "predictions"),
                   help="where annotated copies go (default: runs/predictions)")
    p.set_defaults(func=cmd_predict)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
