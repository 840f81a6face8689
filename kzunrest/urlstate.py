"""Check a link's query parameters before the widgets read them.

Streamlit drops a bound parameter it cannot use without a word; the viewer who opened a shared
link deserves to know what was ignored. :func:`check_params` says it, one notice per problem.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
            if value.isdigit():  # Streamlit writes a date set during Play as microseconds
                day = (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(value))).date()
            else:
                day = dt.date.fromisoformat(value)
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


BOOL = _one_of(["true", "false"])


def view_params(*, first: dt.date, last: dt.date, regions: Iterable[str],
                types: Iterable[str], subtypes: Iterable[str], actors: Iterable[str],
                layers: Iterable[str], speeds: Iterable[str], modes: Iterable[str],
                basemaps: Iterable[str], steps: int) -> dict[str, Param]:
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
        "present": Param(_one_of(["1", "0", "true", "false"])),
        "lon": Param(_number(-180, 180)),
        "lat": Param(_number(-85, 85)),
        "zoom": Param(_number(0, 20)),
        "step": Param(_one_of([str(i) for i in range(1, steps + 1)])),
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
