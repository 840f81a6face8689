"""``python -m bench [--quick]``: kzunrest against the naive baseline, side by side.

Writes bench/results.json (bench/out/results-quick.json with --quick), details of every
measurement to bench/out/details*.json, and prints the table and the goals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
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


def run_browser(play_s: float, cold_data: Path | None, budget_s: float, log) -> dict:
    """The browser measurements in their own process group, stopped after ``budget_s``."""
    LOGS.mkdir(parents=True, exist_ok=True)
    extra = ["--cold-data", str(cold_data)] if cold_data else []
    with open(LOGS / "browser.log", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bench.browser_timing",
                                 "--play", str(play_s), *extra], cwd=ROOT,
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


def run_loadtest(counts: list[int], budget_s: float, log, via_nginx: bool = False) -> dict:
    """bench.loadtest's sweep (one server process per level; ``via_nginx``: behind nginx, as
    deployed) in its own process group; its "browser_play" levels of that label in
    bench/loadtest_results.json."""
    from bench.loadtest import RESULTS as LOADTEST_RESULTS

    label = "via nginx" if via_nginx else "default"
    name = "loadtest-nginx.log" if via_nginx else "loadtest.log"
    with open(LOGS / name, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bench.loadtest", "--viewers",
                                 ",".join(map(str, counts)), "--ramp", "30", "--seconds", "60",
                                 "--stop-at-fail", *(["--via-nginx"] if via_nginx else [])],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            proc.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log(f"    see {out.name}")
    try:
        section = json.loads(LOADTEST_RESULTS.read_text())["browser_play"]
    except (OSError, ValueError, KeyError):
        return {"error": f"exit code {proc.returncode}; see {out.name}"}
    levels = [{k: lv[k] for k in ("viewers", "verdict", "why", "errors", "page_load_s",
                                  "filter_rerun_ms", "play_report_rerun_ms", "server_rss_mb",
                                  "server_cpu_cores", "server_cpu_ms_per_request",
                                  "load_avg_1min", "when")
                  if k in lv}
              for lv in section["levels"]
              if lv["viewers"] in counts and lv.get("label", "default") == label]
    return {"holds": section["holds"].get(label), "levels": levels,
            "passes_when": section["passes_when"], "exit_code": proc.returncode}


def server_reruns(res) -> dict:
    """kzunrest's reruns of a worker run: the day reported on a pause, and filter changes
    (a new filter set, then one seen before)."""
    new = [f["ms"] for f in res.filters if not f["repeat"]]
    seen = [f["ms"] for f in res.filters if f["repeat"]]
    return {
        "pause_ms_median": (round(statistics.median(s["ms"] for s in res.steps), 1)
                            if res.steps else None),
        "pause_fragment_ms_median": (round(statistics.median(s["fragment_ms"]
                                                             for s in res.steps), 1)
                                     if res.steps else None),
        "filter_new_ms_median": round(statistics.median(new), 1) if new else None,
        "filter_new_ms_max": max(new) if new else None,
        "filter_seen_ms": seen[0] if seen else None,
        # CPU time of the worker over the rerun: robust to other work on the machine.
        "pause_cpu_ms_median": (round(statistics.median(s.get("cpu_ms", 0) for s in res.steps),
                                      1) if res.steps else None),
        "filter_new_cpu_ms_median": (round(statistics.median(
            f.get("cpu_ms", 0) for f in res.filters if not f["repeat"]), 1) if new else None),
        "filters": res.filters,
    }


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="bundled and 1e4 only, every third day, a short browser run")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    ap.add_argument("--no-loadtest", action="store_true",
                    help="skip the load test (100 viewers and the sweep, about 10 minutes)")
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
    reruns: dict = {}
    loadtest: dict = {}

    def save() -> None:
        results_path.write_text(json.dumps({
            "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before,
                        "loadavg_now": os.getloadavg(), "uptime": _uptime()},
            "previous": report.PREVIOUS, "frames": frames, "server_reruns": reruns,
            "browser": browser, "loadtest": loadtest, "loader": loader}, indent=1) + "\n")
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
        # kzunrest's checked-dataset cache starts empty for each run: its first load is a
        # first start, and every filter set of the run is new to it (the cache also keeps
        # the names of map files per filter set).
        cache = OUT / f"cache-{name}"
        shutil.rmtree(cache, ignore_errors=True)
        res = run_worker(impl, folders[name], days,
                         cold_budget_s=cold_budget, step_budget_s=STEP_BUDGET_S,
                         rss_budget_mb=BASELINE_RSS_MB if impl == "baseline" else KZUNREST_RSS_MB,
                         tag=f"{name}-{impl}",
                         filters=impl == "kzunrest" and name in ("bundled", "1e6"),
                         env={"KZUNREST_CACHE": str(cache)})
        if impl == "kzunrest":
            reruns[name] = server_reruns(res)
            if name == "1e6" and res.cold:
                # A restart (or a second replica) on the cache the run above wrote.
                again = run_worker(impl, folders[name], days[:1], cold_budget_s=cold_budget,
                                   step_budget_s=STEP_BUDGET_S,
                                   rss_budget_mb=KZUNREST_RSS_MB, tag=f"{name}-{impl}-restart",
                                   env={"KZUNREST_CACHE": str(cache)})
                reruns[name]["first_start_ms"] = res.cold["ms"]
                reruns[name]["restart_ms"] = again.cold["ms"] if again.cold else None
                reruns[name]["restart_failure"] = again.failure
            shutil.rmtree(cache, ignore_errors=True)
        row, extra = summarize(name, impl, res, days)
        frames.append(row)
        extras[(name, impl)] = extra
        details["runs"].append({"dataset": name, "impl": impl, "days": days,
                                "wall_s": res.wall_s, "failure": res.failure,
                                "cold": res.cold, "steps": res.steps,
                                "static_files": res.static_files, "filters": res.filters,
                                "peak_rss_mb": res.peak_rss_mb})
        log(f"    {res.wall_s:.0f} s: median {row['frame_ms_median']} ms, "
            f"{row['frame_bytes_median']} B/frame"
            + (f"; {row['reason']}" if row.get("reason") else ""))
        save()
        if name == browser_after and impl == "baseline" and not args.no_browser:
            log("[browser] kzunrest in headless Chromium (bundled data; cold start also on "
                "10^6 events) ...")
            browser = run_browser(15 if args.quick else 60,
                                  None if args.quick else folders.get("1e6"),
                                  600 if args.quick else 1500, log)
            save()
    if not args.no_loadtest:
        log("[loadtest] viewers of the map on one server process ...")
        loadtest = run_loadtest([10] if args.quick else [25, 50, 100, 150, 200],
                                600 if args.quick else 1800, log)
        save()
        log("[loadtest] the same behind nginx, as deployed (make serve REPLICAS=1) ...")
        loadtest["via_nginx"] = run_loadtest([10] if args.quick else [100, 125, 150],
                                             600 if args.quick else 1200, log, via_nginx=True)
        save()

    details["loadavg_after"] = os.getloadavg()
    details["wall_s"] = round(time.monotonic() - started, 1)
    save()
    print()
    print(report.table(frames, extras))
    print(report.LEGEND)
    print()
    for line in report.new_lines(reruns, browser, loadtest):
        print(line)
    if loader:
        print(loader_bench.report(loader))
    print()
    print("goals:")
    for line in report.goals(frames) + report.new_goals(reruns, browser, loadtest):
        print("  " + line)
    print(f"\nwrote {results_path.relative_to(ROOT)} and {details_path.relative_to(ROOT)} "
          f"in {details['wall_s'] / 60:.1f} min (load average before/after: "
          f"{load_before[0]:.1f}/{details['loadavg_after'][0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
