"""Moving through a dataset's calendar: the rules of ◀/▶ and Play, as pure functions.

Play runs in the browser (kzunrest/ui/map_component.js follows these same rules, and the
browser tests check it there); Python applies them to what the browser reports (a day is
clamped into the calendar), and here the rules are tested without a browser or a server.
"""

from __future__ import annotations

import datetime as dt


def clamp(day: dt.date, first: dt.date, last: dt.date) -> dt.date:
    """``day`` brought inside ``[first, last]``.

    >>> clamp(dt.date(2023, 1, 9), dt.date(2023, 1, 1), dt.date(2023, 1, 5))
    datetime.date(2023, 1, 5)
    """
    if first > last:
        raise ValueError(f"first day {first} is after last day {last}")
    return min(max(day, first), last)


def step_day(day: dt.date, step: int, first: dt.date, last: dt.date) -> dt.date:
    """The day ◀ (``step=-1``) or ▶ (``step=1``) moves to: never outside the calendar.

    >>> step_day(dt.date(2023, 1, 5), 1, dt.date(2023, 1, 1), dt.date(2023, 1, 5))
    datetime.date(2023, 1, 5)
    """
    return clamp(day + dt.timedelta(days=step), first, last)


def next_day(day: dt.date, first: dt.date, last: dt.date, step: int = 1) -> dt.date | None:
    """The day Play shows after ``day``, or None when Play has reached the last day and stops.

    A day before the calendar starts Play on the first day.

    >>> next_day(dt.date(2023, 1, 4), dt.date(2023, 1, 1), dt.date(2023, 1, 5))
    datetime.date(2023, 1, 5)
    >>> next_day(dt.date(2023, 1, 5), dt.date(2023, 1, 1), dt.date(2023, 1, 5)) is None
    True
    """
    if step < 1:
        raise ValueError(f"Play moves forward: step must be at least 1, got {step}")
    if day >= last:
        return None
    return clamp(day + dt.timedelta(days=step), first, last)


def play_start(day: dt.date, first: dt.date, last: dt.date) -> dt.date:
    """The day Play starts from when pressed on ``day``: from the last day it starts over.

    >>> play_start(dt.date(2023, 1, 5), dt.date(2023, 1, 1), dt.date(2023, 1, 5))
    datetime.date(2023, 1, 1)
    """
    return first if day >= last else clamp(day, first, last)


def gif_days(ds) -> tuple[dt.date, dt.date]:
    """The days a GIF covers unless told otherwise: from the day the map opens on to the
    dataset's last day (here, not in kzunrest.gif: the page asks for it on every run, and
    importing the GIF's drawing code, matplotlib's figures, cost a second of the first)."""
    return ds.default_day, ds.last_day
