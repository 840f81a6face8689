"""Load test: N viewers of the map page against one local server (Play runs in each browser).

    python -m bench.loadtest --viewers 100 --ramp 30 --seconds 60
    python -m bench.loadtest --viewers 25,50,100,150 --ramp 30     # the sweep, one table

Each viewer is a real websocket session speaking Streamlit's protocol (bench.loadtest_protocol)
and sends only what a browser on the page sends: it opens ``?play=1&basemap=offline`` (the
first run, then the map's deck.gl bundle and layer files over HTTP), reports the end of its
Play (the component's state, a fragment rerun) when the browser's Play would end (about 24
days at 1 s), and changes a sidebar filter every 10 s for ``--seconds`` s from its own page
load (a full rerun each). Viewers arrive evenly over ``--ramp`` s.

For each N a fresh server starts on 127.0.0.1 (a free port) and is warmed up by one viewer
(the dataset and the unfiltered map's files are built once per process). Measured: page load
(connect to the first run's end, and with the static files fetched), the latency of every
request (filter change, Play report) until the ``script_finished`` of the run that served it,
errors, the server's memory and CPU, and where each run's time went on the server
(bench.server_trace: waiting for a script thread, running, delivering its messages). A level
passes when it has 0 errors, p95 page load (with the files) <= ``--page-p95`` s and p95 filter
rerun <= ``--filter-p95`` s. Results:
bench/loadtest_results.json under "browser_play" (a level replaces the stored level with the
same N); server logs: bench/out/logs/loadtest-*.log.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bench import server_trace
from bench.loadtest_protocol import Viewer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "loadtest_results.json"
LOGS = ROOT / "bench" / "out" / "logs"
QUERY = "play=1&basemap=offline"
PAGE_P95_S = 5.0  # p95 page load (first run and the map's files)
FILTER_P95_S = 1.0  # p95 of a sidebar filter change's rerun
DEGRADED_P95_S = FILTER_P95_S
TICK = os.sysconf("SC_CLK_TCK")


# -- the server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(tag: str, options: list[str] = ()):
    """``streamlit run app.py`` on 127.0.0.1; yields (url, Popen, log path). ``options``:
    extra config options as "section.name=value" (e.g. "runner.postScriptGC=false"). The
    server runs under bench.server_trace: its trace is the log's path with ``.trace``."""
    LOGS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = LOGS / f"loadtest-{tag}-{port}.log"
    trace = log_path.with_suffix(".trace")
    trace.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.server_trace", "run", str(ROOT / "app.py"),
           "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           # No file watcher: an edit in the checkout during a run would unload the app's
           # modules under the running sessions (KeyError on import), and the watcher's
           # polling costs CPU; a deployed server does not watch its files either.
           "--server.fileWatcherType", "none"]
    for opt in options:
        name, _, value = opt.partition("=")
        cmd += [f"--{name}", value]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, server_trace.ENV: str(trace)})
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError(f"streamlit exited; see {log_path}") from None
                    if time.monotonic() > deadline:
                        raise RuntimeError("streamlit did not start in 90 s") from None
                    time.sleep(0.3)
            yield url, proc, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def rss_mb(pid: int | None) -> float | None:
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds of a process (all its threads)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


# -- one level --------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _ws_url(url: str) -> str:
    return url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"


async def warm_up(url: str, query: str) -> float:
    """One viewer opens the page (the dataset is loaded and the map's files written), so that
    the process-wide caches are in the memory measured before."""
    started = time.monotonic()
    viewer = Viewer(-1, _ws_url(url), url, query, seconds=0, frame_timeout=30,
                    first_load_timeout=600)
    stop, release = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(viewer.run(stop, release, time.monotonic() + 620))
    await asyncio.wait_for(viewer.finished.wait(), 630)
    release.set()
    await asyncio.wait_for(task, 30)
    if viewer.stats.play_started_at is None or viewer.stats.errors:
        raise RuntimeError(f"warm-up failed: {viewer.stats.errors} {viewer.stats.error_samples}")
    await asyncio.sleep(1)
    return time.monotonic() - started


async def _loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late this client's event loop wakes up (a busy client would skew the timings)."""
    while not stop.is_set():
        t = time.monotonic()
        await asyncio.sleep(0.1)
        samples.append(time.monotonic() - t - 0.1)


class ServerGone(RuntimeError):
    """The server process ended during a level (on this shared machine, something else may
    stop ``streamlit run`` processes): the level is run again on a new server."""


def _gone(proc: subprocess.Popen | None) -> bool:
    return proc is not None and proc.poll() is not None


async def run_level(url: str, pid: int | None, n: int, args,
                    proc: subprocess.Popen | None = None, viewer_cls: type = Viewer,
                    during=None) -> dict:
    """Phase 1: the N viewers connect (evenly over ``--ramp`` s) and load the page, each
    playing as soon as it can. Phase 2, once every viewer plays (or failed): the measured
    window of ``--seconds``, the same for all. Then the memory is read with all sessions
    open, and the sessions close. ``viewer_cls``: a Viewer subclass (bench.loadtest_proxy's
    viewers go through a proxy); ``during(viewers)``: a coroutine started with the window
    (e.g. one that kills a replica)."""
    viewers = [viewer_cls(i, _ws_url(url), url, args.query, seconds=args.seconds,
                          frame_timeout=args.frame_timeout,
                          first_load_timeout=args.first_load_timeout) for i in range(n)]
    stop, release, lag_stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    rss_before = rss_mb(pid)
    load_before = os.getloadavg()[0]
    client_cpu_before = _self_cpu()
    t0 = time.monotonic()
    deadline = (t0 + args.ramp + args.first_load_timeout + args.seconds + args.frame_timeout
                + 30)
    lag: list[float] = []
    lag_task = asyncio.create_task(_loop_lag(lag, lag_stop))

    async def start(v: Viewer, delay: float) -> None:
        await asyncio.sleep(delay)
        if not stop.is_set():
            await v.run(stop, release, deadline)
        v.finished.set()

    tasks = [asyncio.create_task(start(v, args.ramp * i / n)) for i, v in enumerate(viewers)]
    rss_peak = rss_before or 0.0
    collapse: dict | None = None
    timeline: list[dict] = []
    window_start: float | None = None
    cpu_at_window = None
    last_print = 0.0
    last_cpu = cpu_s(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = time.monotonic()
        if _gone(proc):
            stop.set()
            release.set()
            await asyncio.wait(tasks, timeout=10)
            raise ServerGone(f"server exited with {proc.returncode} at {now - t0:.0f} s")
        rss = rss_mb(pid)
        if rss:
            rss_peak = max(rss_peak, rss)
        stats = [v.stats for v in viewers]
        lost = sum(s.errors.get("disconnect", 0) + s.errors.get("connect", 0)
                   + s.errors.get("first_load_timeout", 0) + s.errors.get("client", 0)
                   for s in stats)
        playing = sum(1 for s in stats if s.play_started_at is not None and not s.errors.get(
            "disconnect"))
        if window_start is None and (playing + lost >= n):
            window_start = now
            cpu_at_window = cpu_s(pid)
            for v in viewers:
                v.window_start = window_start
            if during is not None:
                tasks.append(asyncio.create_task(during(viewers)))
            print(f"  t={now - t0:5.1f}s {playing}/{n} viewers play: the {args.seconds:.0f} s "
                  "window starts", flush=True)
        recent = [lat for s in stats for t, lat in s.latencies if t > now - 10]
        timing_out = sum(1 for s in stats if any(t > now - 10 for t in s.timeouts_at))
        p95 = percentile(recent, 0.95)
        if now - last_print >= 5:
            # The server's CPU since the last line: a window's mean hides a saturated spell.
            cpu_now = cpu_s(pid)
            cores = ((cpu_now - last_cpu) / (now - last_print)
                     if cpu_now is not None and last_cpu is not None and last_print else None)
            last_print, last_cpu = now, cpu_now
            timeline.append({"t_s": round(now - t0), "rss_mb": rss and round(rss),
                             "server_cores": cores and round(cores, 2),
                             "playing": playing, "p95_last10s_ms": p95 and round(p95 * 1000),
                             "runs_last10s": len(recent), "in_window": window_start is not None})
            print(f"  t={now - t0:5.0f}s playing {playing}/{n}  p95(last 10 s) "
                  f"{'-' if p95 is None else f'{p95 * 1000:.0f} ms'}  rss "
                  f"{'-' if rss is None else f'{rss:.0f} MB'}  lost {lost}  server "
                  f"{'-' if cores is None else f'{cores:.2f}'} cores", flush=True)
        if lost * 2 >= n:
            collapse = {"reason": f"{lost} of {n} viewers lost (disconnect, or no first load "
                                  f"in {args.first_load_timeout:.0f} s)"}
        elif window_start is not None and now > window_start + 20:
            if p95 is not None and p95 > args.collapse_p95 and len(recent) >= n:
                collapse = {"reason": f"p95 of the last 10 s {p95:.1f} s > "
                                      f"{args.collapse_p95:.0f} s"}
            elif timing_out * 2 >= n:
                collapse = {"reason": f"{timing_out} of {n} viewers had frame requests unanswered "
                                      f"for {args.frame_timeout:.0f} s in the last 10 s"}
        if collapse:
            collapse["at_s"] = round(now - t0, 1)
            collapse["into_window_s"] = window_start and round(now - window_start, 1)
            print(f"  collapsed: {collapse['reason']}; stopping", flush=True)
            stop.set()
            break
        if window_start is not None and all(v.finished.is_set() for v in viewers):
            break
    else:
        collapse = {"reason": "deadline", "at_s": round(time.monotonic() - t0, 1)}
        stop.set()
    if collapse or any(v.stats.errors.get("disconnect") for v in viewers):
        await asyncio.sleep(3)  # a server being stopped closes with 1012 before it exits
        if _gone(proc):
            stop.set()
            release.set()
            await asyncio.wait(tasks, timeout=10)
            raise ServerGone(f"server exited with {proc.returncode}")
    rss_after = rss_mb(pid)  # every session still open (viewers wait for release)
    cpu_after, end = cpu_s(pid), time.monotonic()
    release.set()
    done, hanging = await asyncio.wait(tasks, timeout=30)
    for t in hanging:
        t.cancel()
    lag_stop.set()
    await lag_task
    client_cpu = _self_cpu() - client_cpu_before
    load_after = os.getloadavg()[0]
    await asyncio.sleep(3)
    rss_closed = rss_mb(pid)
    window = (end - window_start) if window_start else None
    server_cpu = None
    if cpu_at_window is not None and cpu_after is not None and window:
        server_cpu = (cpu_after - cpu_at_window) / window
    return summarize(viewers, n, args, rss_before=rss_before, rss_after=rss_after,
                     rss_peak=rss_peak, rss_closed=rss_closed, server_cpu_cores=server_cpu,
                     wall=end - t0, window=window,
                     all_playing_after=(window_start - t0) if window_start else None,
                     client_cpu=client_cpu, lag=lag, collapse=collapse, timeline=timeline,
                     load=(load_before, load_after))


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _r(x: float | None, k: float = 1.0, nd: int = 0):
    return None if x is None else round(x * k, nd) if nd else round(x * k)


def summarize(viewers: list[Viewer], n: int, args, *, rss_before, rss_after, rss_peak,
              rss_closed, server_cpu_cores, wall, window, all_playing_after, client_cpu, lag,
              collapse, timeline, load) -> dict:
    stats = [v.stats for v in viewers]
    lats = [lat for s in stats for _, lat in s.latencies]
    kinds: dict[str, list[float]] = {}
    for s in stats:
        for k, xs in s.by_kind.items():
            kinds.setdefault(k, []).extend(xs)
    errors: dict[str, int] = {}
    for s in stats:
        for k, c in s.errors.items():
            errors[k] = errors.get(k, 0) + c
    first = [s.first_load_s for s in stats if s.first_load_s is not None]
    page = [s.page_load_s for s in stats if s.page_load_s is not None]
    page_p95 = percentile(page, 0.95)
    filt = kinds.get("filter", [])
    filt_p95 = percentile(filt, 0.95)
    n_errors = sum(errors.values())
    per_session = ((rss_after - rss_before) / n) if rss_after and rss_before else None
    page_limit = getattr(args, "page_p95", PAGE_P95_S)  # bench.loadtest_proxy's args lack them
    filter_limit = getattr(args, "filter_p95", FILTER_P95_S)
    reasons = []
    if collapse:
        reasons.append("collapsed: " + collapse["reason"])
    if n_errors:
        reasons.append(f"{n_errors} errors")
    if len(page) < n:
        reasons.append(f"{n - len(page)} viewers without a page")
    if page_p95 is None or page_p95 > page_limit:
        reasons.append(f"p95 page load {'n/a' if page_p95 is None else f'{page_p95:.2f} s'}"
                       f" > {page_limit} s")
    if filt_p95 is None or filt_p95 > filter_limit:
        reasons.append(f"p95 filter rerun {'n/a' if filt_p95 is None else f'{filt_p95:.2f} s'}"
                       f" > {filter_limit} s")
    expected_filters = int(args.seconds // 10)

    def ms(xs: list[float]) -> dict:
        return {"n": len(xs), "p50": _r(percentile(xs, 0.5), 1000),
                "p95": _r(percentile(xs, 0.95), 1000), "p99": _r(percentile(xs, 0.99), 1000),
                "max": _r(max(xs) if xs else None, 1000)}

    runs = sum(s.full_runs + s.fragment_runs for s in stats)
    start = viewers[0].window_start if viewers else None
    answered = sum(1 for s in stats for t, _ in s.latencies if start and t >= start)
    return {
        "viewers": n,
        "seconds": args.seconds,
        "ramp_s": args.ramp,
        "query": args.query,
        "frame_timeout_s": args.frame_timeout,
        "first_load_timeout_s": args.first_load_timeout,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "verdict": "degraded" if reasons else "ok",
        "why": reasons,
        "collapse": collapse,
        "sessions_connected": sum(1 for s in stats if s.connected_at is not None),
        "sessions_loaded": len(page),
        "errors": n_errors,
        "errors_by_kind": errors,
        "error_samples": sorted({e for s in stats for e in s.error_samples})[:5],
        "page_load_s": {"p50": _r(percentile(page, 0.5), nd=2), "p95": _r(page_p95, nd=2),
                        "max": _r(max(page) if page else None, nd=2)},
        "first_load_s": {"p50": _r(percentile(first, 0.5), nd=2),
                         "p95": _r(percentile(first, 0.95), nd=2),
                         "max": _r(max(first) if first else None, nd=2)},
        "filter_rerun_ms": ms(filt),
        "play_report_rerun_ms": ms(kinds.get("report", [])),
        # Every request after the page load (filter changes and Play reports).
        "frame_latency_ms": ms(lats),
        "filter_changes_per_viewer": {"expected": expected_filters,
                                      "answered_mean": round(len(filt) / max(1, n), 1)},
        "requests_per_viewer": round(statistics.fmean([s.requests for s in stats]), 1),
        "static_files_per_viewer": round(statistics.fmean([s.static_files for s in stats]), 1),
        "static_mb_per_viewer": round(statistics.fmean([s.static_bytes for s in stats]) / 1e6,
                                      2),
        "early_finishes": sum(s.early_finishes for s in stats),
        "day_echoed_sample": next((s.days_reported for s in stats if s.days_reported), []),
        "kb_received_per_run": _r(sum(s.bytes_received for s in stats) / 1024 / max(1, runs),
                                  nd=1),
        "server_rss_mb": {"before": _r(rss_before), "after": _r(rss_after),
                          "peak": _r(rss_peak), "after_close_3s": _r(rss_closed)},
        "server_mb_per_session": _r(per_session, nd=2),
        # CPU of the server process from the moment every viewer had its page to the end.
        "server_cpu_cores": _r(server_cpu_cores, nd=2),
        # Server CPU per request answered in that span (static files served included): what
        # one process's single core allows, whatever else the machine runs.
        "server_cpu_ms_per_request": (_r(server_cpu_cores * window * 1000 / answered)
                                      if server_cpu_cores is not None and window and answered
                                      else None),
        "client_cpu_cores": round(client_cpu / wall, 2),
        "client_loop_lag_ms": {"p95": _r(percentile(lag, 0.95), 1000),
                               "max": _r(max(lag) if lag else None, 1000)},
        "wall_s": round(wall, 1),
        "window_s": _r(window, nd=1),
        "all_loaded_after_s": _r(all_playing_after, nd=1),
        # The machine's 1-minute load average before and after: other work on the same CPUs
        # slows the server down (compare with the number of CPUs).
        "load_avg_1min": [round(x, 2) for x in load],
        "timeline": timeline,
        "per_viewer": [{"i": s.index, "page_load_s": _r(s.page_load_s, nd=2),
                        "filters_ms": [_r(x, 1000) for x in s.by_kind.get("filter", [])],
                        "report_ms": [_r(x, 1000) for x in s.by_kind.get("report", [])],
                        "errors": s.errors}
                       for s in stats],
    }


# -- report -----------------------------------------------------------------------------------
COLUMNS = ["N", "errors", "page load p50/p95 s", "filter rerun p50/p95 ms",
           "Play report p50/p95 ms", "RSS before→after MB", "MB/session", "server CPU",
           "load avg", "verdict"]


def table(levels: list[dict]) -> str:
    rows = [COLUMNS]
    for lv in levels:
        rss, pl = lv["server_rss_mb"], lv["page_load_s"]
        f, r = lv["filter_rerun_ms"], lv["play_report_rerun_ms"]
        kinds = ", ".join(f"{k} {v}" for k, v in lv["errors_by_kind"].items())
        rows.append([
            str(lv["viewers"]),
            str(lv["errors"]) + (f" ({kinds})" if lv["errors"] else ""),
            f"{_s(pl['p50'])} / {_s(pl['p95'])}",
            f"{_s(f['p50'])} / {_s(f['p95'])}",
            f"{_s(r['p50'])} / {_s(r['p95'])}",
            f"{_s(rss['before'])}→{_s(rss['after'])}",
            _s(lv["server_mb_per_session"]),
            "-" if lv["server_cpu_cores"] is None else f"{lv['server_cpu_cores']:.2f} cores",
            "/".join(f"{x:.1f}" for x in lv["load_avg_1min"]) + f" ({os.cpu_count()} CPUs)",
            lv["verdict"] + (f" (collapsed at {lv['collapse']['at_s']} s)"
                             if lv["collapse"] else ""),
        ])
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _s(x) -> str:
    return "-" if x is None else str(x)


def degrades_at(levels: list[dict]) -> str:
    """Where one configuration (one label) degrades."""
    ordered = sorted(levels, key=lambda lv: lv["viewers"])
    bad = next((lv for lv in ordered if lv["verdict"] != "ok"), None)
    if bad is None:
        return f"no degradation up to {ordered[-1]['viewers']} viewers"
    good = [lv["viewers"] for lv in ordered if lv["verdict"] == "ok"
            and lv["viewers"] < bad["viewers"]]
    return (f"degrades at {bad['viewers']} viewers ({'; '.join(bad['why'])})"
            + (f"; fine at {good[-1]}" if good else ""))


def save(levels: list[dict], out: Path, args) -> list[dict]:
    """Merge into ``out``'s "browser_play" section: a level replaces the stored level with the
    same N and label (the label names the server options, "default" for none). The file's
    other sections stay as they were: the top-level "levels" are the server-side Play of
    before (kept for comparison), "proxy" is bench.loadtest_proxy's."""
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    stored = previous.get("browser_play", {}).get("levels", [])
    by_n = {(lv.get("label", "default"), lv["viewers"]): lv for lv in stored}
    by_n.update({(lv["label"], lv["viewers"]): lv for lv in levels})
    merged = [by_n[k] for k in sorted(by_n, key=lambda k: (k[0] != "default", k))]
    import streamlit

    section = {
        "what": "N viewers of the map page with Play in the browser (play=1): the page load, "
                "one Play report when Play ends, a sidebar filter change every 10 s; one local "
                "server process; python -m bench.loadtest",
        "passes_when": f"0 errors, p95 page load <= {args.page_p95} s, p95 filter rerun <= "
                       f"{args.filter_p95} s",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "streamlit": streamlit.__version__, "platform": platform.platform()},
        "query": args.query,
        "holds": {label: holds_up_to([lv for lv in merged
                                      if lv.get("label", "default") == label])
                  for label in dict.fromkeys(lv.get("label", "default") for lv in merged)},
        "levels": merged,
    }
    out.write_text(json.dumps({**previous, "browser_play": section}, indent=1) + "\n")
    return merged


def holds_up_to(levels: list[dict]) -> str:
    """The largest N that passed, and the levels that did not (on a busy machine a small
    level may fail on a slow tail while a larger one passes: both are said)."""
    ordered = sorted(levels, key=lambda lv: lv["viewers"])
    good = [lv["viewers"] for lv in ordered if lv["verdict"] == "ok"]
    bad = [f"{lv['viewers']} ({'; '.join(lv['why'])})" for lv in ordered
           if lv["verdict"] != "ok"]
    return (f"largest passing level: {good[-1] if good else 'none'}"
            + (f"; failed: {', '.join(bad)}" if bad else ""))


# -- main -------------------------------------------------------------------------------------
def behind_nginx(n: int, args) -> dict:
    """A level against ``make serve REPLICAS=1`` started for it: nginx serves the static
    files from disk and passes the rest to the one app process (whose pid is measured).
    The process is not under bench.server_trace, so the level has no server breakdown."""
    from scripts.serve import serving

    with serving(replicas=1) as served:
        url = f"http://127.0.0.1:{served.port}"
        pid = served.replicas[0]["pid"]
        print(f"  nginx {url} in front of the app process {pid}", flush=True)
        warm = asyncio.run(warm_up(url, args.query))
        print(f"  warmed up in {warm:.1f} s; rss {rss_mb(pid):.0f} MB", flush=True)
        lv = asyncio.run(run_level(url, pid, n, args))
        lv["warm_up_s"] = round(warm, 1)
        lv["served_by"] = "nginx in front of one app process (scripts.serve, replicas=1)"
        return lv


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", default="25",
                    help="viewers, or a comma list for a sweep (e.g. 5,25,50,100)")
    ap.add_argument("--seconds", type=float, default=60,
                    help="filter changes (one each 10 s) for this long from each page load")
    ap.add_argument("--ramp", type=float, default=30.0,
                    help="viewers arrive evenly over this many seconds")
    ap.add_argument("--frame-timeout", type=float, default=30.0,
                    help="a request not served within this is an error (a timeout)")
    ap.add_argument("--page-p95", type=float, default=PAGE_P95_S)
    ap.add_argument("--filter-p95", type=float, default=FILTER_P95_S)
    ap.add_argument("--first-load-timeout", type=float, default=120.0)
    ap.add_argument("--collapse-p95", type=float, default=30.0,
                    help="stop a level early when the last 10 s have a p95 over this")
    ap.add_argument("--query", default=QUERY)
    ap.add_argument("--url", help="use this running server (127.0.0.1 only) instead of "
                                  "starting one per level")
    ap.add_argument("--pid", type=int, help="with --url: the server's pid, for its memory")
    ap.add_argument("--via-nginx", action="store_true",
                    help="as deployed: one app process behind nginx (make serve REPLICAS=1, "
                         "static files from disk), a new one per level; label \"via nginx\"")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--server-option", action="append", default=[], metavar="NAME=VALUE",
                    help="a Streamlit config option for the server, e.g. "
                         "runner.postScriptGC=false (repeatable; names the results' label)")
    ap.add_argument("--stop-at-fail", action="store_true",
                    help="end the sweep at the first failing level once 100 viewers were "
                         "measured")
    ap.add_argument("--retries", type=int, default=3,
                    help="run a level again on a new server if its server process ends")
    args = ap.parse_args(argv)
    counts = [int(x) for x in str(args.viewers).split(",") if x.strip()]
    label = ",".join(args.server_option) or ("via nginx" if args.via_nginx else "default")
    if (args.url or args.via_nginx) and args.server_option:
        ap.error("--server-option needs a server started here (no --url, no --via-nginx)")
    if args.url and args.via_nginx:
        ap.error("--url and --via-nginx exclude each other")
    if args.url and not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        ap.error("--url must be a server on 127.0.0.1")

    levels = []
    for n in counts:
        print(f"== {n} viewers, {args.seconds:.0f} s each", flush=True)
        if args.url:
            lv = asyncio.run(run_level(args.url, args.pid, n, args))
        elif args.via_nginx:
            lv = behind_nginx(n, args)
        else:
            lv = None
            restarts: list[str] = []
            while lv is None:
                with streamlit_server(f"N{n}", args.server_option) as (url, proc, log_path):
                    print(f"  server {url} pid {proc.pid}, log {log_path.relative_to(ROOT)}",
                          flush=True)
                    try:
                        warm = asyncio.run(warm_up(url, args.query))
                        print(f"  warmed up in {warm:.1f} s; rss {rss_mb(proc.pid):.0f} MB",
                              flush=True)
                        lv = asyncio.run(run_level(url, proc.pid, n, args, proc))
                    except RuntimeError as exc:  # ServerGone, or a failed warm-up
                        try:
                            proc.wait(5)
                        except subprocess.TimeoutExpired:
                            pass
                        if not _gone(proc):
                            raise
                        why = f"{exc} (server exit code {proc.poll()})"
                        restarts.append(why)
                        print(f"  the server went away: {why}", flush=True)
                        if len(restarts) > args.retries:
                            raise SystemExit(f"server went away {len(restarts)} times; "
                                             f"see {log_path}") from exc
                        continue
                    lv["server_log"] = str(log_path.relative_to(ROOT))
                    # Where the runs' time went (the whole level: ramp and window).
                    lv["server_breakdown_ms"] = server_trace.breakdown(
                        log_path.with_suffix(".trace"))
                    lv["warm_up_s"] = round(warm, 1)
                    lv["server_restarts"] = restarts
        lv["label"] = label
        lv["server_options"] = args.server_option
        levels.append(lv)
        print(table([lv]), flush=True)
        save(levels, args.out, args)
        if args.stop_at_fail and lv["verdict"] != "ok" and n >= 100:
            break
    print()
    print(f"server options: {label}")
    print(table(levels))
    print()
    print(holds_up_to(levels))
    for lv in levels:
        if lv.get("server_breakdown_ms"):
            b = lv["server_breakdown_ms"]
            print(f"N={lv['viewers']}: {b['runs']} runs on the server, p50/p95 ms: waiting for a "
                  f"script thread {b['queued']['p50']}/{b['queued']['p95']}, running "
                  f"{b['run']['p50']}/{b['run']['p95']}, delivering their messages "
                  f"{b['delivery']['p50']}/{b['delivery']['p95']}; the event loop woke late by "
                  f"{b['event_loop_lag']['p50']}/{b['event_loop_lag']['p95']} "
                  f"(max {b['event_loop_lag']['max']}); {b['thread_start']['n']} run threads "
                  f"started, the loop waiting {b['thread_start']['total']} ms in all; "
                  f"{b['full_gc']['n']} full garbage "
                  f"collections, {b['full_gc']['total']} ms in all (max {b['full_gc']['max']})")
        print(f"N={lv['viewers']}: the map component echoed days {lv['day_echoed_sample']}; "
              f"{lv['static_files_per_viewer']} static files ({lv['static_mb_per_viewer']} MB) "
              f"per viewer; client CPU {lv['client_cpu_cores']} cores, client loop lag p95 "
              f"{lv['client_loop_lag_ms']['p95']} ms")
    print(f"results: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
