"""Worker: one app on one dataset under AppTest, one JSON line per measurement on stdout.

    python -m bench.frames --impl kzunrest|baseline --data FOLDER --days 2022-01-01,...
                           [--filters]

Lines: {"event": "cold", ...} for the first run (dataset loading and static files included),
then {"event": "step", "day", "ms", "deck_bytes", "rerun_bytes", ...} per day, then with
``--filters`` (kzunrest only) {"event": "filter", "change", "ms", ...} per sidebar filter
change, then {"event": "done", "static_files": {url: bytes}}. The parent (bench.runner)
enforces the time and memory budgets by killing this process, so a step that never ends costs
only its budget.

A day "step" is what reaches the server when the day changes: for the baseline, its slider
moved (a rerun per frame); for kzunrest, whose browser plays the days itself, the day the map
component reports when playback pauses or the viewer steps. AppTest cannot send a component's
state, so the step sets ``session_state["_view"]`` to the reported day, which is what the
component's ``on_playback`` callback does (kzunrest/ui/map_view.py), and reruns the page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = {"kzunrest": ROOT / "app.py", "baseline": ROOT / "bench" / "baseline_app.py"}
GENERATED_PREFIX = "/app/static/generated/"


def peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent that forked it)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def emit(**fields) -> None:
    fields["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def _watch_message_bytes() -> list[int]:
    """Record the serialized size of every ForwardMsg of each run (all elements, not only the
    map), by wrapping the function AppTest calls on the run's message queue."""
    from streamlit.testing.v1 import local_script_runner as lsr

    sizes: list[int] = []
    original = lsr.parse_tree_from_messages

    def wrapped(messages):
        sizes.append(sum(m.ByteSize() for m in messages))
        return original(messages)

    lsr.parse_tree_from_messages = wrapped
    return sizes


def _watch_fragment_time() -> list[float]:
    """Time spent inside ``st.fragment`` functions per run: in the browser a slider step
    reruns only the map's fragment, while AppTest reruns the whole page."""
    import functools

    import streamlit as st

    spent: list[float] = [0.0]
    original = st.fragment

    def fragment(func=None, **kwargs):
        def decorate(f):
            @functools.wraps(f)
            def timed(*a, **k):
                t0 = time.perf_counter()
                try:
                    return f(*a, **k)
                finally:
                    spent[0] += time.perf_counter() - t0

            return original(timed, **kwargs)

        return decorate(func) if func is not None else decorate

    st.fragment = fragment
    return spent


def deck_payload(at) -> tuple[int, dict]:
    """Bytes of the map sent by this run: the deck spec (JSON plus tooltip) of the baseline's
    st.pydeck_chart, or the data of kzunrest's map component (the whole calendar's map)."""
    # The page's other component (ui/lang.py's <html lang>) carries no spec.
    found = [el for el in at.get("bidi_component")
             if el.proto.json and '"spec"' in el.proto.json]
    if found:
        if len(found) != 1:
            raise RuntimeError(f"expected one map component, found {len(found)}")
        from bench.loadtest_protocol import map_data

        data = map_data(found[0].proto.json)
        return len(found[0].proto.json.encode("utf-8")), data["spec"]["deck"]
    charts = at.get("deck_gl_json_chart")
    if len(charts) != 1:
        raise RuntimeError(f"expected one map, found {len(charts)}")
    proto = charts[0].proto
    size = len(proto.json.encode("utf-8")) + len(proto.tooltip.encode("utf-8"))
    return size, json.loads(proto.json)


def static_refs(spec: dict) -> set[str]:
    """URLs of generated static files the spec's layers load (fetched once by the browser)."""
    return {lyr["data"] for lyr in spec.get("layers", [])
            if isinstance(lyr.get("data"), str) and lyr["data"].startswith(GENERATED_PREFIX)}


# Sidebar filter changes, in order, each a new filter set (so its map files and spec are
# built, not taken from a cache), then the first one again (the caches' hit).
FILTER_CHANGES = [
    ("types", ["Protests"]),
    ("regions", ["Almaty"]),
    ("precise", True),
    ("types", []),
    ("regions", []),
    ("precise", False),
    ("types", ["Protests"]),
]


def _set_filter(at, key: str, value) -> None:
    if key == "precise":
        at.toggle(key=key).set_value(value)
    else:
        widget = at.multiselect(key=key)
        unknown = [v for v in value if v not in widget.options]
        if unknown:
            raise RuntimeError(f"{key}: no option {unknown} in {widget.options[:20]}")
        widget.set_value(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=list(APPS), required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--days", required=True, help="comma-separated ISO dates, in order")
    ap.add_argument("--cold-timeout", type=float, default=600)
    ap.add_argument("--step-timeout", type=float, default=60)
    ap.add_argument("--filters", action="store_true",
                    help="after the days, time each sidebar filter change (kzunrest)")
    args = ap.parse_args(argv)

    os.environ["KZUNREST_DATA"] = str(Path(args.data).resolve())
    from streamlit.testing.v1 import AppTest

    from kzunrest.layers import STATIC_DIR

    sizes = _watch_message_bytes()
    fragment_s = _watch_fragment_time()
    at = AppTest.from_file(str(APPS[args.impl]), default_timeout=args.step_timeout)
    t0 = time.perf_counter()
    c0 = time.process_time()
    at.run(timeout=args.cold_timeout)
    cold_ms = (time.perf_counter() - t0) * 1000
    cold_cpu_ms = (time.process_time() - c0) * 1000
    if at.exception:
        emit(event="error", where="cold", message=str([e.value for e in at.exception])[:2000])
        return 1
    deck_bytes, spec = deck_payload(at)
    refs = static_refs(spec)
    emit(event="cold", ms=round(cold_ms, 1), cpu_ms=round(cold_cpu_ms, 1), deck_bytes=deck_bytes,
         rerun_bytes=sizes[-1])

    kz = args.impl == "kzunrest"
    for day in args.days.split(","):
        if kz:
            import dataclasses

            view = at.session_state["_view"]
            at.session_state["_view"] = dataclasses.replace(
                view, day=dt.date.fromisoformat(day), playing=False)
        else:
            at.slider(key="date").set_value(dt.date.fromisoformat(day))
        fragment_s[0] = 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        at.run(timeout=args.step_timeout)
        ms = (time.perf_counter() - t0) * 1000
        cpu_ms = (time.process_time() - c0) * 1000
        if at.exception:
            emit(event="error", where=day, message=str([e.value for e in at.exception])[:2000])
            return 1
        shown = (at.session_state["_view"].day if kz else at.slider(key="date").value)
        if kz and at.query_params.get("date") not in (day, None):
            emit(event="error", where=day, message=f"the link says {at.query_params}")
            return 1
        if shown != dt.date.fromisoformat(day):
            emit(event="error", where=day, message=f"slider shows {shown}, not {day}")
            return 1
        deck_bytes, spec = deck_payload(at)
        refs |= static_refs(spec)
        # cpu_ms: this process's CPU time over the rerun (all threads): unlike ms, it does not
        # grow when other work on the machine takes the CPU away.
        emit(event="step", day=day, ms=round(ms, 1), cpu_ms=round(cpu_ms, 1),
             deck_bytes=deck_bytes,
             rerun_bytes=sizes[-1], fragment_ms=round(fragment_s[0] * 1000, 1))

    if args.filters and kz:
        seen: set = set()
        for key, value in FILTER_CHANGES:
            _set_filter(at, key, value)
            combo = (tuple(at.multiselect(key="types").value),
                     tuple(at.multiselect(key="regions").value), at.toggle(key="precise").value)
            fragment_s[0] = 0.0
            t0, c0 = time.perf_counter(), time.process_time()
            at.run(timeout=args.step_timeout)
            ms = (time.perf_counter() - t0) * 1000
            cpu_ms = (time.process_time() - c0) * 1000
            if at.exception:
                emit(event="error", where=f"filter {key}={value}",
                     message=str([e.value for e in at.exception])[:2000])
                return 1
            deck_bytes, spec = deck_payload(at)
            refs |= static_refs(spec)
            emit(event="filter", change=f"{key}={value}", ms=round(ms, 1),
                 cpu_ms=round(cpu_ms, 1),
                 deck_bytes=deck_bytes, rerun_bytes=sizes[-1], repeat=combo in seen)
            seen.add(combo)

    files = {}
    for url in sorted(refs):
        path = STATIC_DIR / url[len("/app/static/"):]
        files[url] = path.stat().st_size if path.exists() else None
    emit(event="done", static_files=files)
    return 0


if __name__ == "__main__":
    # os._exit: a timed-out script thread must not keep the process alive.
    code = main()
    sys.stdout.flush()
    os._exit(code)
