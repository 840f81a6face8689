"""One viewer of the map page speaking Streamlit's websocket protocol, as the browser does.

Play runs in the browser (kzunrest/ui/map_component.js): a frame of the animation costs the
server nothing, so a viewer sends only what the page would send (streamlit 1.67's frontend):

* connect to ``ws://HOST/_stcore/stream`` with the ``streamlit`` subprotocol and send a
  ``BackMsg(rerun_script=ClientState(query_string=...))``: the first full run of the app; then
  fetch what the map component loads over HTTP (the deck.gl bundle and the layer files named
  in the component's data), each URL once per viewer, as a browser's cache would;
* when its Play ends (the component's days from the day it opened on, at the speed's
  milliseconds a day), the component's state: ``ClientState(fragment_id=<the map's fragment>,
  widget_states=[json_value={"playback": {...}}])``, a fragment rerun;
* every ``filter_every`` seconds a sidebar filter change (a region, an event type, "precise
  locations only", and back), each a full rerun with the changed widget's state;
* every request carries the query string the server last sent in ``page_info_changed``.

Differences from a browser, on purpose: widget states are sent only when this viewer changes a
widget (the server keeps the others' last values), no cached message hashes are sent (so the
server sends every message in full, as to a browser's first visit), no heartbeats, and the
page's own HTML and Streamlit's JavaScript are not fetched.

A request's latency is from sending it to the ``script_finished`` of the run that served it: a
run serves the requests sent before it started (its ``new_session`` arrived).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

FIRST_DAY = dt.date(2022, 1, 1)
LAST_DAY = dt.date(2022, 1, 25)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
HEADING_DAY = re.compile(r"^[A-Z][a-z]+day \d\d [A-Z][a-z]+ \d{4}$")  # "Wednesday 05 January 2022"

FINISHED = ForwardMsg.ScriptFinishedStatus


def day_from_micros(value: float) -> dt.date:
    """A date slider's value on the wire: microseconds since the epoch (UTC midnight)."""
    return (EPOCH + dt.timedelta(microseconds=value)).date()


def micros_from_day(day: dt.date) -> float:
    return (dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - EPOCH) \
        / dt.timedelta(microseconds=1)


def map_data(sent: str) -> dict:
    """A map component's data as its JavaScript reads it: the spec arrives as JSON text
    (kzunrest/ui/map_component.py's ``wire``)."""
    data = json.loads(sent)
    if isinstance(data.get("spec"), str):
        data["spec"] = json.loads(data["spec"])
    return data


def rerun_msg(query_string: str, *, fragment_id: str = "", auto: bool = False,
              widgets: list[tuple[str, str, object]] = ()) -> bytes:
    """A serialized ``BackMsg(rerun_script=ClientState(...))``.

    ``widgets``: (widget id, WidgetState value field, value), e.g. ("...-play", "bool_value",
    True) or ("...-date", "double_array_value", [micros]).
    """
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query_string
    if fragment_id:
        state.fragment_id = fragment_id
    state.is_auto_rerun = auto
    for wid, kind, value in widgets:
        ws = state.widget_states.widgets.add()
        ws.id = wid
        if kind in ("double_array_value", "string_array_value"):
            getattr(ws, kind).data.extend(value)
        else:
            setattr(ws, kind, value)
    return msg.SerializeToString()


@dataclass
class ViewerStats:
    """What one viewer measured; times are ``time.monotonic()`` seconds."""

    index: int
    connected_at: float | None = None
    first_load_s: float | None = None      # connect + first full run, until script_finished
    page_load_s: float | None = None       # ... and the map's bundle and layer files fetched
    play_started_at: float | None = None   # page loaded: the browser's Play starts
    play_ended_at: float | None = None     # its schedule done and answered
    requests: int = 0                      # requests sent after the page load
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (finished at, s)
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # "filter"/"report": [s]
    early_finishes: int = 0                # runs whose script_finished said EARLY_FOR_RERUN
    full_runs: int = 0
    fragment_runs: int = 0
    static_files: int = 0
    static_bytes: int = 0
    bytes_received: int = 0
    messages: int = 0
    days_reported: list[str] = field(default_factory=list)  # the day the component echoed
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    timeouts_at: list[float] = field(default_factory=list)
    unserved_at_end: int = 0               # requests still in flight when stopped

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if detail and len(self.error_samples) < 3:
            self.error_samples.append(f"{kind}: {detail[:300]}")


async def http_get(url: str, cookie: str | None = None, timeout: float = 60) -> tuple[int, int]:
    """GET ``url`` (http, no TLS) on its own connection: (status, body bytes)."""
    u = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(u.hostname, u.port or 80), timeout)
    try:
        path = u.path + (f"?{u.query}" if u.query else "")
        head = (f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n"
                + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
        writer.write(head.encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    return status, len(body)


class Viewer:
    """Opens the map (its browser plays), reports the end of Play, changes a sidebar filter
    every ``filter_every`` s for ``seconds`` s from its own page load, then stays connected
    (idle, as a viewer watching) until ``release``."""

    def __init__(self, index: int, ws_url: str, origin: str, query_string: str, *,
                 seconds: float, frame_timeout: float, first_load_timeout: float,
                 filter_every: float = 10.0) -> None:
        self.stats = ViewerStats(index)
        self.ws_url = ws_url
        self.origin = origin
        self.query_string = query_string
        self.seconds = seconds
        self.frame_timeout = frame_timeout
        self.first_load_timeout = first_load_timeout
        self.filter_every = filter_every
        self.ws = None
        self.run_started_at = 0.0
        self.run_is_fragment = False
        self.pending: deque[tuple[float, bool, str]] = deque()  # (sent at, counted, kind)
        self.window_start: float | None = None  # set by the load test; not used for timing
        self.closing = False
        # What the page knows from the server's messages.
        self.map_id: str | None = None
        self.fragment_id: str | None = None
        self.map_data: dict | None = None
        self.widgets: dict[str, tuple[str, list[str]]] = {}  # key -> (widget id, options)
        self.day: dt.date | None = None
        self.fetched: set[str] = set()
        self.map_version = 0  # bumped by each map component received
        self.static_tasks: list[asyncio.Task] = []
        self.first_run_done: asyncio.Event | None = None
        self.finished = asyncio.Event()  # the schedule is over and answered, or it failed
        # Kept for subclasses written against the previous (server-side Play) viewer.
        self.interval = self.next_tick = self.new_day = None

    # -- messages from the server ------------------------------------------------------------
    def _on_message(self, data: bytes, now: float) -> None:
        s = self.stats
        s.messages += 1
        s.bytes_received += len(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_started_at = now
            self.run_is_fragment = bool(msg.metadata.run.fragment_ids)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            self._on_delta(msg)
        elif kind == "script_finished":
            self._on_finished(msg.script_finished, now)

    def _on_delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        etype = el.WhichOneof("type")
        if etype == "exception":
            self.stats.error("exception", f"{el.exception.type}: {el.exception.message}")
        elif etype == "bidi_component" and el.bidi_component.json:
            data = map_data(el.bidi_component.json)
            if "spec" in data and data.get("controls", True):
                self.map_id = el.bidi_component.id
                self.fragment_id = delta.fragment_id or None
                self.map_data = data
                self.map_version += 1
                # A date, as bench.loadtest_proxy's failover check reads it.
                self.day = dt.date.fromisoformat(data["spec"]["days"][data["playback"]["day"]])
                if len(self.stats.days_reported) < 8:
                    self.stats.days_reported.append(self.day.isoformat())
        elif etype == "multiselect":
            key = el.multiselect.id.rsplit("-", 1)[-1]
            self.widgets[key] = (el.multiselect.id, list(el.multiselect.options))
        elif etype == "checkbox":
            key = el.checkbox.id.rsplit("-", 1)[-1]
            self.widgets[key] = (el.checkbox.id, [])

    def _on_finished(self, status: int, now: float) -> None:
        """A run ended. FINISHED_EARLY_FOR_RERUN also ends one: the server relabels a finished
        run's ``script_finished`` when the next run starts before the message was flushed."""
        s = self.stats
        if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
            s.error("compile_error")
        if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
            s.early_finishes += 1
        if s.first_load_s is None and status == FINISHED.FINISHED_SUCCESSFULLY:
            s.first_load_s = now - (s.connected_at or now)
            if self.first_run_done is not None:
                self.first_run_done.set()
        while self.pending and self.pending[0][0] <= self.run_started_at:
            sent, counted, kind = self.pending.popleft()
            if counted:
                s.latencies.append((now, now - sent))
                s.by_kind.setdefault(kind, []).append(now - sent)
        if self.run_is_fragment:
            s.fragment_runs += 1
        else:
            s.full_runs += 1

    # -- requests to the server --------------------------------------------------------------
    async def _send(self, payload: bytes, now: float, kind: str) -> None:
        self.pending.append((now, True, kind))
        self.stats.requests += 1
        await self.ws.send(payload)

    async def _fetch_static(self) -> None:
        """What the component loads: the bundle, then the layer files (in parallel)."""
        data = self.map_data or {}
        urls = [self.origin + "/" + data["bundle"].lstrip("/")] if data.get("bundle") else []
        layers = [t.get("data") for t in data.get("spec", {}).get("deck", {}).get("layers", [])]
        urls += [self.origin + u for u in layers if isinstance(u, str) and u.startswith("/")]
        todo = [u for u in dict.fromkeys(urls) if u not in self.fetched]
        cookie = getattr(self, "cookie", None)
        if todo and todo[0].endswith(".js"):
            await self._get(todo.pop(0), cookie)
        await asyncio.gather(*(self._get(u, cookie) for u in todo))

    async def _get(self, url: str, cookie: str | None) -> None:
        status, n = await http_get(url, cookie, timeout=self.first_load_timeout)
        if status != 200:
            self.stats.error("static", f"{status} for {url}")
            return
        self.fetched.add(url)
        self.stats.static_files += 1
        self.stats.static_bytes += n

    def _playback_report(self) -> bytes:
        """The state the component sets when its Play ends on the last day."""
        data = self.map_data
        pb = data["playback"]
        state = {"playback": {"date": data["spec"]["days"][-1], "playing": False,
                              "speed": pb["speed"], "mode": pb["mode"]}}
        return rerun_msg(self.query_string, fragment_id=self.fragment_id or "",
                         widgets=[(self.map_id, "json_value", json.dumps(state))])

    def play_seconds(self) -> float:
        """How long the browser's Play runs from the day the map opened on to the last."""
        data = self.map_data
        days = len(data["spec"]["days"]) - 1 - data["playback"]["day"]
        return days * data["spec"]["speeds"][data["playback"]["speed"]] / 1000

    def _filter_change(self, k: int) -> tuple[str, str, object] | None:
        """The k-th change (1-based) of this viewer: a region, a type, precise only, then
        each cleared; viewers pick different regions and types (different filter sets)."""
        i = self.stats.index
        step = (k - 1) % 6
        key = ("regions", "types", "precise", "regions", "types", "precise")[step]
        if key not in self.widgets:
            return None
        wid, options = self.widgets[key]
        if key == "precise":
            return wid, "bool_value", step == 2
        if step >= 3 or not options:
            return wid, "string_array_value", []
        pick = options[i % len(options)] if key == "regions" else \
            options[(i // 7) % len(options)]
        return wid, "string_array_value", [pick]

    def _expire(self, now: float) -> None:
        while self.pending and now - self.pending[0][0] > self.frame_timeout:
            _, counted, _ = self.pending.popleft()
            if counted:
                self.stats.error("timeout")
                self.stats.timeouts_at.append(now)

    # -- the session ---------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, release: asyncio.Event, deadline: float) -> None:
        s = self.stats
        try:
            async with connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin,
                               max_size=None, ping_interval=None, open_timeout=30,
                               close_timeout=5) as ws:
                self.ws = ws
                s.connected_at = time.monotonic()
                reader = asyncio.create_task(self._read(ws))
                try:
                    await ws.send(rerun_msg(self.query_string))
                    await self._play(stop, release, deadline)
                finally:
                    self.closing = True
                    reader.cancel()
                    try:
                        await reader
                    except (asyncio.CancelledError, Exception):  # noqa: S110
                        pass
        except (OSError, TimeoutError, ConnectionClosed) as exc:
            s.error("connect", repr(exc))
        except Exception as exc:  # noqa: BLE001 - counted as an error, not raised
            s.error("client", repr(exc))
        finally:
            s.unserved_at_end = sum(1 for p in self.pending if p[1])
            self.finished.set()

    async def _read(self, ws) -> None:
        try:
            async for data in ws:
                self._on_message(data, time.monotonic())
        except ConnectionClosed as exc:
            if not self.closing:
                self.stats.error("disconnect", repr(exc))
            raise
        except Exception as exc:  # e.g. a message that does not parse
            if not self.closing:
                self.stats.error("client", repr(exc))
            raise
        else:
            if not self.closing:
                self.stats.error("disconnect", f"closed by the server ({ws.close_code})")

    async def _play(self, stop: asyncio.Event, release: asyncio.Event, deadline: float) -> None:
        s = self.stats
        if self.first_run_done is None or s.first_load_s is None:
            self.first_run_done = asyncio.Event()
        first_deadline = min(deadline, time.monotonic() + self.first_load_timeout)
        try:
            await asyncio.wait_for(self.first_run_done.wait(),
                                   max(0.1, first_deadline - time.monotonic()))
        except TimeoutError:
            s.error("first_load_timeout", f"no page after {self.first_load_timeout} s")
            return
        if self.map_data is None:
            s.error("client", "the first run sent no map component")
            return
        await self._fetch_static()
        fetched_version = self.map_version
        loaded = time.monotonic()
        s.page_load_s = loaded - s.connected_at
        s.play_started_at = loaded  # the browser's Play starts with the first paint
        # The schedule, from this viewer's page load: Play's end, then the filter changes.
        plan = [(loaded + self.play_seconds(), "report", 0)] if self.seconds > 0 else []
        plan += [(loaded + k * self.filter_every, "filter", k)
                 for k in range(1, int(self.seconds // self.filter_every) + 1)]
        plan.sort()
        while not (stop.is_set() or release.is_set()):
            now = time.monotonic()
            if now >= deadline:
                return
            if self.ws.state.name != "OPEN":
                await asyncio.sleep(0.2)  # let the reader see the close and count it
                if not s.errors.get("disconnect"):
                    s.error("disconnect", f"websocket {self.ws.state.name}")
                return
            while plan and plan[0][0] <= now:
                _, kind, k = plan.pop(0)
                if kind == "report" and self.map_id:
                    await self._send(self._playback_report(), now, "report")
                elif kind == "filter":
                    change = self._filter_change(k)
                    if change:
                        await self._send(rerun_msg(self.query_string, widgets=[change]), now,
                                         "filter")
            self._expire(now)
            if not self.pending and self.map_version != fetched_version:
                # A filter change answered: the page fetches its new layer files.
                fetched_version = self.map_version
                self.static_tasks.append(asyncio.create_task(self._fetch_static()))
            if not plan and not self.pending and not self.finished.is_set():
                await asyncio.gather(*self.static_tasks, return_exceptions=True)
                s.play_ended_at = now
                self.finished.set()
            await asyncio.sleep(0.05)
