"""``python -m kzunrest.ui.launch app.py [options]``: ``streamlit run app.py [options]``, warmed.

A freshly started server did nothing until its first viewer arrived; that viewer's run then
imported pandas, geopandas and pydeck, read the dataset and built the first map (at 10^6
events, most of a cold start). Here, :data:`WARM_AFTER_S` after the server is up, a thread
asks Streamlit's own script health check (``server.scriptHealthCheckEnabled``) to run the app
once, in a session of its own, on the default page. What that run computes lands in the caches every
session shares: the dataset, the filtered events, the map's files and spec, the day's index.
A viewer who arrives in the middle waits for the same values (Streamlit computes each cache
entry once, under a lock) rather than computing them a second time.

The arguments are those of ``streamlit run``. Without this module (``streamlit run app.py``)
the app works the same; only the first viewer waits longer.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request

HEALTH_CHECK = "/_stcore/script-health-check"
# Not at once: a viewer who opens the page as the server comes up loads Streamlit's own
# scripts from this process first (about a second), and a run beside that slowed it down
# (the first map 1-2 s later in interleaved cold starts: the run holds the interpreter lock
# the file serving needs). A viewer already in by then has their own run doing the work;
# the warm run then waits for it and finds every value cached (about 0.1 s).
WARM_AFTER_S = 3.0
READY = "kzunrest: the app has run once"  # the log line a deployment (or a test) can wait for


def _option(argv: list[str], name: str, default: str) -> str:
    """The value of ``--name value`` or ``--name=value`` in ``argv``, else ``default``."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def server_url(argv: list[str]) -> str:
    """Where the server that ``streamlit run argv`` starts answers, from this machine."""
    env = os.environ.get
    port = _option(argv, "--server.port", env("STREAMLIT_SERVER_PORT", "8501"))
    address = _option(argv, "--server.address", env("STREAMLIT_SERVER_ADDRESS", ""))
    base = _option(argv, "--server.baseUrlPath",
                   env("STREAMLIT_SERVER_BASE_URL_PATH", "")).strip("/")
    host = address if address not in ("", "0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    return f"http://{host}:{port}" + (f"/{base}" if base else "")


def warm(url: str, timeout_s: float = 300, after_s: float = WARM_AFTER_S) -> bool:
    """Wait for the server at ``url`` and ``after_s`` more, then have it run the app once
    (its script health check). True when that run ended without an error.

    Nothing is imported here beforehand, while the server starts: a module imported in two
    threads at once can be seen half-initialized (Streamlit's plotly found pandas so)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    started = time.monotonic()
    while True:
        try:
            with opener.open(url + "/_stcore/health", timeout=5):
                break
        except OSError:
            if time.monotonic() - started > timeout_s:
                return False
            time.sleep(0.05)
    time.sleep(after_s)
    try:
        with opener.open(url + HEALTH_CHECK, timeout=timeout_s) as response:
            ok = response.status == 200
    except OSError as err:  # the page shows its own error to the viewer
        print(f"kzunrest: the app's first run failed ({err})", file=sys.stderr, flush=True)
        return False
    print(f"{READY} ({time.monotonic() - started:.1f} s after the start)", file=sys.stderr,
          flush=True)
    return ok


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    threading.Thread(target=warm, args=(server_url(argv),), name="kzunrest-warm",
                     daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *argv[:1], "--server.scriptHealthCheckEnabled", "true",
                *argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
