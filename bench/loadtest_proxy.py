"""Load test through the proxy: one server process against `make serve`'s nginx in front of
REPLICAS processes, in the same run; then a replica killed while its viewers play.

    python -m bench.loadtest_proxy                      # the defaults below, about 25 minutes
    python -m bench.loadtest_proxy --single 10,20 --proxy 20,30 --seconds 20 --kill-viewers 4

The viewers are bench.loadtest's (Streamlit's websocket protocol, Play at the fastest speed)
with what a browser adds in front of a proxy: each first loads the page (``GET /?query``, which
gives it nginx's ``kz_replica`` cookie) and sends that cookie with its websocket, so all its
requests meet in one replica. When the websocket drops, a viewer does what Streamlit's page does:
it polls ``/_stcore/health`` through the proxy until it answers, opens a new websocket and asks
for a run with the page's current URL (the view: day, layers, filters). It is back when that
run finishes; its view is right when the day on the slider is the URL's day.

1. **One process**: a fresh ``streamlit run`` (warmed up), then levels of N viewers (``--single``)
   until one degrades (bench.loadtest's criterion: p95 frame latency over 1 s, an error, or a
   collapse).
2. **The proxy**: ``make serve REPLICAS=--replicas`` (scripts/serve.py; every replica warmed up),
   then levels (``--proxy``) until one degrades. The ratio of the largest N that is fine
   through the proxy to the largest N one process holds is the scaling; the goal is 1.6x.
3. **A replica killed**: a fresh serve, ``--kill-viewers`` viewers; ``--kill-after`` s into the
   window the replica holding the most of them is killed (SIGKILL, a crash). Its viewers must be
   back, with their view, within 10 s; the other replica's viewers must see no error.

Results: the "proxy" section of bench/loadtest_results.json (the one-process sweep of
bench.loadtest stays as it is), with the machine's load average before and after, since other
work on the same cores slows the servers down.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.loadtest import (
    FILTER_P95_S,
    PAGE_P95_S,
    QUERY,
    RESULTS,
    ROOT,
    cpu_s,
    run_level,
    streamlit_server,
    table,
    warm_up,
)
from bench.loadtest_protocol import FINISHED, Viewer, day_from_micros, rerun_msg
from scripts import serve

BACK_WITHIN_S = 10.0
SCALING_GOAL = 1.6


# -- a viewer behind the proxy ---------------------------------------------------------------
def _http_get(url: str, cookie: str | None) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()
            return r.status, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {}


class ProxyViewer(Viewer):
    """bench.loadtest's viewer, with a cookie, and reconnecting as Streamlit's page does."""

    reconnect = True
    cookies: list[str] = []  # preset cookies by viewer index (see balanced_cookies)
    made: list[ProxyViewer] | None = None  # when a list, every viewer made is added to it

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        i = self.stats.index
        self.cookie: str | None = self.cookies[i] if 0 <= i < len(self.cookies) else None
        if self.made is not None:
            self.made.append(self)
        self.upstream: str | None = None      # the replica of the current websocket
        self.failovers: list[dict] = []
        self._dropped = False
        self._awaiting: dict | None = None    # the failover waiting for its first run
        self.opening_day: str | None = None   # the day the first run opened on
        count = self.stats.error

        def error(kind: str, detail: str = "") -> None:
            # A dropped websocket is not an error while the viewer reconnects; a viewer that
            # does not get back is one ("failover").
            if kind == "disconnect" and self.reconnect and not self.closing:
                self._dropped = True
                return
            count(kind, detail)

        self.stats.error = error

    def _url_day(self) -> str | None:
        """The day the URL opens: its ``date`` (ISO; an old link's microseconds since the
        epoch), else the day this viewer's first run opened on (a URL without a date opens
        the dataset's first day, until the browser's Play pauses and writes one)."""
        value = urllib.parse.parse_qs(self.query_string).get("date", [None])[0]
        if value and value.isdigit():
            return day_from_micros(float(value)).isoformat()
        return value or self.opening_day

    def _on_finished(self, status: int, now: float) -> None:
        super()._on_finished(status, now)
        if self.opening_day is None and self.day is not None:
            self.opening_day = self.day.isoformat()
        fo = self._awaiting
        if fo and status == FINISHED.FINISHED_SUCCESSFULLY and not self.run_is_fragment:
            fo["back_s"] = round(now - fo["t"], 2)
            fo["day_shown"] = self.day and self.day.isoformat()
            fo["view_ok"] = fo["day_shown"] == fo["url_day"]
            self._awaiting = None

    async def _session(self, stop, release, deadline) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        async with connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin,
                           additional_headers=headers, max_size=None, ping_interval=None,
                           open_timeout=30, close_timeout=5) as ws:
            self.ws = ws
            self.upstream = ws.response.headers.get("X-Kz-Upstream")
            if self.stats.connected_at is None:
                self.stats.connected_at = time.monotonic()
            reader = asyncio.create_task(self._read(ws))
            try:
                await ws.send(rerun_msg(self.query_string))
                await self._play(stop, release, deadline)
            finally:
                self.closing = not self._dropped
                reader.cancel()
                try:
                    await reader
                except (asyncio.CancelledError, Exception):  # noqa: S110
                    pass

    async def _back(self, deadline: float) -> bool:
        """Streamlit's page after a drop: poll the health endpoint until it answers."""
        while time.monotonic() < deadline:
            status, _ = await asyncio.to_thread(_http_get, self.origin + "/_stcore/health",
                                                self.cookie)
            if status == 200:
                return True
            await asyncio.sleep(0.5)
        return False

    async def run(self, stop, release, deadline) -> None:
        s = self.stats
        try:
            # The page first: nginx answers with the cookie that pins this viewer.
            _, headers = await asyncio.to_thread(
                _http_get, f"{self.origin}/?{self.query_string}", self.cookie)
            if self.cookie is None and "set-cookie" in headers:
                self.cookie = headers["set-cookie"].split(";", 1)[0]
            while True:
                self._dropped = False
                self.closing = False
                await self._session(stop, release, deadline)
                if not (self._dropped and self.reconnect) or stop.is_set() or release.is_set():
                    break
                now = time.monotonic()
                fo = {"t": now, "from": self.upstream, "url_day": self._url_day(),
                      "unanswered_requests": len(self.pending)}
                self.failovers.append(fo)
                self._awaiting = fo
                # The dead replica never answers what it was sent; the browser forgets it too.
                self.pending.clear()
                self.fragment_id = self.interval = self.next_tick = None
                self.day = self.new_day = None
                if not await self._back(min(deadline, now + 60)):
                    count_error(s, "failover", "the health check never answered")
                    break
                fo["health_ok_s"] = round(time.monotonic() - now, 2)
        except (OSError, TimeoutError, ConnectionClosed) as exc:
            count_error(s, "connect", repr(exc))
        except Exception as exc:  # noqa: BLE001 - counted as an error, not raised
            count_error(s, "client", repr(exc))
        finally:
            if self._awaiting is not None:
                count_error(s, "failover", "no run after reconnecting")
            s.unserved_at_end = sum(1 for _, counted in self.pending if counted)
            self.finished.set()


def count_error(stats, kind: str, detail: str) -> None:
    stats.errors[kind] = stats.errors.get(kind, 0) + 1
    if len(stats.error_samples) < 3:
        stats.error_samples.append(f"{kind}: {detail[:300]}")


def balanced_cookies(url: str, n: int, replicas: int) -> tuple[list[str], dict[str, int]]:
    """Cookies for N viewers that put them evenly on the replicas (viewer i on replica
    i mod R), found by asking nginx where random cookies go. A crowd's random cookies spread
    evenly on average; with a few viewers, chance could put 6 of 8 on one replica and measure
    luck rather than capacity."""
    want = -(-n // replicas)
    found: dict[str, list[str]] = {}
    for _ in range(400):
        cookie = "kz_replica=" + secrets.token_hex(16)
        _, headers = _http_get(url + "/_stcore/health", cookie)
        up = headers.get("x-kz-upstream")
        if up and len(found.setdefault(up, [])) < want:
            found[up].append(cookie)
        if len(found) == replicas and all(len(c) == want for c in found.values()):
            break
    groups = list(found.values())
    cookies = [groups[i % len(groups)][i // len(groups)] for i in range(n)]
    split = {up: sum(1 for c in cookies if c in cs) for up, cs in found.items()}
    return cookies, split


def viewer_class(base: type, cookies: list[str], made: list | None = None) -> type:
    return type(base.__name__, (base,), {"cookies": cookies, "made": made})


class DirectViewer(ProxyViewer):
    """The same viewer against one process (nothing to reconnect to)."""

    reconnect = False


# -- runs ------------------------------------------------------------------------------------
def _args(ns, seconds: float):
    return argparse.Namespace(query=ns.query, seconds=seconds, ramp=ns.ramp,
                              frame_timeout=ns.frame_timeout,
                              first_load_timeout=ns.first_load_timeout,
                              collapse_p95=ns.collapse_p95)


def _slim(level: dict) -> dict:
    level = dict(level)
    level.pop("per_viewer", None)
    return level


def sweep(url: str, pid: int | None, counts: list[int], args, viewer_cls, label: str,
          pids: list[int]) -> list[dict]:
    """Levels of N viewers on one running server (or proxy), until one degrades."""
    levels = []
    for n in counts:
        print(f"== {label}: {n} viewers, {args.seconds:.0f} s", flush=True)
        cpu_before = [cpu_s(p) or 0.0 for p in pids]
        started = time.monotonic()
        cls, split = viewer_cls, None
        if viewer_cls.reconnect:  # through the proxy
            cookies, split = balanced_cookies(url, n, len(pids))
            cls = viewer_class(viewer_cls, cookies)
        lv = asyncio.run(run_level(url, pid, n, args, viewer_cls=cls))
        if split:
            lv["viewers_per_replica"] = split
        wall = time.monotonic() - started
        lv["label"] = label
        lv["replica_cpu_cores"] = [round(((cpu_s(p) or 0.0) - b) / wall, 2)
                                   for p, b in zip(pids, cpu_before, strict=True)]
        levels.append(_slim(lv))
        print(table([lv]), flush=True)
        if lv["verdict"] != "ok":
            break
        time.sleep(3)  # the closed sessions' cleanup, before the next level
    return levels


def holds(levels: list[dict]) -> int:
    """The largest N before the first degraded level (0 when the first degraded)."""
    best = 0
    for lv in sorted(levels, key=lambda lv: lv["viewers"]):
        if lv["verdict"] != "ok":
            break
        best = lv["viewers"]
    return best


def run_single(ns) -> tuple[list[dict], dict]:
    args = _args(ns, ns.seconds)
    with streamlit_server("proxy-single") as (url, proc, log_path):
        warm = asyncio.run(warm_up(url, ns.query))
        print(f"one process {url} (pid {proc.pid}) warmed up in {warm:.1f} s", flush=True)
        levels = sweep(url, proc.pid, ns.single, args, DirectViewer, "one process", [proc.pid])
        return levels, {"server_log": str(log_path.relative_to(ROOT)), "warm_up_s": round(warm, 1)}


def run_proxy(ns) -> tuple[list[dict], dict]:
    args = _args(ns, ns.seconds)
    with serve.serving(replicas=ns.replicas) as s:
        warm = [round(asyncio.run(warm_up(u, ns.query)), 1) for u in s.replica_urls()]
        print(f"proxy {s.url}: {ns.replicas} replicas warmed up in {warm} s", flush=True)
        levels = sweep(s.url, None, ns.proxy, args, ProxyViewer,
                       f"nginx + {ns.replicas} replicas", [r["pid"] for r in s.replicas])
        return levels, {"run_dir": str(s.run_dir.relative_to(ROOT)), "warm_up_s": warm}


def run_kill(ns) -> dict:
    args = _args(ns, ns.kill_seconds)
    killed: dict = {}
    with serve.serving(replicas=ns.replicas) as s:
        for u in s.replica_urls():
            asyncio.run(warm_up(u, ns.query))
        by_addr = {f"127.0.0.1:{r['port']}": r for r in s.replicas}

        async def kill(viewers: list[ProxyViewer]) -> None:
            await asyncio.sleep(ns.kill_after)
            on: dict[str, list[int]] = {}
            for v in viewers:
                on.setdefault(v.upstream, []).append(v.stats.index)
            victim_addr = max((a for a in on if a in by_addr), key=lambda a: len(on[a]))
            replica = by_addr[victim_addr]
            killed.update({"replica": replica["index"], "addr": victim_addr,
                           "pid": replica["pid"], "viewers_before": on,
                           "at_s_into_window": ns.kill_after})
            print(f"  killing replica {replica['index']} ({victim_addr}, pid {replica['pid']}) "
                  f"with {len(on[victim_addr])} of {len(viewers)} viewers", flush=True)
            os.kill(replica["pid"], signal.SIGKILL)

        print(f"== a replica killed: {ns.kill_viewers} viewers through {s.url}", flush=True)
        viewers_out: list[ProxyViewer] = []
        cookies, _ = balanced_cookies(s.url, ns.kill_viewers, ns.replicas)
        lv = asyncio.run(run_level(s.url, None, ns.kill_viewers, args,
                                   viewer_cls=viewer_class(ProxyViewer, cookies, viewers_out),
                                   during=kill))
    victims = [v for v in viewers_out if killed and v.stats.index in
               killed["viewers_before"].get(killed["addr"], [])]
    others = [v for v in viewers_out if v not in victims]
    back = [fo.get("back_s") for v in victims for fo in v.failovers[:1]]
    views_ok = [fo.get("view_ok") for v in victims for fo in v.failovers[:1]]
    others_errors = sum(sum(v.stats.errors.values()) + len(v.failovers) for v in others)
    every_back = bool(victims) and len(back) == len(victims) and all(
        b is not None and b <= BACK_WITHIN_S for b in back)
    return {
        "viewers": ns.kill_viewers,
        "killed": {k: v for k, v in killed.items() if k != "viewers_before"},
        "viewers_on_killed_replica": len(victims),
        "viewers_on_other_replicas": len(others),
        "back": sum(1 for b in back if b is not None),
        "back_within_10s": sum(1 for b in back if b is not None and b <= BACK_WITHIN_S),
        "back_s": {"max": max((b for b in back if b is not None), default=None),
                   "each": back},
        "views_reopened_from_url": sum(1 for ok in views_ok if ok),
        "failovers": [{"viewer": v.stats.index, **{k: x for k, x in fo.items() if k != "t"}}
                      for v in victims for fo in v.failovers],
        "other_viewers_errors": others_errors,
        "other_viewers_p95_ms": _p95_ms(others),
        "level": _slim(lv),
        "verdict": "ok" if (every_back and others and others_errors == 0 and all(views_ok))
        else "failed",
    }


def _p95_ms(viewers: list[ProxyViewer]) -> int | None:
    from bench.loadtest import percentile

    lats = [lat for v in viewers for _, lat in v.stats.latencies]
    p = percentile(lats, 0.95)
    return None if p is None else round(p * 1000)


def machine_load() -> dict:
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()], "uptime": up}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.loadtest_proxy", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ints = lambda s: [int(x) for x in s.split(",") if x.strip()]  # noqa: E731
    ap.add_argument("--single", type=ints, default=[10, 20, 25, 30, 35, 40, 50, 60],
                    help="viewer counts for one process, until one degrades")
    ap.add_argument("--proxy", type=ints, default=None,
                    help="viewer counts through the proxy, until one degrades (default: from "
                         "what one process held, 5 more at a time, up to 2.5 times it)")
    ap.add_argument("--replicas", type=int, default=2)
    # The load test's own: viewers arrive over 30 s, each measured for 60 s.
    ap.add_argument("--seconds", type=float, default=60, help="measured window per level")
    ap.add_argument("--ramp", type=float, default=30.0)
    ap.add_argument("--frame-timeout", type=float, default=30.0)
    ap.add_argument("--first-load-timeout", type=float, default=120.0)
    ap.add_argument("--collapse-p95", type=float, default=30.0)
    ap.add_argument("--query", default=QUERY)
    ap.add_argument("--kill-viewers", type=int, default=4)
    ap.add_argument("--kill-after", type=float, default=15.0)
    ap.add_argument("--kill-seconds", type=float, default=40.0)
    ap.add_argument("--skip-sweep", action="store_true", help="only the replica kill")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ns = ap.parse_args(argv)

    load_before = machine_load()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    section: dict = {"what": __doc__.split("\n\n")[0], "started": started,
                     "machine_load_before": load_before, "cpus": os.cpu_count(),
                     "degraded_when": f"any error, p95 page load > {PAGE_P95_S} s, p95 "
                                      f"filter rerun > {FILTER_P95_S} s, or a collapse",
                     "query": ns.query}
    if not ns.skip_sweep:
        single, single_info = run_single(ns)
        if ns.proxy is None:
            n1 = holds(single)
            step = 5 if n1 >= 10 else 1
            ns.proxy = list(range(max(step, n1), int(2.5 * max(n1, 2)) + step, step))
        proxied, proxy_info = run_proxy(ns)
        n1, n2 = holds(single), holds(proxied)
        section.update({
            "one_process": {"levels": single, **single_info, "holds": n1},
            "proxy": {"replicas": ns.replicas, "levels": proxied, **proxy_info, "holds": n2},
            "scaling": round(n2 / n1, 2) if n1 else None,
            "scaling_goal": SCALING_GOAL,
            "scaling_met": bool(n1) and n2 >= SCALING_GOAL * n1,
        })
        if proxied and proxied[-1]["verdict"] == "ok":
            section["proxy"]["note"] = "no level degraded: the proxy holds at least this many"
    section["replica_killed"] = run_kill(ns)
    section["machine_load_after"] = machine_load()
    section["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    try:
        doc = json.loads(ns.out.read_text())
    except (OSError, ValueError):
        doc = {}
    doc["proxy"] = section
    ns.out.write_text(json.dumps(doc, indent=1) + "\n")

    print()
    if not ns.skip_sweep:
        print(f"one process holds {section['one_process']['holds']} viewers; nginx + "
              f"{ns.replicas} replicas hold {section['proxy']['holds']} "
              f"(x{section['scaling']}; goal x{SCALING_GOAL}: "
              f"{'met' if section['scaling_met'] else 'missed'})")
    k = section["replica_killed"]
    print(f"replica killed: {k['back_within_10s']} of {k['viewers_on_killed_replica']} of its "
          f"viewers back within {BACK_WITHIN_S:.0f} s (max {k['back_s']['max']} s), "
          f"{k['views_reopened_from_url']} with the URL's day; the other replica's "
          f"{k['viewers_on_other_replicas']} viewers saw {k['other_viewers_errors']} errors: "
          f"{k['verdict']}")
    print(f"machine load before {load_before['loadavg_1_5_15']}, after "
          f"{section['machine_load_after']['loadavg_1_5_15']} ({os.cpu_count()} CPUs)")
    print(f"results: the 'proxy' section of {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
