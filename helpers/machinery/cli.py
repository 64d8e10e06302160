"""Command line: ``python -m helpers data | run | report | test | predict | app | doctor | student``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from . import paths, profiles


def cmd_svhn(args) -> int:
    """List the SVHN files of the chosen format(s) with their sizes, then fetch (or --check) them."""
    from .. import data, svhn

    chosen = svhn.files_for(args.svhn_format, args.extra)
    total = sum(f.size for f in chosen if data.locate(f)[0] is None)
    for name, source, size in svhn.status(args.svhn_format, args.extra):
        print(f"svhn   {name:28} {source:10} {size:>9}")
    if args.check or not total:
        bad = 0
        for file in chosen:
            path, source = data.locate(file)
            try:
                if path is None:
                    raise data.DataError(f"{file.name} is missing: run `{file.command}` to fetch it "
                                         f"(or copy it into {svhn.folder()}).")
                data.verify(path, file, source)
            except data.DataError as err:
                bad += 1
                print(f"error: {err}", file=sys.stderr)
        if bad:
            print(f"{bad} SVHN file(s) missing or damaged.", file=sys.stderr)
        return 1 if bad else 0
    print(f"downloading {total / 1e9:.2f} GB from {svhn.URL} (resumes if interrupted; "
          "SVHN is for non-commercial use, cite Netzer et al. 2011)")
    try:
        for file in chosen:
            svhn.fetch(file)
    except data.DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def cmd_data(args) -> int:
    """Prefetch every dataset the course needs, or with --check only verify what is present."""
    if args.svhn_format:
        return cmd_svhn(args)
    from .. import data

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
        print(f"{bad} file(s) missing or damaged: delete the damaged ones listed above, then run "
              "`python -m helpers data` to fetch what is missing.", file=sys.stderr)
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
        args.profile = args.profile or profiles.name()
        notebooks = runner.resolve(args.notebooks)
        timeout = profiles.CELL_TIMEOUT[args.profile] if args.cell_timeout is None else (args.cell_timeout or None)
        outcomes = runner.run(notebooks, args.profile, force=args.force, in_place=args.in_place,
                              cell_timeout=timeout)
    except paths.SettingError:
        raise  # main() reports a bad COURSE_* value with exit status 2, as for every command
    except (ValueError, runner.RunError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(runner.timing_report(outcomes, args.profile))
    return 0


# The test command (README, `make test`, `make student-test`): every notebook re-run under nbval, side
# by side, one per pytest-xdist worker (`-n auto`: a worker per core, at most four;
# COURSE_TEST_WORKERS=1 runs one at a time; conftest.py says how notebooks are grouped), a cell at
# most 15 minutes.
TEST_TARGETS = ("tests", "benchmarks", "notebooks")
TEST_OPTIONS = ("--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=900", "-q",
                "-n", "auto", "--dist", "loadscope", "--no-loadscope-reorder")
TEST_SETTINGS = {paths.PROFILE_VAR: "smoke", paths.OFFLINE_VAR: "1"}


def cmd_test(args) -> int:
    """Fetch or verify the data, then run pytest on the tests and notebooks: smoke profile, offline.

    Leading arguments that are not options are what to test (default: ``TEST_TARGETS``); the rest
    go to pytest as they are. The settings reach pytest's process only, so the shell that ran the
    command (a PowerShell session on Windows) keeps its own profile. Returns pytest's exit status.
    """
    given = list(args.pytest_args)
    split = next((i for i, arg in enumerate(given) if arg.startswith("-")), len(given))
    targets, options = given[:split], given[split:]
    if targets:
        missing = [t for t in targets if not Path(t).exists()]
        if missing:
            print(f"error: nothing to test at {', '.join(missing)}: give files or folders that exist "
                  "(for example notebooks/04_batch_normalization.ipynb), or nothing for all the tests",
                  file=sys.stderr)
            return 2
        targets = [str(Path(t).resolve()) for t in targets]
    else:
        absent = [t for t in TEST_TARGETS if not (paths.ROOT / t).is_dir()]
        if absent:
            print(f"error: {paths.ROOT} has no {', '.join(absent)} folder: the tests run in a clone of the "
                  "course (git clone, then pip install -e . there)", file=sys.stderr)
            return 2
        targets = list(TEST_TARGETS)
    if cmd_data(argparse.Namespace(check=False, svhn_format=None)):
        return 1  # cmd_data said what is missing and how to fetch it
    command = [sys.executable, "-m", "pytest", *targets, *TEST_OPTIONS, *options]
    print(" ".join(f"{k}={v}" for k, v in TEST_SETTINGS.items()), "python", " ".join(command[1:]), flush=True)
    try:
        return subprocess.run(command, cwd=paths.ROOT, env={**os.environ, **TEST_SETTINGS}).returncode
    except KeyboardInterrupt:  # pytest had the Ctrl-C too and has stopped its workers
        return 130


def cmd_report(args) -> int:
    """Write the markdown table and one chart per dataset from the ledger."""
    from . import report

    try:
        md, charts = report.build(args.profile or profiles.name())
    except paths.SettingError:
        raise
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(md.read_text().split("\n![")[0])
    print(f"wrote {md}" + "".join(f" and {png}" for png in charts))
    return 0


def _output_names(files: list[Path], out: Path) -> dict[Path, Path]:
    """Where each photo's annotated copy goes: ``<stem>_read.png``, numbered when two photos share a stem."""
    names, taken = {}, set()
    for path in files:
        stem, n = path.stem, 1
        # casefold: IMG_1 and img_1 are one file name on macOS and Windows
        while str(target := out / f"{stem}{'' if n == 1 else f'-{n}'}_read.png").casefold() in taken:
            n += 1
        taken.add(str(target).casefold())
        names[path] = target
    return names


def cmd_predict(args) -> int:
    """Read the house number in each photo; print it, its confidence and box; write annotated copies.

    Exit status: 0 when at least one photo was read, 1 when none could be (every
    input skipped, or no trained models); usage errors exit 2 (argparse).
    """
    from .. import models, photos
    from ..files import atomic_path

    files, skipped = photos.find(args.paths)
    try:
        locator, reader = models.load("svhn_locator"), models.load("svhn_number")
    except models.MissingModel as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else paths.runs_dir() / "predictions"
    targets = _output_names(files, out)
    read = 0
    for path in files:
        try:
            picture = photos.load(path)
        except photos.PhotoError as err:
            skipped.append((path, str(err)))
            continue
        result = photos.read_number(picture, locator, reader)
        target = targets[path]
        with atomic_path(target) as tmp:
            photos.annotate(picture, result).save(tmp, format="PNG")
        read += 1
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
    if not read:
        print(f"error: no photo could be read ({len(skipped)} skipped); give image files (JPEG, PNG, ...) "
              "or folders holding them.", file=sys.stderr)
        return 1
    return 0


def cmd_student(args) -> int:
    """Write the student edition (solutions removed, outputs cleared, an answer cell per exercise)."""
    from . import student

    try:
        written = student.build(Path(args.out) if args.out else None)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote the student edition of {len(written)} notebooks to {written[0].parent}")
    return 0


def cmd_doctor(args) -> int:
    """What is ready and what is not, with the fix for each problem (exit 1 when something essential is missing)."""
    from . import doctor

    checks = doctor.run()
    print(doctor.report(checks))
    return 1 if any(not c.ok and c.essential for c in checks) else 0


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def cmd_app(args) -> int:
    """Serve the live app until Ctrl-C."""
    from .. import app

    return app.serve(args.host, args.port, open_browser=not args.no_browser)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description="Digit-recognition course tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="prefetch the datasets (for offline workshops) or --check them")
    p.add_argument("--check", action="store_true", help="verify files already present; download nothing")
    p.add_argument("--svhn-format", choices=("1", "2", "both"),
                   help="SVHN instead of MNIST: 1 = whole numbers (0.7 GB), 2 = cropped digits (0.25 GB), both")
    p.add_argument("--extra", action="store_true", help="with --svhn-format: also the large 'extra' split (3.3 GB)")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("run", help="execute notebooks in course order")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 01 or 01_linear_model (default: all)")
    p.add_argument("--profile", choices=profiles.PROFILES,
                   help=f"run profile (default: ${profiles.PROFILE_VAR}, else {profiles.DEFAULT})")
    p.add_argument("--force", action="store_true", help="re-run notebooks even if unchanged")
    p.add_argument("--in-place", action="store_true", help="write outputs back into notebooks/ (refresh commits)")
    p.add_argument("--cell-timeout", type=_seconds, metavar="SECONDS",
                   help="longest a cell may run, 0 for no limit (default per profile: "
                        + ", ".join(f"{k} {v or 'none'}" for k, v in profiles.CELL_TIMEOUT.items()) + ")")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("report", help="ledger -> markdown table and one chart per dataset")
    p.add_argument("--profile", choices=profiles.PROFILES,
                   help=f"whose ledger (default: ${profiles.PROFILE_VAR}, else {profiles.DEFAULT})")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("test", help="fetch the data, then the unit tests and every notebook under nbval "
                                    "(smoke profile, offline)")
    p.add_argument("pytest_args", nargs="*", metavar="ARG",
                   help="what to test (default: " + " ".join(TEST_TARGETS) + "), then any pytest options, "
                        "passed on as given (for example: notebooks/04_batch_normalization.ipynb -x)")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("predict", help="read house numbers in your photos (models from notebook 14)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders of photos")
    p.add_argument("--out", default=None,
                   help="where annotated copies go (default: runs/predictions)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("app", help="the live app: read house numbers from your webcam, digits you draw (notebook 16)")
    p.add_argument("--port", type=_port, default=8765, help="port to serve on (default: 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to serve on (default: 127.0.0.1, this computer only; 0.0.0.0 exposes it)")
    p.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("doctor", help="what is ready and what is not (Python, packages, TensorFlow, CPU, data, models)")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("student", help="write the student edition: no solutions, no outputs, answer cells")
    p.add_argument("--out", default=None, help="where it goes (default: student/, replaced as a whole)")
    p.set_defaults(func=cmd_student)

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["test"] and not set(argv[1:]) & {"-h", "--help"}:
        args = parser.parse_args(["test"])  # the rest is pytest's, options included
        args.pytest_args = argv[1:]
    else:
        args = parser.parse_args(argv)
    try:
        paths.absolutize_env()
        return args.func(args)
    except paths.SettingError as err:  # a bad COURSE_* value, met by the command that needs it
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
