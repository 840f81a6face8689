"""A Streamlit server and headless Chromium for the browser tests."""

from __future__ import annotations

import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# Chromium's flags for a machine without a GPU or outside network: software WebGL, and no
# background connections that would fail (or be refused) here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader", "--disable-quic"]
# With these flags the page is also composited on SwiftShader's emulated GL, which no viewer's
# browser does: Chrome without a usable GPU composites in software. A Chrome trace here showed
# each composited frame taking 1-4 s in SkiaOutputSurfaceImplOnGpu::SwapBuffers, so an arrow
# key waited seconds for a frame the map had drawn in milliseconds. The benchmark measures the
# map as such a viewer sees it (and also with the flags above, the earlier figures' setting).
# The tests keep the flags above: with software compositing the page's main thread waits for
# each WebGL frame to be read back, and under a loaded machine's slow frames clicks timed out.
SOFTWARE_COMPOSITING_ARGS = [*CHROMIUM_ARGS, "--disable-gpu-compositing"]


def chromium_path() -> str | None:
    """Debian's Chromium when installed; None lets Playwright use its own browser."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict | None = None):
    port = free_port()
    # As deployed: streamlit run, warmed (kzunrest/ui/launch.py).
    cmd = [sys.executable, "-m", "kzunrest.ui.launch", str(ROOT / "app.py"),
           "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    log = open(ARTIFACTS / f"server-{port}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("streamlit exited; see " + log.name) from None
                time.sleep(0.05)  # the cold start's figures count from here
        else:
            raise RuntimeError("streamlit did not start in 90 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def project(lon: float, lat: float, view: dict, width: float, height: float) -> tuple[float,
                                                                                      float]:
    """Web Mercator pixel position of a point in a deck.gl map of the given size and view."""
    scale = 512 * 2 ** view["zoom"]

    def merc(lo, la):
        x = (lo + 180) / 360 * scale
        y = (1 - math.log(math.tan(math.pi / 4 + math.radians(la) / 2)) / math.pi) / 2 * scale
        return x, y

    cx, cy = merc(view["longitude"], view["latitude"])
    px, py = merc(lon, lat)
    return width / 2 + (px - cx), height / 2 + (py - cy)
