"""``python -m bench [--quick]``: kzunrest against the naive baseline, side by side.

Writes bench/results.json (bench/out/results-quick.json with --quick), details of every
measurement to bench/out/details*.json, and prints the table and the goals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import datasets, report
from bench import loader as loader_bench
from bench.runner import LOGS, run_worker

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results.json"

ALL_DAYS = [dt.date(2022, 1, d).isoformat() for d in range(1, 21)]  # the 20 slider steps
BASELINE_RSS_MB = 4096  # the baseline is stopped beyond this (a frame that needs 4 GB fails)
KZUNREST_RSS_MB = 14_000  # the project's first load may need more; the machine has 23 GB
STEP_BUDGET_S = 60


def plan(quick: bool) -> list[tuple[str, list[str]]]:
    """(dataset, days) in the order they run; the large sets sample the days evenly."""
    if quick:
        every3 = ALL_DAYS[::3]
        return [("bundled", every3), ("1e4", every3)]
    return [("bundled", ALL_DAYS), ("1e4", ALL_DAYS), ("1e5", ALL_DAYS[::2]),
            ("1e6", ALL_DAYS[::4] + [ALL_DAYS[-1]])]


def summarize(dataset: str, impl: str, res, days: list[str]) -> tuple[dict, dict]:
    """The results.json row and the table's extra columns for one worker run."""
    complete = res.failure is None and len(res.steps) == len(days)
    row = {"dataset": dataset, "impl": impl, "frame_ms_median": None,
           "frame_bytes_median": None, "initial_bytes": None}
    if complete:
        row["frame_ms_median"] = round(statistics.median(s["ms"] for s in res.steps), 1)
        row["frame_bytes_median"] = round(statistics.median(s["deck_bytes"] for s in res.steps))
        if impl == "baseline":
            row["initial_bytes"] = 0
        elif res.static_files and None not in res.static_files.values():
            row["initial_bytes"] = sum(res.static_files.values())
    else:
        done = ", ".join(f"{s['day'][5:]}: {s['ms'] / 1000:.1f} s, {s['deck_bytes'] / 1e6:.0f} MB"
                         for s in res.steps)
        row["reason"] = (res.failure or "incomplete") + (
            f" (steps done: {done})" if res.steps else "")
        if impl == "baseline":
            row["initial_bytes"] = 0
    extra = {
        "rerun_bytes_median": (statistics.median(s["rerun_bytes"] for s in res.steps)
                               if res.steps else None),
        "fragment_ms_median": (statistics.median(s["fragment_ms"] for s in res.steps)
                               if res.steps and impl == "kzunrest" else None),
        "cold_ms": res.cold["ms"] if res.cold else None,
        "peak_rss_mb": res.peak_rss_mb,
    }
    return row, extra


def run_browser(steps: int, play_s: float, budget_s: float, log) -> dict:
    """The browser measurements in their own process group, stopped after ``budget_s``."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / "browser.log", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bench.browser_timing", "--steps",
                                 str(steps), "--play", str(play_s)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=err, text=True,
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=budget_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own group: Chromium and the server too
            proc.communicate()
            return {"error": f"over the time budget of {budget_s:.0f} s; see {err.name}"}
    for line in (LOGS / "browser.log").read_text().splitlines():
        if line.startswith("  "):
            log(line)
    if proc.returncode != 0 or not out.strip():
        return {"error": f"exit code {proc.returncode}; see {err.name}"}
    return json.loads(out.strip().splitlines()[-1])


def _skips(browser: dict) -> str:
    return f"YES {browser['play_fast_skipped']}" if browser["play_fast_skips_days"] else "no"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="bundled and 1e4 only, every third day, a short browser run")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    ap.add_argument("--no-loader", action="store_true",
                    help="skip the loader benchmark (10^6 rows, today's loader and the old)")
    ap.add_argument("--budget-min", type=float, default=20,
                    help="overall time budget; the last measurement (kzunrest at 1e6) gets "
                         "what is left for its first load (default 20)")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, flush=True)

    started = time.monotonic()
    deadline = started + args.budget_min * 60
    load_before = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    results_path = OUT / "results-quick.json" if args.quick else RESULTS
    details_path = OUT / ("details-quick.json" if args.quick else "details.json")
    frames: list[dict] = []
    extras: dict[tuple[str, str], dict] = {}
    details: dict = {"started": dt.datetime.now().isoformat(timespec="seconds"),
                     "cpus": os.cpu_count(), "loadavg_before": load_before, "runs": []}
    browser: dict = {}
    loader: dict = {}

    def save() -> None:
        results_path.write_text(json.dumps({"frames": frames, "browser": browser,
                                            "loader": loader}, indent=1) + "\n")
        details_path.write_text(json.dumps(details, indent=1) + "\n")

    if load_before[0] > (os.cpu_count() or 1):
        log(f"note: the machine is busy (load {load_before[0]:.1f} on {os.cpu_count()} CPUs);"
            " times will be inflated")
    if not args.no_loader:
        loader = loader_bench.run(100_000 if args.quick else 1_000_000,
                                  old_budget_s=60 if args.quick else 400, log=log)
        log("    " + loader_bench.report(loader))
        save()
    steps = plan(args.quick)
    # Resolved once: data/ may change during the run, and a rebuilt copy mid-run would mix
    # two versions of a dataset.
    folders = {name: datasets.dataset_folder(name, log=log) for name, _ in steps}

    order: list[tuple[str, str, list[str]]] = []
    for name, days in steps:
        impls = ("kzunrest", "baseline") if name != "1e6" else ("baseline", "kzunrest")
        order += [(name, impl, days) for impl in impls]
    browser_after = "1e4"  # before the large sets, so it runs even if they eat the budget

    for name, impl, days in order:
        remaining = deadline - time.monotonic()
        cold_budget = 300.0
        if name == "1e6" and impl == "kzunrest":
            cold_budget = max(120.0, remaining - len(days) * 20)
        elif name == "1e6":
            cold_budget = 180.0  # the baseline; kzunrest's first load needs the time more
        if name == "1e6" and impl == "kzunrest":
            log(f"[{name} {impl}] first load budget {cold_budget:.0f} s "
                f"({remaining / 60:.1f} min left of the overall budget)")
        else:
            log(f"[{name} {impl}] {len(days)} steps ...")
        res = run_worker(impl, folders[name], days,
                         cold_budget_s=cold_budget, step_budget_s=STEP_BUDGET_S,
                         rss_budget_mb=BASELINE_RSS_MB if impl == "baseline" else KZUNREST_RSS_MB,
                         tag=f"{name}-{impl}")
        row, extra = summarize(name, impl, res, days)
        frames.append(row)
        extras[(name, impl)] = extra
        details["runs"].append({"dataset": name, "impl": impl, "days": days,
                                "wall_s": res.wall_s, "failure": res.failure,
                                "cold": res.cold, "steps": res.steps,
                                "static_files": res.static_files,
                                "peak_rss_mb": res.peak_rss_mb})
        log(f"    {res.wall_s:.0f} s: median {row['frame_ms_median']} ms, "
            f"{row['frame_bytes_median']} B/frame"
            + (f"; {row['reason']}" if row.get("reason") else ""))
        save()
        if name == browser_after and impl == "baseline" and not args.no_browser:
            log("[browser] kzunrest on the bundled data in headless Chromium ...")
            browser = run_browser(6 if args.quick else 20, 8 if args.quick else 12,
                                  300 if args.quick else 480, log)
            save()

    details["loadavg_after"] = os.getloadavg()
    details["wall_s"] = round(time.monotonic() - started, 1)
    save()
    print()
    print(report.table(frames, extras))
    print(report.LEGEND)
    print()
    if browser:
        print("browser (kzunrest, bundled data, offline basemap):")
        if "error" in browser:
            print(f"  error: {browser['error']}")
        else:
            print(f"  cold start to a drawn map: {browser['cold_start_ms']:,} ms (server healthy "
                  f"after {browser['cold_server_ready_ms']:,} ms, first message "
                  f"{browser['cold_first_server_msg_ms']:,} ms, map canvas "
                  f"{browser['cold_first_canvas_ms']:,} ms)")
            print(f"  ArrowRight to repaint: median {browser['step_repaint_ms_median']} ms over "
                  f"{browser['steps_timed']} steps (first server message after "
                  f"{browser['step_first_server_msg_ms_median']} ms, "
                  f"{browser['step_server_msg_bytes_median']} B of messages per step)"
                  + (f"; no visible change on "
                     f"{[u['date'] for u in browser['steps_without_visible_change']]}"
                     if browser["steps_without_visible_change"] else ""))
            print(f"  Play fast ({browser['play_fast_window_s']:.0f} s): "
                  f"{' > '.join(d[4:-5] for d in browser['play_fast_dates'])}; "
                  f"skips days: {_skips(browser)}"
                  + (f"; goes back: {browser['play_fast_backwards']}"
                     if browser["play_fast_backwards"] else ""))
    if loader:
        print(loader_bench.report(loader))
    print()
    print("goals:")
    for line in report.goals(frames):
        print("  " + line)
    print(f"\nwrote {results_path.relative_to(ROOT)} and {details_path.relative_to(ROOT)} "
          f"in {details['wall_s'] / 60:.1f} min (load average before/after: "
          f"{load_before[0]:.1f}/{details['loadavg_after'][0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
