"""Through `make serve`'s nginx in front of two replicas, in headless Chromium: the map draws,
Play runs, a link opens its view, an upload reaches the viewer's own replica, static files come
from nginx's disk with immutable cache headers, and a viewer whose replica dies gets its view
back from the other one.

One small serve (2 replicas) for the module, started and stopped here (scripts/serve.py)."""

from __future__ import annotations

import os
import re
import signal
import time
import urllib.request

import pytest

from scripts import serve
from tests import test_browser as tb
from tests.browser import ARTIFACTS
from tests.test_browser import page  # noqa: F401 - the shared page fixture

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

HASHED = re.compile(r"/app/static/.*[0-9a-f]{16}[^/]*$")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def proxy():
    try:
        serve.nginx_binary()
    except serve.ServeError as exc:
        pytest.skip(str(exc))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve.serving(replicas=2, env={"KZUNREST_MAX_UPLOAD_MB": "5"}) as s:
        yield s


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


def upstreams_seen(pg) -> list[str]:
    """Record the replica (nginx's X-Kz-Upstream) of every proxied response of the page."""
    seen: list[str] = []
    pg.on("response", lambda r: (up := r.headers.get("x-kz-upstream")) and seen.append(up))
    return seen


def test_play_runs_through_the_proxy(page, proxy):  # noqa: F811
    # The browser test's Play (every day painted in order, no frame sent) through nginx.
    tb.test_play_paints_every_day_in_order_without_asking_the_server(page, proxy.url)


def wait_day_shown(pg, day: str) -> None:
    """Wait until the map shows ``day`` (ISO): the day the browser-side map painted, or the
    day slider's label before the map component."""
    if hasattr(tb, "wait_painted"):  # the map component (issue 10): a busy machine may take
        pg.wait_for_function("d => document.querySelector('.kzmap')?.dataset.paintedDay === d",
                             arg=day, timeout=90_000)
        return
    label = f"{int(day[-2:])} Jan"
    pg.wait_for_function(
        "l => [...document.querySelectorAll(\".st-key-date [data-testid='stSliderThumbValue']\")]"
        ".some(e => e.innerText.includes(l))", arg=label, timeout=60_000)


def script_finished(payload) -> bool:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, bytes):
        return False
    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - not a ForwardMsg
        return False
    return msg.WhichOneof("type") == "script_finished"


def test_a_link_opens_its_view_through_the_proxy(page, proxy, browser):  # noqa: F811
    # The second browser context has no cookie yet: it may land on the other replica.
    tb.test_a_shared_link_reopens_the_same_view(page, proxy.url, browser)


def test_the_map_draws_through_the_proxy(page, proxy):  # noqa: F811
    tb.test_map_draws_kazakhstan_offline_without_errors(page, proxy.url)


def test_static_files_come_from_nginx_with_immutable_cache(page, proxy):  # noqa: F811
    responses: list = []
    page.on("response", lambda r: "/app/static/" in r.url and responses.append(r))
    tb.open_map(page, proxy.url, "&date=2022-01-07")
    hashed = [r for r in responses if HASHED.search(r.url.split("?")[0])]
    assert any(r.url.endswith((".json", ".geojson")) for r in hashed), \
        [r.url for r in responses]
    for r in hashed:  # layer files, and the map's JS bundle when it is one of them
        headers = r.all_headers()
        assert r.status in (200, 304), r.url
        assert headers["cache-control"] == IMMUTABLE, r.url
        assert "x-kz-upstream" not in headers, r.url  # from disk, not from a replica
    scripts = [r.url for r in responses if r.url.split("?")[0].endswith((".js", ".mjs"))]
    assert all(HASHED.search(u.split("?")[0]) for u in scripts), scripts
    # Read again without a browser: the headers as a CDN would see them.
    status, headers, body = get(hashed[0].url)
    assert status == 200 and headers["cache-control"] == IMMUTABLE and body
    assert headers["x-content-type-options"] == "nosniff"
    # Every content-hashed file the replicas wrote to static/ (layer files, and the map's JS
    # bundle copied from pydeck), read as a CDN would.
    on_disk = sorted((p for p in serve.STATIC_DIR.rglob("*") if p.is_file()
                      and HASHED.search("/app/static/" + p.relative_to(serve.STATIC_DIR)
                                        .as_posix()) and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime)[-40:]
    assert on_disk
    for p in on_disk:
        rel = p.relative_to(serve.STATIC_DIR).as_posix()
        status, headers, body = get(f"{proxy.url}/app/static/{rel}")
        assert status == 200 and headers["cache-control"] == IMMUTABLE, rel
        assert "x-kz-upstream" not in headers and len(body) == p.stat().st_size, rel
        if p.suffix == ".js":
            assert headers["content-type"] == "application/javascript", rel
    # A file without a content hash in its name may change with a release: short cache.
    status, headers, _ = get(proxy.url + "/app/static/blank-style.json")
    assert status == 200 and "immutable" not in headers["cache-control"]
    assert headers["content-type"] == "application/json"


def test_viewers_spread_over_replicas_and_each_stays_on_its_own(proxy):
    first = {get(proxy.url + "/_stcore/health")[1]["x-kz-upstream"] for _ in range(20)}
    assert first == {f"127.0.0.1:{r['port']}" for r in proxy.replicas}
    _, headers, _ = get(proxy.url + "/")
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie.startswith("kz_replica=") and "HttpOnly" in headers["set-cookie"]
    mine = {get(proxy.url + path, cookie)[1]["x-kz-upstream"]
            for path in ("/", "/_stcore/health", "/_stcore/host-config", "/data") * 3}
    assert len(mine) == 1


def test_an_upload_on_the_data_page_reaches_the_viewers_replica(page, proxy):  # noqa: F811
    seen = upstreams_seen(page)
    page.goto(f"{proxy.url}/data")
    page.wait_for_selector("[data-testid='stFileUploader']", timeout=60_000)
    rows = b"date,lat,lon\n2022-01-05,43.2525,76.9115\n2022-01-06,43.6481,51.1722\n"
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": rows}])
    page.get_by_text("Showing your file", exact=False).first.wait_for(timeout=60_000)
    page.screenshot(path=ARTIFACTS / "proxy-upload.png")
    assert page.get_by_text("Traceback").count() == 0
    assert len(set(seen)) == 1, seen  # page, upload and session on one replica


def test_a_viewer_of_a_killed_replica_gets_its_view_back(page, proxy):  # noqa: F811
    """Last in the module: it kills one of the two replicas.

    Streamlit's page reconnects by itself and nginx sends it to the surviving replica. An idle
    page keeps showing its view and asks for no run (Streamlit 1.67 reruns on reconnect only
    while a script or an auto-rerun is going); its next interaction runs the app in a new
    session there, with the page's URL and widget values: the same view, plus the change."""
    seen = upstreams_seen(page)
    tb.open_map(page, proxy.url, "&date=2022-01-08&mode=day")
    wait_day_shown(page, "2022-01-08")
    cookie = next(c for c in page.context.cookies() if c["name"] == "kz_replica")
    mine = get(proxy.url + "/_stcore/health", f"kz_replica={cookie['value']}")[1][
        "x-kz-upstream"]
    replica = next(r for r in proxy.replicas if f"127.0.0.1:{r['port']}" == mine)
    runs: list[int] = []
    sockets: list = []

    def watch(ws) -> None:
        sockets.append(ws)
        ws.on("framereceived", lambda p: script_finished(p) and runs.append(1))

    page.on("websocket", watch)
    os.kill(replica["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not any(u != mine for u in seen):
        page.wait_for_timeout(200)
    assert any(u != mine for u in seen), "the page never reached the other replica"
    while time.monotonic() < deadline and not sockets:
        page.wait_for_timeout(200)
    assert sockets, "the page opened no new websocket"
    page.wait_for_timeout(1000)  # its handshake through nginx
    # A sidebar filter: a run of the whole page in a new session on the surviving replica.
    page.locator("[data-testid='stSidebar']").get_by_text("Precise locations only").click()
    while time.monotonic() < deadline and not runs:
        page.wait_for_timeout(200)
    assert runs, "no run on the new websocket"
    page.wait_for_function("() => location.search.includes('precise=')", timeout=60_000)
    assert "date=2022-01-08" in page.url and "mode=day" in page.url
    wait_day_shown(page, "2022-01-08")
    page.screenshot(path=ARTIFACTS / "proxy-after-failover.png")
