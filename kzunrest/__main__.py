"""Command line: ``python -m kzunrest validate PATH``, ``python -m kzunrest build-regions`` and
``python -m kzunrest export-gif OUT.gif``."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from kzunrest.errors import DataError
from kzunrest.settings import data_dir


def _validate(args: argparse.Namespace) -> int:
    from kzunrest.loader import read_events, summarize

    try:
        result = read_events(Path(args.path), folder=data_dir(), columns=dict(args.column),
                             drop_outside=args.drop_outside, day_first=args.day_first)
    except DataError as err:
        print(f"{args.path}: {len(err.problems)} problem(s)")
        for problem in err.problems:
            print(f"  {problem}")
        return 1
    print(summarize(result, args.path))
    return 0


def _column(text: str) -> tuple[str, str]:
    """An argparse type: ``FIELD=COLUMN`` (``date=datetime_UTC``)."""
    from kzunrest.importer import FIELD_NAMES

    field, sep, column = text.partition("=")
    if not sep or not column or field.strip() not in FIELD_NAMES:
        raise argparse.ArgumentTypeError(
            f"expected FIELD=COLUMN with FIELD one of {', '.join(sorted(FIELD_NAMES))}: "
            f"{text!r}")
    return FIELD_NAMES[field.strip()], column


def _build_regions(args: argparse.Namespace) -> int:
    from kzunrest import regions, vocab

    folder = Path(args.data) if args.data else data_dir()
    built = regions.build_regions(regions.source_boundaries_path(), vocab.read_aliases(folder),
                                  tolerance=args.tolerance)
    out = folder / "regions_2022.geojson"
    size = regions.write_regions(built, out)
    print(f"wrote {out}: {len(built)} units, {size / 1024:.0f} KB, tolerance {args.tolerance}°")
    return 0


def _date(text: str) -> dt.date:
    """An argparse type: ``YYYY-MM-DD``, or a usage error naming the bad value."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date (expected YYYY-MM-DD): {text!r}") from None


def _size(text: str) -> tuple[int, int]:
    """An argparse type: ``WIDTHxHEIGHT`` in pixels."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"not a size (expected WIDTHxHEIGHT): {text!r}")
    return int(width), int(height)


def _export_gif(args: argparse.Namespace) -> int:
    from kzunrest.dataset import read_dataset
    from kzunrest.gif import render_gif
    from kzunrest.playback import gif_days

    ds = read_dataset(data_dir())
    start, end = gif_days(ds)
    args.start, args.end = args.start or start, args.end or end
    if args.start > args.end:
        print(f"--start {args.start} is after --end {args.end}", file=sys.stderr)
        return 2
    frames = (args.end - args.start).days + 1
    started = time.perf_counter()
    try:
        out = render_gif(ds, Path(args.out), args.start, args.end, size=args.size,
                         seconds_per_frame=args.seconds_per_frame)
    except OSError as err:  # e.g. a folder that cannot be written
        print(f"cannot write {args.out}: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out}: {frames} frames ({args.start} to {args.end}), "
          f"{out.stat().st_size / 1024:.0f} KB, {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kzunrest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check an event file and summarise it",
                       description="Check an event file (our schema, an ACLED export or any "
                                   "CSV/Parquet with dates and coordinates or place names) "
                                   "against the dataset in KZUNREST_DATA; exit 0 with a "
                                   "summary or 1 with every problem, one per line.")
    p.add_argument("path")
    p.add_argument("--column", action="append", type=_column, default=[],
                   metavar="FIELD=COLUMN",
                   help="the file's column for a field, instead of the guess (repeatable): "
                        "date, latitude, longitude, place, type, notes, region, id, time, "
                        "url, source, fatalities, actor; e.g. --column date=datetime_UTC")
    p.add_argument("--drop-outside", action="store_true",
                   help="leave out rows whose coordinates lie outside every region (they are "
                        "listed) instead of refusing the file")
    p.add_argument("--day-first", action="store_true", default=None,
                   help="read dates like 1/2/2022 as D/M/YYYY (default: the values decide, "
                        "else M/D/YYYY)")
    p.set_defaults(func=_validate)
    p = sub.add_parser("build-regions", help="rebuild data/regions_2022.geojson")
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("--data", default=None, help="dataset folder (default: KZUNREST_DATA)")
    p.set_defaults(func=_build_regions)
    gif = sub.add_parser("export-gif", help="write an animated GIF of the spread, a frame a day",
                         description="Draw one frame per day (regions reached, events, state "
                                     "of emergency, CSTO contingents) into a looping GIF, from "
                                     "the dataset in KZUNREST_DATA.")
    gif.add_argument("out", metavar="OUT.gif")
    gif.add_argument("--start", type=_date, default=None,
                     help="first day, YYYY-MM-DD (default: the dataset's default day)")
    gif.add_argument("--end", type=_date, default=None,
                     help="last day, YYYY-MM-DD (default: the dataset's last day)")
    gif.add_argument("--size", type=_size, default=(1200, 800),
                     help="WIDTHxHEIGHT in pixels (default 1200x800)")
    gif.add_argument("--seconds-per-frame", type=float, default=1.0,
                     help="how long each day shows (default 1.0)")
    gif.set_defaults(func=_export_gif)
    args = parser.parse_args(argv)
    if args.command == "export-gif":
        if args.start and args.end and args.start > args.end:
            gif.error(f"--start {args.start} is after --end {args.end}")
        if args.size[0] < 200 or args.size[1] < 150:
            gif.error(f"--size {args.size[0]}x{args.size[1]} is too small (at least 200x150)")
        if not args.seconds_per_frame > 0:
            gif.error(f"--seconds-per-frame must be positive, got {args.seconds_per_frame}")
    try:
        return args.func(args)
    except DataError as err:  # e.g. a broken dataset folder
        print(err, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `validate FILE | head` closed the pipe: stop quietly. Python would otherwise
        # complain again when it flushes stdout at exit, so point stdout at devnull.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
