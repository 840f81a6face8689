"""Check a link's query parameters before the widgets read them.

Streamlit drops a bound parameter it cannot use without a word; the viewer who opened a shared
link deserves to know what was ignored. :func:`check_params` says it, one notice per problem.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from kzunrest import playback

# Streamlit's own parameters, never ours to judge.
STREAMLIT_PARAMS = {"embed", "embed_options"}


@dataclass(frozen=True)
class Param:
    """How one URL parameter is checked: ``check`` returns an error text or None."""

    check: Callable[[str], str | None]
    repeated: bool = False
    count: int | None = None  # exact number of values (a range slider has 2)


def _date(lo: dt.date, hi: dt.date) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        try:
            day = parse_day(value)
        except (ValueError, OverflowError):
            return "not a date (YYYY-MM-DD)"
        return None if lo <= day <= hi else f"outside {lo:%d %b} to {hi:%d %b %Y}"
    return check


def _one_of(options: Iterable[str]) -> Callable[[str], str | None]:
    allowed = list(options)

    def check(value: str) -> str | None:
        if value in allowed:
            return None
        shown = ", ".join(allowed[:8]) + ("…" if len(allowed) > 8 else "")
        return f"not one of: {shown}"
    return check


def _number(lo: float, hi: float) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        try:
            x = float(value)
        except ValueError:
            return "not a number"
        return None if math.isfinite(x) and lo <= x <= hi else f"outside {lo:g} to {hi:g}"
    return check


BOOL = _one_of(["true", "false", "1", "0"])


def view_params(*, first: dt.date, last: dt.date, regions: Iterable[str],
                types: Iterable[str], subtypes: Iterable[str], actors: Iterable[str],
                layers: Iterable[str], speeds: Iterable[str], modes: Iterable[str],
                basemaps: Iterable[str], steps: int,
                langs: Iterable[str] = ("en", "kk", "ru")) -> dict[str, Param]:
    """The parameters a view link may carry, with their checks (keys as in docs/DESIGN.md)."""
    return {
        "date": Param(_date(first, last)),
        "play": Param(BOOL),
        "speed": Param(_one_of(speeds)),
        "mode": Param(_one_of(modes)),
        "layers": Param(_one_of(layers), repeated=True),
        "basemap": Param(_one_of(basemaps)),
        "regions": Param(_one_of(regions), repeated=True),
        "types": Param(_one_of(types), repeated=True),
        "subtypes": Param(_one_of(subtypes), repeated=True),
        "actors": Param(_one_of(actors), repeated=True),
        "dates": Param(_date(first, last), repeated=True, count=2),
        "precise": Param(BOOL),
        "sources2": Param(BOOL),
        "present": Param(_one_of(["1", "0", "true", "false"])),
        "lon": Param(_number(-180, 180)),
        "lat": Param(_number(-85, 85)),
        "zoom": Param(_number(0, 20)),
        "step": Param(_one_of([str(i) for i in range(1, steps + 1)])),
        "lang": Param(_one_of(langs)),
        "place": Param(lambda value: None),  # free text: a place search finds none or some
    }


def check_params(params: dict[str, list[str]], spec: dict[str, Param]) -> list[str]:
    """Notices for every parameter value that will be ignored, e.g.
    ``"date=not-a-date ignored: not a date (YYYY-MM-DD)"``.

    >>> check_params({"zoom": ["99"]}, {"zoom": Param(_number(0, 20))})
    ['zoom=99 ignored: outside 0 to 20']
    """
    notices = []
    for key, values in params.items():
        if key in STREAMLIT_PARAMS:
            continue
        param = spec.get(key)
        if param is None:
            notices.append(f"{key} ignored: not a parameter of this app")
            continue
        if not param.repeated and len(values) > 1:
            notices.append(f"{key} ignored: given {len(values)} times")
            continue
        if param.count is not None and len(values) != param.count:
            notices.append(f"{key} ignored: needs {param.count} values, got {len(values)}")
            continue
        for value in values:
            error = param.check(value)
            if error:
                notices.append(f"{key}={value} ignored: {error}")
    return notices


def parse_day(value: str) -> dt.date:
    """A link's ``date``: ISO (``2022-01-05``), or the microseconds since 1970 that older
    versions of the app wrote after Play.

    >>> parse_day("2022-01-05"), parse_day("1641340800000000")
    (datetime.date(2022, 1, 5), datetime.date(2022, 1, 5))
    """
    if value.isdigit():
        return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(value))).date()
    return dt.date.fromisoformat(value)


@dataclass(frozen=True)
class View:
    """The playback part of a link: day, Play, speed, mode and camera (None = default)."""

    day: dt.date
    playing: bool = False
    speed: str = "normal"
    mode: str = "cumulative"
    longitude: float | None = None
    latitude: float | None = None
    zoom: float | None = None


def read_view(params: dict[str, list[str]], spec: dict[str, Param], default: View) -> View:
    """The view a link asks for; a value that fails its check (see :func:`check_params`,
    which words the notice) keeps the default.

    >>> jan = Param(_date(dt.date(2022, 1, 1), dt.date(2022, 1, 25)))
    >>> view = read_view({"date": ["2022-01-07"], "play": ["1"], "mode": ["x"]},
    ...                  {"date": jan, "play": Param(BOOL), "mode": Param(_one_of(["day"]))},
    ...                  View(dt.date(2022, 1, 2)))
    >>> view.day, view.playing, view.mode
    (datetime.date(2022, 1, 7), True, 'cumulative')
    """
    def good(key: str) -> str | None:
        values = params.get(key) or []
        param = spec.get(key)
        if len(values) != 1 or param is None or param.check(values[0]):
            return None
        return values[0]

    day, play, speed, mode = good("date"), good("play"), good("speed"), good("mode")
    lon, lat, zoom = good("lon"), good("lat"), good("zoom")
    return View(day=parse_day(day) if day else default.day,
                playing=play in ("1", "true") if play else default.playing,
                speed=speed or default.speed, mode=mode or default.mode,
                longitude=float(lon) if lon else default.longitude,
                latitude=float(lat) if lat else default.latitude,
                zoom=float(zoom) if zoom else default.zoom)


def view_query(view: View, default: View) -> dict[str, str | None]:
    """The link parameters of ``view``: ISO dates, and None (drop it) where the default holds.

    >>> view_query(View(dt.date(2022, 1, 9), playing=True), View(dt.date(2022, 1, 2)))["date"]
    '2022-01-09'
    """
    def unless_default(value, default_value, text):
        return None if value == default_value else text

    return {
        "date": unless_default(view.day, default.day, view.day.isoformat()),
        "play": "1" if view.playing else None,
        "speed": unless_default(view.speed, default.speed, view.speed),
        "mode": unless_default(view.mode, default.mode, view.mode),
        "lon": None if view.longitude is None else f"{view.longitude:g}",
        "lat": None if view.latitude is None else f"{view.latitude:g}",
        "zoom": None if view.zoom is None else f"{view.zoom:g}",
    }


def apply_report(view: View, reported: dict, first: dt.date, last: dt.date, *,
                 speeds: Iterable[str], modes: Iterable[str]) -> View:
    """The view after the browser reported its playback (``date``, ``playing``, ``speed``,
    ``mode``): a day outside the calendar is clamped, an unknown speed or mode ignored, and a
    report that is not a date changes nothing.

    >>> v = View(dt.date(2022, 1, 2))
    >>> apply_report(v, {"date": "2022-02-09", "playing": False, "speed": "warp"},
    ...              dt.date(2022, 1, 1), dt.date(2022, 1, 25), speeds=["fast"], modes=["day"])
    View(day=datetime.date(2022, 1, 25), playing=False, speed='normal', mode='cumulative', \
longitude=None, latitude=None, zoom=None)
    """
    try:
        day = parse_day(str(reported.get("date")))
    except (ValueError, OverflowError):
        return view
    speed, mode = reported.get("speed"), reported.get("mode")
    return replace(view, day=playback.clamp(day, first, last),
                   playing=reported.get("playing") is True,
                   speed=speed if speed in set(speeds) else view.speed,
                   mode=mode if mode in set(modes) else view.mode)
