"""kzunrest in headless Chromium: cold start, slider-step latency, and Play at its fastest.

Repaints are detected by hashing the map's canvases: an init script makes every WebGL context
keep its drawing buffer (``preserveDrawingBuffer: true``, so a canvas can be read back at any
time), and a requestAnimationFrame loop draws the chart's canvases into a 2D canvas of the
map's own size (no downsampling, so a single point changing colour counts),
hashes the pixels and logs each change with ``performance.now()``. A step's latency is the
time from the ArrowRight ``keydown`` (logged by a capture listener in the page, same clock) to
the first frame whose pixels differ. The map is "drawn" when over 0.5% of the sampled pixels
are neither transparent, white, nor the offline basemap's background (#eef0f2).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHART = "[data-testid='stDeckGlJsonChart']"
MAIN_SLIDER = "[data-testid='stMain'] [data-testid='stSlider']"

INIT_SCRIPT = r"""
(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, attrs) {
    if (/webgl/.test(String(type))) {
      attrs = Object.assign({}, attrs || {}, {preserveDrawingBuffer: true});
    }
    return getContext.call(this, type, attrs);
  };
  const B = window.__bench = {changes: [], keys: [], urls: [], labels: [], ws: [],
                              firstCanvasEpoch: null, firstDrawnEpoch: null, hash: null,
                              drawnShare: 0};
  // Every message from the server (Streamlit's ForwardMsgs), with its size once decompressed.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        const n = d instanceof ArrayBuffer ? d.byteLength
          : (d && d.size !== undefined ? d.size : String(d).length);
        B.ws.push([performance.now(), n]);
      });
    }
  };
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') B.keys.push(performance.now());
  }, true);
  let W = 0, H = 0;
  let small = null, ctx = null, lastSearch = null, lastLabel = null;
  function frame() {
    const now = performance.now();
    if (location.search !== lastSearch) {
      lastSearch = location.search;
      B.urls.push([now, lastSearch]);
    }
    const thumb = document.querySelector(
      "[data-testid='stMain'] [data-testid='stSlider'] [data-testid='stSliderThumbValue']");
    const label = thumb ? thumb.innerText : null;
    if (label && label !== lastLabel) { lastLabel = label; B.labels.push([now, label]); }
    const canvases = document.querySelectorAll("[data-testid='stDeckGlJsonChart'] canvas");
    if (canvases.length) {
      if (B.firstCanvasEpoch === null) B.firstCanvasEpoch = Date.now();
      const isDeck = (c) => c.id === 'deckgl-overlay';
      const first = [...canvases].find(isDeck) || canvases[0];
      if (!first.width || !first.height) { requestAnimationFrame(frame); return; }
      if (!ctx || first.width !== W || first.height !== H) {
        W = first.width; H = first.height;
        small = document.createElement('canvas'); small.width = W; small.height = H;
        ctx = small.getContext('2d', {willReadFrequently: true});
      }
      ctx.clearRect(0, 0, W, H);
      // The basemap's canvas first, deck.gl's overlay on top, as they are stacked on screen.
      const ordered = [...canvases].sort((a, b) => isDeck(a) - isDeck(b));
      for (const c of ordered) if (c.width && c.height) ctx.drawImage(c, 0, 0, W, H);
      const d = ctx.getImageData(0, 0, W, H).data;
      let h = 2166136261 >>> 0, drawn = 0;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i], g = d[i + 1], b = d[i + 2], a = d[i + 3];
        h = Math.imul(h ^ (r | (g << 8) | (b << 16) | (a << 24)), 16777619) >>> 0;
        const bg = Math.abs(r - 0xee) + Math.abs(g - 0xf0) + Math.abs(b - 0xf2);
        const white = (255 - r) + (255 - g) + (255 - b);
        if (a > 0 && bg > 30 && white > 30) drawn++;
      }
      B.drawnShare = drawn / (W * H);
      if (B.firstDrawnEpoch === null && B.drawnShare > 0.005) B.firstDrawnEpoch = Date.now();
      if (h !== B.hash) { B.hash = h; B.changes.push(now); }
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
"""


def _label(page) -> str:
    return page.locator(f"{MAIN_SLIDER} [data-testid='stSliderThumbValue']").first.inner_text()


def _parse_label(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip(), "%a %d %b %Y").date()
    except ValueError:
        return None


def _median(values: list[float]) -> int | None:
    return round(statistics.median(values)) if values else None


def _quiet(page, quiet_ms: float = 800, timeout_s: float = 30) -> None:
    """Wait until the app is idle and the canvas has not changed for ``quiet_ms``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        idle = page.evaluate(
            "(q) => { const B = window.__bench; const last = B.changes.at(-1) || 0;"
            " const busy = document.querySelector('[data-testid=\"stStatusWidget\"]');"
            " return !busy && performance.now() - last > q; }", quiet_ms)
        if idle:
            return
        time.sleep(0.1)


def cold_start(browser, log) -> tuple[dict, object, object]:
    """Server process start to the first map canvas with drawn pixels; returns the server's
    context manager and page still open for the next measurements."""
    from tests.browser import streamlit_server

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    t0 = time.time()
    server = streamlit_server()
    url = server.__enter__()
    ready = time.time()
    page.goto(f"{url}/?basemap=offline", wait_until="commit")
    page.wait_for_function("() => window.__bench && window.__bench.firstDrawnEpoch",
                           timeout=180_000, polling=100)
    b = page.evaluate("() => ({...window.__bench, firstMsgEpoch: window.__bench.ws.length"
                      " ? performance.timeOrigin + window.__bench.ws[0][0] : null})")
    out = {
        "cold_start_ms": round(b["firstDrawnEpoch"] - t0 * 1000),
        "cold_server_ready_ms": round((ready - t0) * 1000),
        "cold_first_server_msg_ms": (round(b["firstMsgEpoch"] - t0 * 1000)
                                     if b["firstMsgEpoch"] else None),
        "cold_first_canvas_ms": round(b["firstCanvasEpoch"] - t0 * 1000),
    }
    log(f"  cold start: {out['cold_start_ms']} ms to a drawn map "
        f"(server healthy after {out['cold_server_ready_ms']} ms)")
    return out, server, (context, page, url)


def slider_steps(page, url: str, steps: int, log) -> dict:
    """Home, then ArrowRight on the day slider ``steps`` times: press-to-repaint for each.

    The walk starts from 1 January with the Home key: a link with ``date=2022-01-01`` opens on
    2 January, because the app's default day (2 January, set through session state) differs
    from the slider's own default (its minimum), so Streamlit drops the parameter.
    """
    page.goto(f"{url}/?basemap=offline", wait_until="commit")
    page.wait_for_function("() => window.__bench && window.__bench.firstDrawnEpoch",
                           timeout=120_000, polling=100)
    _quiet(page, 1500)
    slider = page.locator(f"{MAIN_SLIDER} input[type='range']").first
    slider.focus()
    page.keyboard.press("Home")
    # 1 January is the slider's own default, so the URL then carries no date at all.
    page.wait_for_function("() => (window.__bench.labels.at(-1) || [])[1] === 'Sat 1 Jan 2022'",
                           timeout=30_000)
    _quiet(page, 1500)
    latencies, settled, url_ms, labels, unchanged = [], [], [], [], []
    ws_first, ws_last, ws_bytes = [], [], []
    for i in range(steps):
        expected = dt.date(2022, 1, 2 + i)
        slider.focus()
        n_keys = page.evaluate("() => window.__bench.keys.length")
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function(
                "([n, d]) => { const B = window.__bench; if (B.keys.length <= n) return false;"
                " const k = B.keys[n]; return B.changes.some(t => t > k) &&"
                " location.search.includes('date=' + d); }",
                arg=[n_keys, expected.isoformat()], timeout=30_000, polling="raf")
        except Exception:  # noqa: BLE001 - a missed repaint is a result, not a crash
            state = page.evaluate("(n) => ({key: window.__bench.keys.length > n,"
                                  " search: location.search})", n_keys)
            unchanged.append({"date": expected.isoformat(), "key_seen": state["key"],
                           "url": state["search"], "label": _label(page)})
            _quiet(page)
            continue
        _quiet(page)
        b = page.evaluate("(n) => { const B = window.__bench; const k = B.keys[n];"
                          " const after = B.changes.filter(t => t > k);"
                          " const u = B.urls.find(([t]) => t > k);"
                          " const ws = B.ws.filter(([t]) => t > k && t <= after.at(-1));"
                          " return {first: after[0] - k, last: after.at(-1) - k,"
                          " url: u ? u[0] - k : null, ws: ws.length ? ws[0][0] - k : null,"
                          " wsLast: ws.filter(([t]) => t <= after[0]).map(([t]) => t - k).at(-1),"
                          " wsBytes: ws.reduce((a, [, n]) => a + n, 0)}; }", n_keys)
        latencies.append(b["first"])
        settled.append(b["last"])
        if b["url"] is not None:
            url_ms.append(b["url"])
        if b["ws"] is not None:
            ws_first.append(b["ws"])
            ws_bytes.append(b["wsBytes"])
        if b.get("wsLast") is not None:
            ws_last.append(b["wsLast"])
        labels.append(_label(page))
    med = statistics.median(latencies) if latencies else float("nan")
    log(f"  slider: {len(latencies)} of {steps} steps changed the map, median press-to-repaint"
        f" {med:.0f} ms" + (f"; no visible change on {[u['date'] for u in unchanged]}"
                            if unchanged else ""))
    return {
        "step_repaint_ms_median": round(med) if latencies else None,
        "step_repaint_ms_all": [round(x) for x in latencies],
        "step_settled_ms_median": round(statistics.median(settled)) if settled else None,
        "step_url_ms_median": round(statistics.median(url_ms)) if url_ms else None,
        # From the key press to the first / the last server message before the repaint.
        "step_first_server_msg_ms_median": _median(ws_first),
        "step_last_server_msg_before_repaint_ms_median": _median(ws_last),
        "step_server_msg_bytes_median": _median(ws_bytes),
        "steps_timed": len(latencies),
        # Steps whose map looks the same as the day before (e.g. the only new events sit
        # exactly on yesterday's, same type): no pixel changes, so nothing to time.
        "steps_without_visible_change": unchanged,
        "step_labels": labels,
    }


def play_fast(context, url: str, seconds: float, log) -> dict:
    """Open with play=true&speed=fast; the page logs every slider label it shows (each
    animation frame). Dates are judged over ``seconds`` from the first drawn map; the dates
    shown while the page was still loading are reported apart."""
    page = context.new_page()
    page.goto(f"{url}/?basemap=offline&play=true&speed=fast", wait_until="commit")
    page.wait_for_function("() => window.__bench && window.__bench.firstDrawnEpoch",
                           timeout=120_000, polling=100)
    t_drawn = page.evaluate("() => performance.now() - (Date.now() - window.__bench"
                            ".firstDrawnEpoch)")
    time.sleep(max(0.0, seconds - 0.2))
    b = page.evaluate("(t) => { const B = window.__bench; return {"
                      " labels: B.labels, repaints: B.changes.filter(x => x > t).length}; }",
                      t_drawn)
    page.close()
    end = t_drawn + seconds * 1000
    before = [text for t, text in b["labels"] if t < t_drawn]
    window = [(t, text) for t, text in b["labels"] if t_drawn <= t <= end]
    if before:  # the date on screen when the map was first drawn
        window.insert(0, (t_drawn, before[-1]))

    def judge(texts: list[str]) -> tuple[list[str], list[str]]:
        dates = [_parse_label(x) for x in texts]
        pairs = [(a, b) for a, b in zip(dates, dates[1:], strict=False) if a and b]
        return ([f"{a:%d %b} -> {b:%d %b}" for a, b in pairs if (b - a).days > 1],
                [f"{a:%d %b} -> {b:%d %b}" for a, b in pairs if b < a])

    skipped, backwards = judge([x for _, x in window])
    skipped_loading, _ = judge(before)
    intervals = [(t2 - t1) / 1000 for (t1, _), (t2, _) in zip(window, window[1:], strict=False)]
    log(f"  play fast: {len(window)} dates shown in {seconds:.0f} s after the first draw, "
        f"skipped: {skipped or 'none'}"
        + (f"; while loading: {before} skipped {skipped_loading}" if before else ""))
    return {
        "play_fast_dates": [text for _, text in window],
        "play_fast_ms_seen": [round(t - t_drawn) for t, _ in window],
        "play_fast_skips_days": bool(skipped),
        "play_fast_skipped": skipped,
        "play_fast_backwards": backwards,
        "play_fast_dates_while_loading": before,
        "play_fast_skipped_while_loading": skipped_loading,
        "play_fast_s_per_day_median": (round(statistics.median(intervals), 3) if intervals
                                       else None),
        "play_fast_canvas_repaints": b["repaints"],
        "play_fast_window_s": seconds,
    }


def run(steps: int = 20, play_seconds: float = 12, log=print) -> dict:
    """All browser measurements against one fresh server on the bundled data."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path

    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # streamlit_server() logs there
    out: dict = {"dataset": "bundled", "impl": "kzunrest", "basemap": "offline",
                 "repaint_detection": "canvas pixel hash (full size, every "
                                      "requestAnimationFrame, preserveDrawingBuffer forced on)"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        server = None
        try:
            cold, server, (context, page, url) = cold_start(browser, log)
            out.update(cold)
            out.update(slider_steps(page, url, steps, log))
            page.close()
            out.update(play_fast(context, url, play_seconds, log))
            context.close()
        finally:
            if server is not None:
                server.__exit__(None, None, None)
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.browser_timing --steps 20 --play 12``: JSON on stdout's last line."""
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--play", type=float, default=12)
    args = ap.parse_args(argv)
    result = run(args.steps, args.play, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
