"""``streamlit`` with a trace of where each run's time goes, for the load test.

    KZ_SERVER_TRACE=trace.log python -m bench.server_trace run app.py [streamlit options]

Runs Streamlit's own command line after wrapping three of its methods, each writing one line
(monotonic seconds, event, session) to the trace file:

* ``arrive``: a rerun request reached the session (the websocket's message was read);
* ``start`` / ``end``: the script thread began / finished the run;
* ``sent``: the run's ``script_finished`` left the runtime's flush loop for the websocket;
* ``lag``: every 100 ms, how late the event loop woke a 100 ms sleep (its own seconds), so a
  starved or blocked event loop shows;
* ``spawn``: seconds the event loop waited in ``ScriptRunner.start`` (a new thread per run:
  ``Thread.start`` blocks until that thread gets the GIL);
* ``gc2``: a full collection of Python's garbage collector and its seconds (it holds the GIL:
  every thread waits).

So a request's latency splits into waiting for a script thread (arrive→start), the run
(start→end) and the delivery of its messages (end→sent): Streamlit's runtime hands a
session's messages to its websocket one per event-loop turn, on the same thread that serves
every socket and static file, competing for the GIL with the script threads.
:func:`breakdown` reads the file back. Bench only: the app never imports this.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ENV = "KZ_SERVER_TRACE"


def install(path: str) -> None:
    from streamlit.runtime import app_session, runtime
    from streamlit.runtime.scriptrunner import script_runner

    out = open(path, "a", buffering=1)  # noqa: SIM115 - open for the server's life
    lock = threading.Lock()

    def log(event: str, what: str) -> None:
        with lock:
            out.write(f"{time.monotonic():.4f} {event} {what[:12]}\n")

    handle = app_session.AppSession.handle_backmsg

    def handle_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            log("arrive", self.id)
        return handle(self, msg)

    run = script_runner.ScriptRunner._run_script

    def run_script(self, rerun_data):
        log("start", self._session_id)
        try:
            return run(self, rerun_data)
        finally:
            log("end", self._session_id)

    spawn = script_runner.ScriptRunner.start

    def start(self):
        t = time.monotonic()
        try:
            return spawn(self)
        finally:
            log("spawn", f"{time.monotonic() - t:.4f}")

    send = runtime.Runtime._send_message

    def send_message(self, session_info, msg):
        send(self, session_info, msg)
        if msg.WhichOneof("type") == "script_finished":
            log("sent", session_info.session.id)

    loop_coroutine = runtime.Runtime._loop_coroutine

    async def probe() -> None:
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.1)
            log("lag", f"{time.monotonic() - t - 0.1:.4f}")

    async def loop_with_probe(self):
        task = asyncio.create_task(probe())
        try:
            return await loop_coroutine(self)
        finally:
            task.cancel()

    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            gc_started[0] = time.monotonic()
        else:
            log("gc2", f"{time.monotonic() - gc_started[0]:.4f}")

    gc.callbacks.append(on_gc)
    runtime.Runtime._loop_coroutine = loop_with_probe
    app_session.AppSession.handle_backmsg = handle_backmsg
    script_runner.ScriptRunner._run_script = run_script
    script_runner.ScriptRunner.start = start
    runtime.Runtime._send_message = send_message


def _q(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[round(p * (len(ordered) - 1))]


def breakdown(path: Path, since: float | None = None) -> dict:
    """Per run (those that arrived after ``since``, monotonic seconds): p50/p95 ms of the
    wait for a script thread, the run and the delivery. A run that was asked for several
    times before it started counts from the first request."""
    per_session: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for t, event, session in _lines(path):
        if event not in ("lag", "gc2", "spawn"):
            per_session[session].append((t, event))
    waits: dict[str, list[float]] = {"queued": [], "run": [], "delivery": []}
    lags, gcs, spawns = ([float(w) for t, e, w in _lines(path) if e == kind
                          and (since is None or t >= since)] for kind in ("lag", "gc2", "spawn"))
    for events in per_session.values():
        arrived = started = ended = None
        for t, event in events:
            if event == "arrive":
                arrived = arrived if arrived is not None and started is None else t
            elif event == "start":
                started = t
            elif event == "end":
                ended = t
            elif event == "sent" and started is not None and ended is not None:
                first = arrived if arrived is not None and arrived <= started else started
                if since is None or first >= since:
                    waits["queued"].append(started - first)
                    waits["run"].append(ended - started)
                    waits["delivery"].append(t - ended)
                arrived = started = ended = None
    return {"runs": len(waits["run"]),
            **{k: {"p50": _ms(_q(v, 0.5)), "p95": _ms(_q(v, 0.95))} for k, v in waits.items()},
            "event_loop_lag": {"p50": _ms(_q(lags, 0.5)), "p95": _ms(_q(lags, 0.95)),
                               "max": _ms(max(lags) if lags else None)},
            "thread_start": {"n": len(spawns), "total": _ms(sum(spawns)),
                             "p95": _ms(_q(spawns, 0.95)),
                             "max": _ms(max(spawns) if spawns else None)},
            "full_gc": {"n": len(gcs), "total": _ms(sum(gcs)),
                        "max": _ms(max(gcs) if gcs else None)}}


def _lines(path: Path):
    with open(path) as fh:
        for line in fh:
            t, event, what = line.split()
            yield float(t), event, what


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def main() -> int:
    path = os.environ.get(ENV)
    if path:
        install(path)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *sys.argv[1:]]
    return streamlit_main()


if __name__ == "__main__":
    sys.exit(main())
