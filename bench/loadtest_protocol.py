"""One viewer of the map page speaking Streamlit's websocket protocol, as the browser does.

The browser's side of the protocol (streamlit/static/.../index.js, streamlit 1.67), mimicked:

* connect to ``ws://HOST/_stcore/stream`` with the ``streamlit`` subprotocol and send a
  ``BackMsg(rerun_script=ClientState(query_string=...))``: the first full run of the app;
* on ``ForwardMsg.auto_rerun`` (interval, fragment_id) start a ``setInterval`` that sends
  ``ClientState(fragment_id=..., is_auto_rerun=True)`` every ``interval`` seconds, whether or not
  the previous run has finished (the server coalesces the requests that wait);
* a ``new_session`` that starts a full run (no fragment ids in ``metadata.run``) clears every
  auto-rerun timer, and ``stop_auto_rerun`` clears the named ones;
* every rerun carries the current query string: the one the server last sent in
  ``page_info_changed`` (bound widgets write the URL).

Differences from a browser, on purpose: widget states are sent only when this viewer changes a
widget (the server keeps the others' last values), no cached message hashes are sent (so the
server sends every message in full, as to a browser's first visit), and no heartbeats.

A frame's latency is from sending a request to the ``script_finished`` of the run that served
it: a run serves the requests sent before it started (its ``new_session`` arrived). A frame is
delivered when the day slider shows a new day and that run's map (the deck.gl chart) arrives.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
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
        if kind == "double_array_value":
            ws.double_array_value.data.extend(value)
        else:
            setattr(ws, kind, value)
    return msg.SerializeToString()


@dataclass
class ViewerStats:
    """What one viewer measured; times are ``time.monotonic()`` seconds."""

    index: int
    connected_at: float | None = None
    first_load_s: float | None = None      # connect + first full run, until script_finished
    play_started_at: float | None = None   # first auto_rerun announcement
    play_ended_at: float | None = None    # the window's requests all answered (or timed out)
    requests: int = 0                      # rerun requests sent during the window
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (finished at, s)
    fragment_runs: int = 0                 # fragment runs finished during the window
    early_finishes: int = 0                # runs whose script_finished said EARLY_FOR_RERUN
    frames: int = 0                        # new day on the slider, then its map received
    days_seen: list[str] = field(default_factory=list)  # first few days, as a check
    headings_seen: list[str] = field(default_factory=list)
    heading_mismatches: int = 0            # "On this day" heading disagreeing with the slider
    rewinds: int = 0                       # slider dragged back to 1 January
    backwards: int = 0                     # the day went back by itself
    play_restarts: int = 0                 # Play pressed again after the app stopped it
    full_runs: int = 0
    bytes_received: int = 0
    messages: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    timeouts_at: list[float] = field(default_factory=list)
    unserved_at_end: int = 0               # window requests still in flight when stopped

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if detail and len(self.error_samples) < 3:
            self.error_samples.append(f"{kind}: {detail[:300]}")


class Viewer:
    """Connects, plays the animation, and measures ``seconds`` of it from ``window_start``.

    Over the last days of January the app would stop Play (on 25 January); so that every
    viewer keeps playing for the whole window, the viewer drags the day slider back to
    1 January once the day reaches ``rewind_from`` (a widget change inside the fragment, so a
    fragment run, as in the browser). Should the app stop Play anyway, the viewer presses Play
    again (a full run), counted in ``play_restarts``.
    """

    def __init__(self, index: int, ws_url: str, origin: str, query_string: str, *,
                 seconds: float, frame_timeout: float, first_load_timeout: float,
                 rewind_from: dt.date = dt.date(2022, 1, 21)) -> None:
        self.stats = ViewerStats(index)
        self.ws_url = ws_url
        self.origin = origin
        self.query_string = query_string
        self.seconds = seconds
        self.frame_timeout = frame_timeout
        self.first_load_timeout = first_load_timeout
        self.rewind_from = rewind_from
        # Protocol state
        self.ws = None
        self.fragment_id: str | None = None
        self.interval: float | None = None
        self.next_tick: float | None = None
        self.run_started_at = 0.0
        self.run_is_fragment = False
        self.run_announced_auto = False
        self.pending: deque[tuple[float, bool]] = deque()  # (sent at, in the window)
        # The measured window: set by the load test once every viewer plays (before it and
        # after it the viewer plays on, unmeasured, so the server keeps its N sessions busy).
        self.window_start: float | None = None
        self.closing = False
        self.day: dt.date | None = None
        self.new_day: dt.date | None = None  # shown on the slider, its map not yet received
        self.slider_id: str | None = None
        self.play_id: str | None = None
        self.playing_stopped = False
        self.finished = asyncio.Event()  # the window is over and drained, or the viewer failed

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
            self.run_announced_auto = False
            self.new_day = None
            if not self.run_is_fragment:  # the browser's cleanupAutoReruns()
                self.fragment_id = self.interval = self.next_tick = None
        elif kind == "auto_rerun":
            ar = msg.auto_rerun
            self.run_announced_auto = True
            if ar.fragment_id and (ar.fragment_id != self.fragment_id
                                   or ar.interval != self.interval):
                self.fragment_id, self.interval = ar.fragment_id, ar.interval
                self.next_tick = now + ar.interval
                if s.play_started_at is None:
                    s.play_started_at = now
        elif kind == "stop_auto_rerun":
            if self.fragment_id in msg.stop_auto_rerun.fragment_ids:
                self.fragment_id = self.interval = self.next_tick = None
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
        elif etype == "slider" and el.slider.id.endswith("-date"):
            self.slider_id = el.slider.id
            if el.slider.value:
                day = day_from_micros(el.slider.value[0])
                if day != self.day:
                    self.new_day = day
                if self.day and day < self.day and self._in_window(time.monotonic()):
                    self.stats.backwards += 1  # not a rewind of ours (that clears self.day)
                self.day = day
        elif etype == "deck_gl_json_chart" and self.new_day is not None:
            # The map of a new day arrived: one frame of the animation.
            s = self.stats
            if self._in_window(time.monotonic()):
                s.frames += 1
                if len(s.days_seen) < 6:
                    s.days_seen.append(self.new_day.isoformat())
            self.new_day = None
        elif etype == "checkbox" and el.checkbox.id.endswith("-play"):
            self.play_id = el.checkbox.id
        elif etype == "heading" and HEADING_DAY.match(el.heading.body):
            text = el.heading.body
            if len(self.stats.headings_seen) < 6 and text not in self.stats.headings_seen:
                self.stats.headings_seen.append(text)
            if self.day and text != f"{self.day:%A %d %B %Y}":
                self.stats.heading_mismatches += 1

    def _on_finished(self, status: int, now: float) -> None:
        """A run ended. FINISHED_EARLY_FOR_RERUN also ends one: the server relabels a finished
        run's ``script_finished`` when the next run starts before the message was flushed
        (streamlit/runtime/forward_msg_queue.py), which is what happens under load."""
        s = self.stats
        if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
            s.error("compile_error")
        if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
            s.early_finishes += 1
        if s.first_load_s is None and status == FINISHED.FINISHED_SUCCESSFULLY:
            s.first_load_s = now - (s.connected_at or now)
        while self.pending and self.pending[0][0] <= self.run_started_at:
            sent, counted = self.pending.popleft()
            if counted:
                s.latencies.append((now, now - sent))
        if self.run_is_fragment:
            if self._in_window(now):
                s.fragment_runs += 1
        elif status == FINISHED.FINISHED_SUCCESSFULLY:
            s.full_runs += 1
            # A full run that announced no auto-rerun: Play is off (the app stops it on
            # 25 January); the viewer presses Play again.
            self.playing_stopped = not self.run_announced_auto

    def _in_window(self, now: float) -> bool:
        start = self.window_start
        return start is not None and start <= now < start + self.seconds

    # -- requests to the server --------------------------------------------------------------
    async def _send(self, payload: bytes, now: float) -> None:
        counted = self._in_window(now)
        self.pending.append((now, counted))
        if counted:
            self.stats.requests += 1
        await self.ws.send(payload)

    async def _tick(self, now: float) -> None:
        """One tick of the browser's setInterval (or Play pressed again)."""
        if self.playing_stopped and self.play_id:
            self.playing_stopped = False
            self.stats.play_restarts += 1
            await self._send(rerun_msg(self.query_string,
                                       widgets=[(self.play_id, "bool_value", True)]), now)
            return
        if not self.fragment_id:
            return
        if self.day and self.day >= self.rewind_from and self.slider_id:
            self.stats.rewinds += 1
            self.day = None  # until the server reports the new day
            widgets = [(self.slider_id, "double_array_value", [micros_from_day(FIRST_DAY)])]
            await self._send(rerun_msg(self.query_string, fragment_id=self.fragment_id,
                                       widgets=widgets), now)
            return
        await self._send(rerun_msg(self.query_string, fragment_id=self.fragment_id,
                                   auto=True), now)

    def _expire(self, now: float) -> None:
        while self.pending and now - self.pending[0][0] > self.frame_timeout:
            _, counted = self.pending.popleft()
            if counted:
                self.stats.error("timeout")
                self.stats.timeouts_at.append(now)

    # -- the session ---------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, release: asyncio.Event, deadline: float) -> None:
        """Play for the window, then keep playing (unmeasured, so the load stays at N viewers)
        until ``release``, ``stop`` or ``deadline``. ``finished`` is set once the window's
        requests are served (or timed out), or the viewer failed."""
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
            s.unserved_at_end = sum(1 for _, counted in self.pending if counted)
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
        first_deadline = min(deadline, time.monotonic() + self.first_load_timeout)
        while not (stop.is_set() or release.is_set()):
            now = time.monotonic()
            if now >= deadline:
                return
            if self.ws.state.name != "OPEN":
                await asyncio.sleep(0.2)  # let the reader see the close and count it
                if not self.stats.errors.get("disconnect"):
                    self.stats.error("disconnect", f"websocket {self.ws.state.name}")
                return
            if s.play_started_at is None:
                if now >= first_deadline:
                    s.error("first_load_timeout", f"no Play after {self.first_load_timeout} s")
                    return
                await asyncio.sleep(0.05)
                continue
            ended = self.window_start is not None and now >= self.window_start + self.seconds
            if ended and not self.finished.is_set() and (
                    not any(counted for _, counted in self.pending)
                    or now > self.window_start + self.seconds + self.frame_timeout):
                s.play_ended_at = now
                self._expire(now + self.frame_timeout + 1)  # never served: timeouts
                self.finished.set()
            due = self.next_tick is not None and now >= self.next_tick
            if due:
                # setInterval: a fixed rate; ticks missed while this event loop was busy are
                # dropped, as in a browser.
                while self.next_tick <= now:
                    self.next_tick += self.interval
            if due or self.playing_stopped:
                await self._tick(now)
            self._expire(now)
            wake = self.next_tick if self.next_tick is not None else now + 0.05
            await asyncio.sleep(max(0.0, min(wake - time.monotonic(), 0.05)))
