"""Command line: ``python -m kzunrest validate PATH`` and ``python -m kzunrest build-regions``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kzunrest.errors import DataError
from kzunrest.settings import data_dir


def _validate(args: argparse.Namespace) -> int:
    from kzunrest.loader import read_events, summarize

    try:
        result = read_events(Path(args.path), folder=data_dir())
    except DataError as err:
        print(f"{args.path}: {len(err.problems)} problem(s)")
        for problem in err.problems:
            print(f"  {problem}")
        return 1
    print(summarize(result, args.path))
    return 0


def _build_regions(args: argparse.Namespace) -> int:
    from kzunrest import regions, vocab

    folder = Path(args.data) if args.data else data_dir()
    built = regions.build_regions(regions.source_boundaries_path(), vocab.read_aliases(folder),
                                  tolerance=args.tolerance)
    out = folder / "regions_2022.geojson"
    size = regions.write_regions(built, out)
    print(f"wrote {out}: {len(built)} units, {size / 1024:.0f} KB, tolerance {args.tolerance}°")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kzunrest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check an event file and summarise it")
    p.add_argument("path")
    p.set_defaults(func=_validate)
    p = sub.add_parser("build-regions", help="rebuild data/regions_2022.geojson")
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("--data", default=None, help="dataset folder (default: KZUNREST_DATA)")
    p.set_defaults(func=_build_regions)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as err:  # e.g. a broken dataset folder
        print(err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
