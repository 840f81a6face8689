"""kzunrest's map component in headless Chromium (software WebGL and software compositing,
``tests/browser.py``'s ``SOFTWARE_COMPOSITING_ARGS``).

Three measurements, each on a fresh page of one server:

* **Play at the fastest speed** (``?play=1&speed=fast``) for ``--play`` seconds: every
  websocket message the page *sends* (an in-page wrapper of ``WebSocket.send``, cross-checked
  with Playwright's ``framesent``) and every day painted, in order. When Play ends on the last
  day it is pressed again (it starts over from the first day) until the time is up; messages
  are counted per play-through.
* **Arrow key to repainted map**: ArrowRight from 1 January to the last day, then ArrowLeft
  back. A step's latency is from the ``keydown`` (a capture listener in the page, on
  ``performance.now()``) to the component's paint signal for the new day: ``data-painted-day``
  is set in deck.gl's ``onAfterRender``, seen by a MutationObserver in the same task. A second
  pass (a separate page) times the same steps to the first animation frame whose canvas pixels
  differ (every WebGL context made with ``preserveDrawingBuffer``, all of the map's canvases
  drawn into one 2D canvas and hashed on each ``requestAnimationFrame``): that includes the
  GPU work of the new frame, which ``onAfterRender`` does not wait for. Each step also reads
  the browser's Event Timing entry of the key press: the time to the next frame *presented*.
  The first pass runs again in a browser whose page is composited on SwiftShader's GL (the
  flags of the earlier figures; see tests/browser.py for why the default is not that).
* **Cold start**: from starting the server (``python -m kzunrest.ui.launch app.py``, as
  ``make run`` and ``make serve`` do: ``streamlit run`` with the app run once as soon as the
  server is up) to the first day painted, with the page opened as soon as the server answers
  (polled every 50 ms), and the steps on the way (server healthy, websocket opened and first
  message, the map component mounted, deck.gl bundle fetched and evaluated, layer files
  fetched, first paint, the last message from the server before it, and the server process's
  CPU time by then), on the bundled data (a first start on an empty cache, then a restart on
  it) and on another dataset folder (``--cold-data``, e.g. 10^6 events).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ".kzmap"
# As bench.loadtest's servers: no file watcher (an edit in the checkout mid-run would reload
# the app's modules under the page).
SERVER_ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}

# Signals common to every page: messages sent and received, key presses, paints, marks.
INIT_SCRIPT = r"""
(() => {
  const B = window.__bench = {sent: [], recv: [], keys: [], paints: [], marks: {},
                              changes: [], hash: null, wsOpened: null};
  const NativeWebSocket = window.WebSocket;
  const size = (d) => d instanceof ArrayBuffer ? d.byteLength
    : (d && d.byteLength !== undefined ? d.byteLength
       : (d && d.size !== undefined ? d.size : String(d).length));
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      if (B.wsOpened === null) B.wsOpened = performance.now();
      this.addEventListener('message', (e) => B.recv.push([performance.now(), size(e.data)]));
    }
    send(d) {
      B.sent.push([performance.now(), size(d)]);
      return super.send(d);
    }
  };
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') B.keys.push(performance.now());
  }, true);
  // The browser's own measure of a key press (Event Timing, what INP is made of): from the
  // press to the next frame presented on screen, after the GPU has drawn it. Entries shorter
  // than 16 ms are not reported; a step without an entry counts as 16.
  B.presented = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === 'keydown') B.presented.push([e.startTime, e.duration]);
    }
  }).observe({type: 'event', durationThreshold: 16, buffered: true});
  const mark = (name) => { if (!(name in B.marks)) B.marks[name] = performance.now(); };
  // data-painted-day is set in deck.gl's onAfterRender: the observer runs in the same task.
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && r.attributeName === 'data-painted-day') {
        B.paints.push([performance.now(), r.target.dataset.paintedDay]);
        mark('firstPaint');
      }
    }
  }).observe(document, {attributes: true, attributeFilter: ['data-painted-day'],
                        subtree: true});
  function poll() {
    if (document.querySelector('.kzmap')) mark('mounted');
    if (globalThis.createDeck) mark('deckReady');
    if (!B.marks.deckReady || !B.marks.firstPaint) requestAnimationFrame(poll);
  }
  requestAnimationFrame(poll);
})();
"""

# The pixel pass: WebGL keeps its drawing buffer, and every frame's canvases are hashed.
PIXEL_SCRIPT = r"""
(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, attrs) {
    if (/webgl/.test(String(type))) {
      attrs = Object.assign({}, attrs || {}, {preserveDrawingBuffer: true});
    }
    return getContext.call(this, type, attrs);
  };
  let W = 0, H = 0, ctx = null;
  function frame() {
    const B = window.__bench;
    const canvases = document.querySelectorAll('.kz-stage canvas');
    const deckCanvas = [...canvases].find((c) => c.id === 'deckgl-overlay') || canvases[0];
    if (B && deckCanvas && deckCanvas.width && deckCanvas.height) {
      if (!ctx || deckCanvas.width !== W || deckCanvas.height !== H) {
        W = deckCanvas.width; H = deckCanvas.height;
        const c = document.createElement('canvas'); c.width = W; c.height = H;
        ctx = c.getContext('2d', {willReadFrequently: true});
      }
      ctx.clearRect(0, 0, W, H);
      // The basemap's canvas first, deck.gl's on top, as they are stacked on screen.
      const ordered = [...canvases].sort((a, b) => (a === deckCanvas) - (b === deckCanvas));
      for (const c of ordered) if (c.width && c.height) ctx.drawImage(c, 0, 0, W, H);
      const d = ctx.getImageData(0, 0, W, H).data;
      let h = 2166136261 >>> 0;
      for (let i = 0; i < d.length; i += 4) {
        h = Math.imul(h ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)),
                      16777619) >>> 0;
      }
      if (h !== B.hash) { B.hash = h; B.changes.push(performance.now()); }
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
"""


def _median(values: list[float]) -> int | None:
    return round(statistics.median(values)) if values else None


def _new_page(browser, pixels: bool = False):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT_SCRIPT)
    if pixels:
        context.add_init_script(PIXEL_SCRIPT)
    page = context.new_page()
    page.kz_errors = []
    page.on("pageerror", lambda e: page.kz_errors.append(str(e)[:300]))
    page.kz_framesent = []
    page.on("websocket", lambda ws: ws.on("framesent",
                                          lambda f: page.kz_framesent.append(time.time())))
    return context, page


def _server_cpu_ms(url: str) -> int | None:
    """CPU time (user and system) so far of the server answering ``url``, from /proc (the
    wall times above depend on what else the machine runs; this much less)."""
    port = url.rsplit(":", 1)[1].encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if b"--server.port" not in args or args[args.index(b"--server.port") + 1] != port:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue
        return round((int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK"))
    return None


def _browser_cpu_ms() -> int:
    """CPU time so far of every Chromium process this process started (all its pages)."""
    parent, cpu, comm = {}, {}, {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            head, tail = (proc / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        pid = int(proc.name)
        parent[pid], comm[pid] = int(fields[1]), head.split("(", 1)[1]
        cpu[pid] = int(fields[11]) + int(fields[12])
    mine = {os.getpid()}
    for _ in range(8):  # playwright's driver, then chromium and its children
        mine |= {pid for pid, ppid in parent.items() if ppid in mine}
    ticks = sum(cpu[pid] for pid in mine if "chrom" in comm[pid].lower())
    return round(ticks * 1000 / os.sysconf("SC_CLK_TCK"))


def _wait_painted(page, timeout_s: float = 180) -> None:
    page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.paintedDay",
                           timeout=timeout_s * 1000, polling=100)


def _wait_quiet(page, quiet_ms: float = 400, timeout_s: float = 20) -> None:
    """Until no websocket message came or went and nothing was painted for ``quiet_ms``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.evaluate(
                "(q) => { const B = window.__bench; const last = Math.max("
                "(B.sent.at(-1) || [0])[0], (B.recv.at(-1) || [0])[0],"
                " (B.paints.at(-1) || [0])[0]);"
                " return performance.now() - last > q; }", quiet_ms):
            return
        time.sleep(0.05)


# -- cold start -------------------------------------------------------------------------------
def cold_start(browser, data: Path | None, log, label: str, cache: Path) -> dict:
    """Start a server (on ``data``, else the bundled folder), open the map, wait for the
    first day painted. Every time is in ms from the moment the server process was started.
    ``cache`` is the server's checked-dataset cache (KZUNREST_CACHE): an empty folder for a
    first start, the same folder again for a restart."""
    from tests.browser import streamlit_server

    env = {**SERVER_ENV, **({"KZUNREST_DATA": str(data.resolve())} if data else {}),
           "KZUNREST_CACHE": str(cache)}
    context, page = _new_page(browser)
    t0 = time.time()
    browser_cpu = _browser_cpu_ms()
    with streamlit_server(env) as url:
        healthy = time.time()
        page.goto(f"{url}/?basemap=offline", wait_until="commit")
        _wait_painted(page, timeout_s=600)
        server_cpu = _server_cpu_ms(url)
        browser_cpu = _browser_cpu_ms() - browser_cpu
        b = page.evaluate("""() => {
          const B = window.__bench, T = performance.timeOrigin;
          const res = performance.getEntriesByType('resource');
          const bundle = res.find((r) => /deckgl-[0-9a-f]+\\.js/.test(r.name));
          const layers = res.filter((r) => r.name.includes('/static/generated/'));
          const nav = performance.getEntriesByType('navigation')[0];
          return {origin: T, wsOpened: B.wsOpened, firstRecv: (B.recv[0] || [null])[0],
                  marks: B.marks, navEnd: nav ? nav.loadEventEnd : null,
                  bundle: bundle ? {start: bundle.startTime, end: bundle.responseEnd,
                                    bytes: bundle.encodedBodySize || bundle.transferSize}
                                 : null,
                  layers: layers.map((r) => ({start: r.startTime, end: r.responseEnd,
                                              bytes: r.encodedBodySize || r.transferSize})),
                  component: Object.fromEntries(performance.getEntriesByType('mark')
                    .filter((e) => e.name.startsWith('kz-')).map((e) => [e.name, e.startTime])),
                  lastRecv: Math.max(...B.recv.map(([t]) => t)
                                          .filter((t) => t <= B.marks.firstPaint)),
                  recvBytes: B.recv.reduce((a, [, n]) => a + n, 0)};
        }""")
    context.close()

    def at(t_page: float | None) -> int | None:  # a page time as ms since the server start
        return None if t_page is None else round(b["origin"] + t_page - t0 * 1000)

    m = b["marks"]
    out = {
        "dataset": label,
        "cold_start_ms": at(m.get("firstPaint")),
        "server_healthy_ms": round((healthy - t0) * 1000),
        "page_requested_ms": round((healthy - t0) * 1000),
        "websocket_opened_ms": at(b["wsOpened"]),
        "first_server_message_ms": at(b["firstRecv"]),
        "map_mounted_ms": at(m.get("mounted")),
        "bundle_fetch_ms": ([at(b["bundle"]["start"]), at(b["bundle"]["end"])]
                            if b["bundle"] else None),
        "bundle_bytes": b["bundle"]["bytes"] if b["bundle"] else None,
        "deck_ready_ms": at(m.get("deckReady")),
        "layer_fetch_ms": ([at(min(r["start"] for r in b["layers"])),
                            at(max(r["end"] for r in b["layers"]))] if b["layers"] else None),
        "layer_bytes": sum(r["bytes"] or 0 for r in b["layers"]),
        "first_paint_ms": at(m.get("firstPaint")),
        # The end of the first script run, near enough: what the page drew before the first
        # paint came in messages up to here.
        "last_server_message_ms": at(b["lastRecv"]),
        "server_cpu_ms_at_first_paint": server_cpu,
        # The map component's own marks (map_component.js): data received, bundle ready,
        # layer files fetched, layers built, deck created; and the browser's CPU meanwhile.
        "component_marks_ms": {k[3:]: at(v) for k, v in b["component"].items()},
        "browser_cpu_ms_to_first_paint": browser_cpu,
        "server_bytes_received": b["recvBytes"],
    }
    log(f"  cold start ({label}): {out['cold_start_ms']:,} ms to the first day painted "
        f"(server healthy {out['server_healthy_ms']:,}, map mounted {out['map_mounted_ms']}, "
        f"bundle {out['bundle_fetch_ms']}, deck ready {out['deck_ready_ms']}, "
        f"layers {out['layer_fetch_ms']}, last server message "
        f"{out['last_server_message_ms']}, component {out['component_marks_ms']}; "
        f"CPU: server {server_cpu} ms, browser {browser_cpu} ms)")
    return out


# -- arrow keys -------------------------------------------------------------------------------
def arrow_steps(browser, url: str, log, pixels: bool) -> dict:
    """ArrowRight from the first day to the last, then ArrowLeft back; each step timed from
    its keydown to the paint signal (``pixels``: to the first frame whose pixels differ)."""
    context, page = _new_page(browser, pixels=pixels)
    page.goto(f"{url}/?basemap=offline&date=2022-01-01")
    _wait_painted(page)
    _wait_quiet(page, 800)
    n_days = page.evaluate("() => document.querySelector('.kzmap').kzPlayer.days.length")
    days = page.evaluate("() => document.querySelector('.kzmap').kzPlayer.days")
    start = page.evaluate("() => document.querySelector('.kzmap').kzPlayer.day")
    plan = [("ArrowRight", d) for d in range(start + 1, n_days)]
    plan += [("ArrowLeft", d) for d in range(n_days - 2, -1, -1)]
    page.locator(f"{MAP} .kz-slider").focus()
    latencies, missed, sent_per_step, presented = [], [], [], []
    for key, target in plan:
        before = page.evaluate("() => ({k: window.__bench.keys.length,"
                               " s: window.__bench.sent.length})")
        page.keyboard.press(key)
        signal = ("B.changes.some((t) => t > k)" if pixels else
                  "B.paints.some(([t, d]) => t > k && d === day)")
        try:
            page.wait_for_function(
                "([n, day]) => { const B = window.__bench; if (B.keys.length <= n) return false;"
                f" const k = B.keys[n]; return {signal}; }}",
                arg=[before["k"], days[target]], timeout=30_000, polling="raf")
        except Exception:  # noqa: BLE001 - a step without a repaint is a result
            missed.append(days[target])
            _wait_quiet(page)
            continue
        # The step's report (sent 300 ms after the last key) and the server's answer.
        _wait_quiet(page, 500)
        b = page.evaluate(
            "([n, day, px]) => { const B = window.__bench; const k = B.keys[n];"
            " const t = px ? B.changes.find((x) => x > k)"
            " : B.paints.find(([x, d]) => x > k && d === day)[0];"
            " return {ms: t - k}; }", [before["k"], days[target], pixels])
        latencies.append(b["ms"])
        presented.append(page.evaluate(
            # An entry starts at the key's hardware time, before the listener ran (by up to
            # the main thread's delay); keys are at least 500 ms apart.
            "(n) => { const B = window.__bench; const k = B.keys[n];"
            " const e = B.presented.find(([t]) => t > k - 400 && t <= k + 1);"
            " return e ? e[1] : 16; }",
            before["k"]))
        sent_per_step.append(page.evaluate("() => window.__bench.sent.length") - before["s"])
    painted_day = page.locator(MAP).get_attribute("data-painted-day")
    errors = page.kz_errors
    context.close()
    what = "first changed pixels" if pixels else "onAfterRender of the new day"
    log(f"  arrow keys ({what}): median {_median(latencies)} ms over {len(latencies)} steps"
        + (f"; no repaint on {missed}" if missed else "")
        + f"; presented on screen (Event Timing): median {_median(presented)} ms")
    return {"signal": what, "median_ms": _median(latencies),
            "presented_median_ms": _median(presented),
            "presented_p90_ms": (round(statistics.quantiles(presented, n=10)[-1])
                                 if len(presented) >= 10 else None),
            "presented_all_ms": [round(x) for x in presented],
            "p90_ms": (round(statistics.quantiles(latencies, n=10)[-1])
                       if len(latencies) >= 10 else None),
            "max_ms": round(max(latencies)) if latencies else None,
            "steps": len(latencies), "all_ms": [round(x) for x in latencies],
            "steps_without_repaint": missed,
            "messages_sent_per_step_median": _median(sent_per_step),
            "ended_on": painted_day, "page_errors": errors}


# -- Play ---------------------------------------------------------------------------------------
def play_fast(browser, url: str, seconds: float, log) -> dict:
    """Play at speed=fast for ``seconds`` from the first paint, pressing Play again whenever it
    ends; messages sent and days painted, per play-through."""
    context, page = _new_page(browser)
    page.goto(f"{url}/?basemap=offline&play=1&speed=fast")
    _wait_painted(page)
    days = page.evaluate("() => document.querySelector('.kzmap').kzPlayer.days")
    t_start = page.evaluate("() => window.__bench.paints[0][0]")
    wall_start = time.monotonic()
    framesent_start = len(page.kz_framesent)
    bounds = [t_start]  # page times where a play-through begins
    while time.monotonic() - wall_start < seconds:
        remaining = seconds - (time.monotonic() - wall_start)
        try:  # Play ends on the last day: the button reads "Play" again
            page.wait_for_function(
                "() => { const p = document.querySelector('.kzmap').kzPlayer;"
                " return !p.playing; }", timeout=max(100, remaining * 1000), polling=100)
        except Exception:  # noqa: BLE001 - still playing when the time is up
            break
        if time.monotonic() - wall_start >= seconds:
            break
        _wait_quiet(page, 300, timeout_s=5)  # the end's report and the server's answer
        bounds.append(page.evaluate("() => performance.now()"))
        page.get_by_role("button", name="Play").click()
    t_end = page.evaluate("() => performance.now()")
    b = page.evaluate("() => ({sent: window.__bench.sent, paints: window.__bench.paints,"
                      " playing: document.querySelector('.kzmap').kzPlayer.playing})")
    framesent = len(page.kz_framesent) - framesent_start
    errors = page.kz_errors
    context.close()
    bounds.append(t_end)
    throughs = []
    for i, (a, z) in enumerate(zip(bounds, bounds[1:], strict=False)):
        painted = [d for t, d in b["paints"] if a <= t < z or (i == 0 and t == a)]
        sent = [n for t, n in b["sent"] if a <= t < z]
        times = [t for t, _ in b["paints"] if a <= t < z]
        gaps = [y - x for x, y in zip(times, times[1:], strict=False)]
        first = days.index(painted[0]) if painted and painted[0] in days else None
        complete = z != t_end or not b["playing"]
        expected = days[first:] if first is not None else []
        throughs.append({
            "painted": painted,
            "every_day_in_order": (painted == expected if complete
                                   else painted == expected[:len(painted)]),
            "complete": complete,
            "messages_sent": len(sent), "bytes_sent": sum(sent),
            "ms_per_day_median": _median(gaps), "ms_per_day_max": round(max(gaps)) if gaps
            else None,
        })
    sent_total = sum(1 for t, _ in b["sent"] if t_start <= t <= t_end)
    log(f"  play fast {seconds:.0f} s: {len(throughs)} play-through(s), messages sent "
        f"{[x['messages_sent'] for x in throughs]} (total {sent_total}; Playwright framesent "
        f"{framesent}), every day in order: {[x['every_day_in_order'] for x in throughs]}, "
        f"ms per day median {[x['ms_per_day_median'] for x in throughs]}")
    return {"seconds": seconds, "speed": "fast", "play_throughs": throughs,
            "messages_sent_total": sent_total, "framesent_total": framesent,
            "messages_sent_max_per_play_through": max(x["messages_sent"] for x in throughs),
            "every_day_in_order": all(x["every_day_in_order"] for x in throughs),
            "page_errors": errors}


PARTS = ("cold", "arrow", "pixels", "play")


def run(play_seconds: float = 60, cold_data: Path | None = None, log=print,
        parts: tuple[str, ...] = PARTS) -> dict:
    """The browser measurements: one server on the bundled data (cold start, keys, Play),
    then a cold start on ``cold_data``; ``parts`` picks among them."""
    from playwright.sync_api import sync_playwright

    from tests.browser import (
        ARTIFACTS,
        CHROMIUM_ARGS,
        SOFTWARE_COMPOSITING_ARGS,
        chromium_path,
        streamlit_server,
    )

    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # streamlit_server() logs there
    out: dict = {"dataset": "bundled", "impl": "kzunrest", "basemap": "offline",
                 "viewport": "1400x1000", "chromium_args": SOFTWARE_COMPOSITING_ARGS,
                 "loadavg_before": os.getloadavg()}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(),
                                    args=SOFTWARE_COMPOSITING_ARGS)
        # Each dataset's first cold start gets its own empty cache: a first start, comparable
        # with the figures before the cache; then a restart on that warm cache.
        caches = Path(tempfile.mkdtemp(prefix="kzunrest-bench-cache-"))
        try:
            out["cold"] = ([cold_start(browser, None, log, "bundled", caches / "bundled"),
                            cold_start(browser, None, log, "bundled, restart on the cache",
                                       caches / "bundled")]
                           if "cold" in parts else [])
            with streamlit_server(SERVER_ENV) as url:
                if "arrow" in parts:
                    out["arrow"] = arrow_steps(browser, url, log, pixels=False)
                    # The same steps with the page composited on SwiftShader's GL too, the
                    # flags of the figures before (see tests/browser.py).
                    gl = p.chromium.launch(executable_path=chromium_path(),
                                           args=CHROMIUM_ARGS)
                    try:
                        log("  (page composited on SwiftShader's GL:)")
                        out["arrow_gl_compositing"] = arrow_steps(gl, url, log, pixels=False)
                        out["arrow_gl_compositing"]["chromium_args"] = CHROMIUM_ARGS
                    finally:
                        gl.close()
                if "pixels" in parts:
                    out["arrow_pixels"] = arrow_steps(browser, url, log, pixels=True)
                if "play" in parts:
                    out["play"] = play_fast(browser, url, play_seconds, log)
            if cold_data is not None and "cold" in parts:
                out["cold"].append(cold_start(browser, cold_data, log,
                                              f"{cold_data.name}, first start",
                                              caches / "large"))
                out["cold"].append(cold_start(browser, cold_data, log,
                                              f"{cold_data.name}, restart on the cache",
                                              caches / "large"))
        finally:
            browser.close()
            shutil.rmtree(caches, ignore_errors=True)
    out["loadavg_after"] = os.getloadavg()
    out["when"] = dt.datetime.now().isoformat(timespec="seconds")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.browser_timing [--play 60] [--cold-data FOLDER]``: JSON on stdout's
    last line, progress on stderr."""
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser()
    ap.add_argument("--play", type=float, default=60)
    ap.add_argument("--cold-data", type=Path, help="a dataset folder for a second cold start")
    ap.add_argument("--parts", default=",".join(PARTS),
                    help=f"a comma list among {', '.join(PARTS)}")
    args = ap.parse_args(argv)
    result = run(args.play, args.cold_data,
                 log=lambda m: print(m, file=sys.stderr, flush=True),
                 parts=tuple(args.parts.split(",")))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
