"""The printed table: each dataset's two rows, the ratio kzunrest/baseline, and the goals."""

from __future__ import annotations

FRAME_BYTES_GOAL = 10_000  # bytes of deck spec per frame (10 KB)
BUNDLED_TIME_RATIO_GOAL = 0.5  # kzunrest's server time per frame, relative to the baseline's
LARGE_MS_GOAL = 100  # server ms per frame at 10^6 events


def _num(v, unit: str = "") -> str:
    if v is None:
        return "null"
    if unit == "B":
        for scale, suffix in ((1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
            if v >= scale:
                return f"{v / scale:.1f} {suffix}"
        return f"{v:.0f} B"
    return f"{v:,.0f}"


def _ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    r = a / b
    return f"{r:.2g}" if r < 0.01 else f"{r:.2f}"


def frame(frames: list[dict], dataset: str, impl: str) -> dict | None:
    return next((f for f in frames if f["dataset"] == dataset and f["impl"] == impl), None)


def table(frames: list[dict], extra: dict[tuple[str, str], dict]) -> str:
    """``extra[(dataset, impl)]`` holds what the table shows beside results.json's fields."""
    head = (f"{'dataset':8} {'impl':9} {'ms/frame':>9} {'deck B/frame':>13} "
            f"{'initial B':>10} {'fragment ms':>11} {'all msgs/rerun':>15} {'first run ms':>13} "
            f"{'peak RSS':>9}")
    lines = [head, "-" * len(head)]
    for dataset in dict.fromkeys(f["dataset"] for f in frames):
        for impl in ("kzunrest", "baseline"):
            f = frame(frames, dataset, impl)
            if f is None:
                continue
            x = extra.get((dataset, impl), {})
            lines.append(
                f"{dataset:8} {impl:9} {_num(f['frame_ms_median']):>9} "
                f"{_num(f['frame_bytes_median'], 'B'):>13} {_num(f['initial_bytes'], 'B'):>10} "
                f"{_num(x.get('fragment_ms_median')) if impl == 'kzunrest' else '-':>11} "
                f"{_num(x.get('rerun_bytes_median'), 'B'):>15} {_num(x.get('cold_ms')):>13} "
                f"{_num((x.get('peak_rss_mb') or 0) * 1e6, 'B'):>9}")
            if f.get("reason"):
                lines.append(f"{'':19}null: {f['reason']}")
        k, b = frame(frames, dataset, "kzunrest"), frame(frames, dataset, "baseline")
        if k and b:
            ms = _ratio(k["frame_ms_median"], b["frame_ms_median"])
            size = _ratio(k["frame_bytes_median"], b["frame_bytes_median"])
            lines.append(f"{dataset:8} {'k/b':9} {ms:>9} {size:>13}")
        lines.append("")
    return "\n".join(lines)


LEGEND = """\
ms/frame: median server time of a slider step under AppTest (the whole page reruns);
fragment ms: of which inside the map's st.fragment (all a slider step reruns in the browser);
deck B/frame: median bytes of the pydeck spec sent per frame (proto json + tooltip);
initial B: static files the browser fetches once; all msgs/rerun: every element's messages
of a rerun (tables included); first run ms: first page load in a fresh process."""


def _goal(name: str, value, limit, unit: str, below: bool = True) -> str:
    if value is None:
        return f"{name}: not measured"
    ok = value < limit if below else value <= limit
    if ok:
        return f"{name}: met ({_fmt(value, unit)} vs {_fmt(limit, unit)})"
    return (f"{name}: MISSED by {_fmt(value - limit, unit)} "
            f"({_fmt(value, unit)} vs {_fmt(limit, unit)})")


def _fmt(v, unit):
    if unit == "B":
        return _num(v, "B")
    if unit == "x":
        return f"{v:.2f}x"
    if unit == "n":
        return f"{v:,}"
    return f"{v:,.0f} ms"


def goals(frames: list[dict]) -> list[str]:
    out = []
    k, b = frame(frames, "bundled", "kzunrest"), frame(frames, "bundled", "baseline")
    if k:
        out.append(_goal("bundled: deck spec per frame < 10 KB", k["frame_bytes_median"],
                         FRAME_BYTES_GOAL, "B"))
        ratio = (k["frame_ms_median"] / b["frame_ms_median"]
                 if b and k["frame_ms_median"] is not None and b["frame_ms_median"] else None)
        out.append(_goal("bundled: server time per frame <= 1/2 of baseline's", ratio,
                         BUNDLED_TIME_RATIO_GOAL, "x", below=False))
    k = frame(frames, "1e6", "kzunrest")
    if k:
        out.append(_goal("1e6: deck spec per frame < 10 KB", k["frame_bytes_median"],
                         FRAME_BYTES_GOAL, "B"))
        out.append(_goal("1e6: server time per frame < 100 ms", k["frame_ms_median"],
                         LARGE_MS_GOAL, "ms"))
    return out


# The figures of the server-side Play (README before issue 10), side by side with the new.
PREVIOUS = {
    "arrow_key_to_repaint_ms_median": 437,
    "cold_start_ms": 16_000,
    "server_ms_per_frame_1e6": 726,
    "server_ms_per_frame_bundled": 87,
    "loadtest": "server-side Play (a fragment rerun every 0.5 s per viewer): one process held "
                "4 viewers playing (p95 87 ms) and degraded at 5; 25 collapsed",
    "play_fast": "12 s of fast Play: 7 January not painted (the software renderer could not "
                 "repaint within 0.5 s)",
}
PLAY_MESSAGES_GOAL = 3
ARROW_MS_GOAL = 120
COLD_MS_GOAL = 8_000
RERUN_MS_GOAL = 300
PAGE_P95_GOAL_S = 5.0
FILTER_P95_GOAL_MS = 1_000


def new_lines(reruns: dict, browser: dict, loadtest: dict) -> list[str]:
    """The Play-in-the-browser measurements, as printed after the table."""
    out = []
    for name, r in reruns.items():
        out.append(f"server rerun ({name}): pause (day reported) median {r['pause_ms_median']} ms"
                   f" (map fragment {r['pause_fragment_ms_median']} ms); a new filter set "
                   f"median {r['filter_new_ms_median']} ms (max {r['filter_new_ms_max']}), "
                   f"one seen before {r['filter_seen_ms']} ms"
                   + (f"; first script run {r['first_start_ms']:,.0f} ms on an empty dataset "
                      f"cache, {r['restart_ms']:,.0f} ms on a restart with it"
                      if r.get("restart_ms") else ""))
    if browser and "error" not in browser:
        p = browser["play"]
        out.append(f"browser, Play fast {p['seconds']:.0f} s: {len(p['play_throughs'])} "
                   f"play-throughs, messages sent per play-through "
                   f"{[x['messages_sent'] for x in p['play_throughs']]}, every day painted in "
                   f"order: {p['every_day_in_order']}, ms per day (median) "
                   f"{[x['ms_per_day_median'] for x in p['play_throughs']]}")
        for key in ("arrow", "arrow_gl_compositing", "arrow_pixels"):
            a = browser.get(key)
            if a is None:  # a part not run (bench.browser_timing --parts)
                continue
            out.append(f"browser, arrow key to {a['signal']}"
                       + (" (page composited on SwiftShader's GL)" if "gl" in key else "")
                       + f": median {a['median_ms']} ms, p90 {a['p90_ms']} ms over "
                       f"{a['steps']} steps; the frame on screen (Event Timing) median "
                       f"{a.get('presented_median_ms')} ms, p90 {a.get('presented_p90_ms')} ms")
        for c in browser["cold"]:
            out.append(f"browser, cold start ({c['dataset']}): {c['cold_start_ms']:,} ms "
                       f"(server healthy {c['server_healthy_ms']:,}; websocket "
                       f"{c['websocket_opened_ms']}; map mounted {c['map_mounted_ms']}; "
                       f"bundle {c['bundle_fetch_ms']}; deck ready {c['deck_ready_ms']}; "
                       f"layer files {c['layer_fetch_ms']}; first paint {c['first_paint_ms']})")
    elif browser:
        out.append(f"browser: error {browser['error']}")
    for what, lt in _loadtests(loadtest):
        if "error" in lt:
            out.append(f"load test ({what}): error {lt['error']}")
            continue
        for lv in lt["levels"]:
            out.append(f"load test ({what}) {lv['viewers']} viewers: {lv['verdict']}, errors "
                       f"{lv['errors']}, page load p95 {lv['page_load_s']['p95']} s, filter "
                       f"rerun p95 {lv['filter_rerun_ms']['p95']} ms")
        out.append(f"load test ({what}): {lt['holds']}")
    return out


def _loadtests(loadtest: dict) -> list[tuple[str, dict]]:
    """The load test's sweeps: the process alone, and behind nginx (as deployed)."""
    if not loadtest:
        return []
    alone = {k: v for k, v in loadtest.items() if k != "via_nginx"}
    return [("one process alone", alone)] + (
        [("one process behind nginx", loadtest["via_nginx"])] if "via_nginx" in loadtest
        else [])


def new_goals(reruns: dict, browser: dict, loadtest: dict) -> list[str]:
    out = []
    if browser and "error" not in browser:
        p = browser["play"]
        out.append(_goal(f"Play fast {p['seconds']:.0f} s: messages sent per play-through <= "
                         f"{PLAY_MESSAGES_GOAL}", p["messages_sent_max_per_play_through"],
                         PLAY_MESSAGES_GOAL, "n", below=False)
                   + f"; every day painted in order: {p['every_day_in_order']}")
        out.append(_goal("arrow key to repaint (onAfterRender) <= 120 ms",
                         browser["arrow"]["median_ms"], ARROW_MS_GOAL, "ms", below=False))
        if browser["arrow"].get("presented_median_ms") is not None:
            out.append(_goal("arrow key to the frame on screen (Event Timing) <= 120 ms",
                             browser["arrow"]["presented_median_ms"], ARROW_MS_GOAL, "ms",
                             below=False))
        for c in browser["cold"]:
            out.append(_goal(f"cold start to the first map drawn ({c['dataset']}) <= 8 s",
                             c["cold_start_ms"], COLD_MS_GOAL, "ms", below=False))
    r = reruns.get("1e6")
    if r:
        out.append(_goal("1e6: rerun on pause <= 300 ms", r["pause_ms_median"], RERUN_MS_GOAL,
                         "ms", below=False))
        out.append(_goal("1e6: rerun on a new filter set <= 300 ms", r["filter_new_ms_median"],
                         RERUN_MS_GOAL, "ms", below=False))
    for what, lt in _loadtests(loadtest):
        lv = next((x for x in lt.get("levels", []) if x["viewers"] == 100), None)
        if lv:
            out.append(f"100 viewers, {what}: {'met' if lv['verdict'] == 'ok' else 'MISSED'} "
                       f"(errors {lv['errors']}, p95 page load {lv['page_load_s']['p95']} s, "
                       f"p95 filter rerun {lv['filter_rerun_ms']['p95']} ms)")
    return out
