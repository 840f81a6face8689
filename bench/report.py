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
