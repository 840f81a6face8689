"""◀/▶ and Play over a dataset's calendar: tables of cases for the pure stepping rules."""

from __future__ import annotations

import datetime as dt

import pytest

from kzunrest import playback


def d(day: int) -> dt.date:
    return dt.date(2023, 3, day)


FIRST, LAST = d(3), d(7)


@pytest.mark.parametrize(("day", "step", "expected"), [
    (d(5), 1, d(6)),
    (d(5), -1, d(4)),
    (d(7), 1, d(7)),   # ▶ on the last day stays there
    (d(3), -1, d(3)),  # ◀ on the first day stays there
    (d(6), 5, d(7)),
    (d(4), -5, d(3)),
    (d(1), 1, d(3)),   # a day before the calendar (an old link) comes inside it
    (d(9), -1, d(7)),
    (d(5), 0, d(5)),
])
def test_step_day_moves_and_clamps(day, step, expected):
    assert playback.step_day(day, step, FIRST, LAST) == expected


@pytest.mark.parametrize(("day", "step", "expected"), [
    (d(3), 1, d(4)),
    (d(6), 1, d(7)),
    (d(7), 1, None),   # the last day was shown: Play stops
    (d(9), 1, None),
    (d(5), 2, d(7)),
    (d(6), 2, d(7)),   # a big step lands on the last day before stopping
    (d(1), 1, d(3)),   # from before the calendar, Play starts on its first day
])
def test_next_day_of_play(day, step, expected):
    assert playback.next_day(day, FIRST, LAST, step) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (d(3), d(3)), (d(5), d(5)), (d(6), d(6)), (d(7), d(3)), (d(9), d(3)), (d(1), d(3)),
])
def test_play_from_the_last_day_starts_over(day, expected):
    assert playback.play_start(day, FIRST, LAST) == expected


def test_play_walks_every_day_once_then_stops():
    day, seen = FIRST, [FIRST]
    while (day := playback.next_day(day, FIRST, LAST)) is not None:
        seen.append(day)
    assert seen == [d(3), d(4), d(5), d(6), d(7)]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: playback.clamp(d(5), LAST, FIRST), "is after last day"),
    (lambda: playback.next_day(d(5), FIRST, LAST, 0), "step must be at least 1"),
])
def test_bad_arguments_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()
