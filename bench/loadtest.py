"""Load test: N concurrent viewers playing the map's animation against one local server.

    python -m bench.loadtest --viewers 25 --seconds 60
    python -m bench.loadtest --viewers 5,25,50,100 --seconds 60     # the sweep, one table

Each viewer is a real websocket session speaking Streamlit's protocol (bench.loadtest_protocol):
it opens the map with ``?play=true&speed=fast&basemap=offline``, then, as the browser does for
``st.fragment(run_every=...)``, requests a fragment rerun every ``interval`` seconds (0.5 s at
speed=fast) and times each request until the ``script_finished`` of the run that served it.
A frame is a new day on the day slider followed by that run's map (the "On this day" heading
is checked against the slider). Expected frames: seconds / interval.

For each N a fresh server starts on 127.0.0.1 (a free port) and is warmed up by one session
(the dataset and every day's layer files are built once per process). Phase 1: the viewers
connect, spread over ``--ramp`` s, and load the page (first load: connect to the end of the
first full run); each plays as soon as it can. Phase 2, once all play (or failed): the measured
window of ``--seconds``, the same for all. The server's resident memory is read before the
viewers connect and at the end of the window with every session still open: memory per
session = (after - before) / N. A level stops early when it collapses: half of the viewers
lost (disconnected, or no page in ``--first-load-timeout`` s), or, 20 s into the window, a p95
of the last 10 s over ``--collapse-p95`` s or half of the viewers with a request unanswered
for ``--frame-timeout`` s. Every loop is bounded by a deadline. Results:
bench/loadtest_results.json (a level replaces the stored level with the same N); server logs:
bench/out/logs/loadtest-*.log.
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

from bench.loadtest_protocol import Viewer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "loadtest_results.json"
LOGS = ROOT / "bench" / "out" / "logs"
QUERY = "play=true&speed=fast&basemap=offline"
INTERVAL_S = 0.5  # speed=fast: SPEEDS["fast"] in kzunrest/ui/map_view.py
DEGRADED_P95_S = 1.0
TICK = os.sysconf("SC_CLK_TCK")


# -- the server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(tag: str, options: list[str] = ()):
    """``streamlit run app.py`` on 127.0.0.1; yields (url, Popen, log path). ``options``:
    extra config options as "section.name=value" (e.g. "runner.postScriptGC=false")."""
    LOGS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = LOGS / f"loadtest-{tag}-{port}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    for opt in options:
        name, _, value = opt.partition("=")
        cmd += [f"--{name}", value]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
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
    """One session plays 2..21 January once (and rewinds): loads the dataset and builds every
    day's layers, so that the process-wide caches are in the memory measured before."""
    started = time.monotonic()
    viewer = Viewer(-1, _ws_url(url), url, query, seconds=14, frame_timeout=30,
                    first_load_timeout=180)
    stop, release = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(viewer.run(stop, release, time.monotonic() + 240))
    while viewer.stats.play_started_at is None and not viewer.finished.is_set():
        await asyncio.sleep(0.1)
    viewer.window_start = time.monotonic()
    await asyncio.wait_for(viewer.finished.wait(), 250)
    release.set()
    await asyncio.wait_for(task, 30)
    if viewer.stats.play_started_at is None or viewer.stats.errors:
        raise RuntimeError(f"warm-up failed: {viewer.stats.errors} {viewer.stats.error_samples}")
    await asyncio.sleep(2)
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
            last_print = now
            timeline.append({"t_s": round(now - t0), "rss_mb": rss and round(rss),
                             "playing": playing, "p95_last10s_ms": p95 and round(p95 * 1000),
                             "runs_last10s": len(recent), "in_window": window_start is not None})
            print(f"  t={now - t0:5.0f}s playing {playing}/{n}  p95(last 10 s) "
                  f"{'-' if p95 is None else f'{p95 * 1000:.0f} ms'}  rss "
                  f"{'-' if rss is None else f'{rss:.0f} MB'}  lost {lost}", flush=True)
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
    errors: dict[str, int] = {}
    for s in stats:
        for k, c in s.errors.items():
            errors[k] = errors.get(k, 0) + c
    expected = round(args.seconds / INTERVAL_S)
    frames = [s.frames for s in stats]
    first = [s.first_load_s for s in stats if s.first_load_s is not None]
    p95 = percentile(lats, 0.95)
    frames_mean = statistics.fmean(frames) if frames else 0.0
    n_errors = sum(errors.values())
    per_session = ((rss_after - rss_before) / n) if rss_after and rss_before else None
    reasons = []
    if collapse:
        reasons.append("collapsed: " + collapse["reason"])
    if p95 is None or p95 > DEGRADED_P95_S:
        reasons.append(f"p95 {'n/a' if p95 is None else f'{p95:.2f} s'} > {DEGRADED_P95_S} s")
    if n_errors:
        reasons.append(f"{n_errors} errors")
    notes = []
    if frames_mean < 0.9 * expected:
        notes.append(f"{frames_mean:.0f} of {expected} frames per viewer")
    sample = next((s for s in stats if s.days_seen), stats[0])
    runs = sum(s.fragment_runs for s in stats)
    return {
        "viewers": n,
        "seconds": args.seconds,
        "ramp_s": args.ramp,
        "frame_timeout_s": args.frame_timeout,
        "first_load_timeout_s": args.first_load_timeout,
        "collapse_p95_s": args.collapse_p95,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "verdict": "degraded" if reasons else "ok",
        "why": reasons,
        "notes": notes,
        "collapse": collapse,
        "sessions_connected": sum(1 for s in stats if s.connected_at is not None),
        "sessions_playing": sum(1 for s in stats if s.play_started_at is not None),
        "errors": n_errors,
        "errors_by_kind": errors,
        "error_samples": sorted({e for s in stats for e in s.error_samples})[:5],
        "frame_latency_ms": {"n": len(lats), "p50": _r(percentile(lats, 0.5), 1000),
                             "p95": _r(p95, 1000), "p99": _r(percentile(lats, 0.99), 1000),
                             "max": _r(max(lats) if lats else None, 1000)},
        "frames_expected_per_viewer": expected,
        "frames_per_viewer": {"mean": round(frames_mean, 1), "min": min(frames, default=0),
                              "median": statistics.median(frames) if frames else 0,
                              "max": max(frames, default=0)},
        "requests_per_viewer": round(statistics.fmean([s.requests for s in stats]), 1),
        "fragment_runs_per_viewer": round(statistics.fmean([s.fragment_runs for s in stats]),
                                          1),
        # Runs whose script_finished the server relabelled FINISHED_EARLY_FOR_RERUN: the next
        # run started before the event loop flushed the message (and the rest of the run's
        # unsent deltas were dropped): a sign that runs queue up behind each other.
        "early_finishes": sum(s.early_finishes for s in stats),
        "first_load_s": {"p50": _r(percentile(first, 0.5), nd=2),
                         "p95": _r(percentile(first, 0.95), nd=2),
                         "max": _r(max(first) if first else None, nd=2)},
        "rewinds": sum(s.rewinds for s in stats),
        "play_restarts": sum(s.play_restarts for s in stats),
        # The day went back without a rewind: a request carried the URL of an earlier frame
        # (sent before that frame's page_info_changed arrived) and the URL-bound slider took
        # the day from it. A browser's timer races the same way.
        "days_went_backwards": sum(s.backwards for s in stats),
        "heading_mismatches": sum(s.heading_mismatches for s in stats),
        "animation_check": {"viewer": sample.index, "days": sample.days_seen,
                            "on_this_day_headings": sample.headings_seen},
        "kb_received_per_run": _r(sum(s.bytes_received for s in stats) / 1024
                                  / max(1, sum(s.fragment_runs + s.full_runs for s in stats)),
                                  nd=1),
        "server_rss_mb": {"before": _r(rss_before), "after": _r(rss_after),
                          "peak": _r(rss_peak), "after_close_3s": _r(rss_closed)},
        "server_mb_per_session": _r(per_session, nd=2),
        # CPU of the server process over the window (its Python code holds one GIL: about one
        # core is its ceiling, whatever the machine has)
        "server_cpu_cores": _r(server_cpu_cores, nd=2),
        "server_cpu_ms_per_run": _r(server_cpu_cores * window * 1000 / max(1, runs))
        if server_cpu_cores is not None and window else None,
        "client_cpu_cores": round(client_cpu / wall, 2),
        "client_loop_lag_ms": {"p95": _r(percentile(lag, 0.95), 1000),
                               "max": _r(max(lag) if lag else None, 1000)},
        "wall_s": round(wall, 1),
        "all_playing_after_s": _r(all_playing_after, nd=1),
        "window_s": _r(window, nd=1),
        # The machine's 1-minute load average before and after: other work on the same CPUs
        # slows the server down (compare with the number of CPUs).
        "load_avg_1min": [round(x, 2) for x in load],
        "timeline": timeline,
        "per_viewer": [{"i": s.index, "frames": s.frames, "requests": s.requests,
                        "p50_ms": _r(percentile([x for _, x in s.latencies], 0.5), 1000),
                        "p95_ms": _r(percentile([x for _, x in s.latencies], 0.95), 1000),
                        "first_load_s": _r(s.first_load_s, nd=2), "errors": s.errors}
                       for s in stats],
    }


# -- report -----------------------------------------------------------------------------------
COLUMNS = ["N", "errors", "p50 ms", "p95 ms", "frames/viewer", "first load p95",
           "RSS before→after MB", "MB/session", "server CPU", "load avg", "verdict"]


def table(levels: list[dict]) -> str:
    rows = [COLUMNS]
    for lv in levels:
        lat, rss, fr = lv["frame_latency_ms"], lv["server_rss_mb"], lv["frames_per_viewer"]
        fl = lv["first_load_s"]["p95"]
        kinds = ", ".join(f"{k} {v}" for k, v in lv["errors_by_kind"].items())
        rows.append([
            str(lv["viewers"]),
            str(lv["errors"]) + (f" ({kinds})" if lv["errors"] else ""),
            _s(lat["p50"]), _s(lat["p95"]),
            f"{fr['mean']:.0f} / {lv['frames_expected_per_viewer']}",
            "-" if fl is None else f"{fl:.1f} s",
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
    """Merge into ``out``: a level replaces the stored level with the same N and label
    (the label names the server options, "default" for none)."""
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    stored = previous.get("levels", [])
    by_n = {(lv.get("label", "default"), lv["viewers"]): lv for lv in stored}
    by_n.update({(lv["label"], lv["viewers"]): lv for lv in levels})
    merged = [by_n[k] for k in sorted(by_n, key=lambda k: (k[0] != "default", k))]
    import streamlit

    doc = {
        "what": "N concurrent viewers playing the map animation (speed=fast, 0.5 s per "
                "frame) over Streamlit's websocket protocol against one local server; "
                "python -m bench.loadtest",
        "degraded_when": f"p95 frame latency > {DEGRADED_P95_S} s, any error, or a collapse",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "streamlit": streamlit.__version__, "platform": platform.platform()},
        "query": args.query,
        "degrades": {label: degrades_at([lv for lv in merged
                                         if lv.get("label", "default") == label])
                     for label in dict.fromkeys(lv.get("label", "default") for lv in merged)},
        "levels": merged,
    }
    # Other sections (e.g. "proxy", from bench.loadtest_proxy) are kept as they were.
    doc = {**previous, **doc}
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return merged


# -- main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", default="25",
                    help="viewers, or a comma list for a sweep (e.g. 5,25,50,100)")
    ap.add_argument("--seconds", type=float, default=60, help="play window per viewer")
    ap.add_argument("--ramp", type=float, default=5.0,
                    help="connections start evenly over this many seconds")
    ap.add_argument("--frame-timeout", type=float, default=30.0,
                    help="a frame request not served within this is an error (a timeout)")
    ap.add_argument("--first-load-timeout", type=float, default=120.0)
    ap.add_argument("--collapse-p95", type=float, default=30.0,
                    help="stop a level early when the last 10 s have a p95 over this")
    ap.add_argument("--query", default=QUERY)
    ap.add_argument("--url", help="use this running server (127.0.0.1 only) instead of "
                                  "starting one per level")
    ap.add_argument("--pid", type=int, help="with --url: the server's pid, for its memory")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--server-option", action="append", default=[], metavar="NAME=VALUE",
                    help="a Streamlit config option for the server, e.g. "
                         "runner.postScriptGC=false (repeatable; names the results' label)")
    ap.add_argument("--retries", type=int, default=3,
                    help="run a level again on a new server if its server process ends")
    args = ap.parse_args(argv)
    counts = [int(x) for x in str(args.viewers).split(",") if x.strip()]
    label = ",".join(args.server_option) or "default"
    if args.url and args.server_option:
        ap.error("--server-option needs a server started here (no --url)")
    if args.url and not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        ap.error("--url must be a server on 127.0.0.1")

    levels = []
    for n in counts:
        print(f"== {n} viewers, {args.seconds:.0f} s each", flush=True)
        if args.url:
            lv = asyncio.run(run_level(args.url, args.pid, n, args))
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
                    lv["warm_up_s"] = round(warm, 1)
                    lv["server_restarts"] = restarts
        lv["label"] = label
        lv["server_options"] = args.server_option
        levels.append(lv)
        print(table([lv]), flush=True)
        save(levels, args.out, args)
    print()
    print(f"server options: {label}")
    print(table(levels))
    print()
    print(degrades_at(levels))
    for lv in levels:
        chk = lv["animation_check"]
        print(f"N={lv['viewers']}: viewer {chk['viewer']} saw days {chk['days']} and "
              f"headings {chk['on_this_day_headings'][:3]}; rewinds {lv['rewinds']}, "
              f"days went backwards {lv['days_went_backwards']}, "
              f"Play restarts {lv['play_restarts']}, heading mismatches "
              f"{lv['heading_mismatches']}, client CPU {lv['client_cpu_cores']} cores, "
              f"client loop lag p95 {lv['client_loop_lag_ms']['p95']} ms")
    print(f"results: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
