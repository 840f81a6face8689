"""Loader benchmark: seconds to read and validate 10^6 events, today's loader against the old
one (bench/old_loader.py: Python's csv module row by row), each in its own process.

    python -m bench.loader [--rows N] [--old-budget S]

Part of ``make bench`` (bench/__main__.py runs it first); the goal is at most 15 s for 10^6
rows. The file is the benchmarks' synthetic bundled-schema file (bench/datasets.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench import datasets

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GOAL_S = 15.0


def events_file(rows: int) -> Path:
    """The synthetic events file of ``rows`` rows, written once under bench/out/."""
    path = OUT / f"loader-{rows}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        datasets.synthetic_events(rows).to_csv(path, index=False)
    return path


def time_one(module: str, path: Path) -> dict:
    """Run in a child process: read the file, validate, report seconds and rows."""
    import importlib

    loader = importlib.import_module(module)
    data = path.read_bytes()
    loader.read_events(data[:4096].rsplit(b"\n", 1)[0] + b"\n", folder=ROOT / "data")  # warm
    started = time.perf_counter()
    result = loader.read_events(data, folder=ROOT / "data", name=path.name)
    return {"seconds": round(time.perf_counter() - started, 2), "rows": len(result.events)}


def measure(module: str, path: Path, budget_s: float) -> dict:
    code = ("import json, sys; from pathlib import Path; from bench.loader import time_one; "
            f"print(json.dumps(time_one({module!r}, Path({str(path)!r}))))")
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=budget_s)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "error": f"over the budget of {budget_s:.0f} s"}
    if done.returncode != 0:
        return {"seconds": None, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(rows: int = 1_000_000, old_budget_s: float = 400, log=print) -> dict:
    """Both loaders on the same file; returns the results.json entry."""
    path = events_file(rows)
    log(f"[loader] {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB): kzunrest.loader ...")
    new = measure("kzunrest.loader", path, 300)
    log(f"    {new}")
    log(f"[loader] bench.old_loader (budget {old_budget_s:.0f} s) ...")
    old = measure("bench.old_loader", path, old_budget_s)
    log(f"    {old}")
    ratio = (round(old["seconds"] / new["seconds"], 1)
             if new.get("seconds") and old.get("seconds") else None)
    return {"rows": rows, "bytes": path.stat().st_size, "new": new, "old": old,
            "speedup": ratio, "goal_s": GOAL_S,
            "meets_goal": bool(new.get("seconds") is not None and new["seconds"] <= GOAL_S)}


def report(entry: dict) -> str:
    new, old = entry["new"], entry["old"]
    fmt = lambda r: f"{r['seconds']:.1f} s" if r.get("seconds") is not None else r.get("error")  # noqa: E731
    return (f"loader, {entry['rows']:,} rows: kzunrest {fmt(new)}, old loader {fmt(old)}"
            + (f", {entry['speedup']}x faster" if entry["speedup"] else "")
            + f"; goal at most {entry['goal_s']:.0f} s: "
            + ("met" if entry["meets_goal"] else "NOT met"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.loader", description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--old-budget", type=float, default=400,
                    help="seconds the old loader may take before it is stopped")
    args = ap.parse_args(argv)
    entry = run(args.rows, args.old_budget)
    print(report(entry))
    return 0 if entry["meets_goal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
