"""kzunrest.select on tiny frames built here: filters, onsets, periods, CSTO, figures, counts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kzunrest import select
from kzunrest.select import Filters

T = pd.Timestamp
NaT = pd.NaT


def d(day: int) -> dt.date:
    return dt.date(2022, 1, day)


def events_frame() -> pd.DataFrame:
    """Five events: E1..E5, in three regions over four days."""
    rows = [
        # id, day, admin1, type, subtype, actor1, actor2, location, precision, deaths
        ("E1", 2, "West", "Protests", "Peaceful protest", "Protesters", "", "Aktau", 1, 0),
        ("E2", 4, "West", "Riots", "Mob violence", "Rioters", "Police", "Zhanaozen", 2, 3),
        ("E3", 4, "East", "Protests", "Peaceful protest", "Protesters", "", "Oskemen", 1, None),
        ("E4", 5, "South", "Riots", "Violent demonstration", "Rioters", "Military", "Almaty", 1,
         10),
        ("E5", 7, "East", "Battles", "Armed clash", "Military", "Rioters", "Oskemen", 3, 1),
    ]
    frame = pd.DataFrame(rows, columns=["event_id_cnty", "day", "admin1", "event_type",
                                        "sub_event_type", "actor1", "actor2", "location",
                                        "geo_precision", "fatalities"])
    frame["event_date"] = pd.to_datetime([f"2022-01-{x:02d}" for x in frame.pop("day")])
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["source"] = ["A", "B", "A", "A", "C"]
    frame["source_url"] = ["https://a/1", "https://b/1", "https://a/1", "https://a/2",
                           "https://c/1"]
    return frame


@pytest.mark.parametrize(("filters", "ids"), [
    (Filters(), ["E1", "E2", "E3", "E4", "E5"]),
    (Filters(regions=("West",)), ["E1", "E2"]),
    (Filters(regions=("West", "South")), ["E1", "E2", "E4"]),
    (Filters(types=("Riots",)), ["E2", "E4"]),
    (Filters(subtypes=("Peaceful protest",)), ["E1", "E3"]),
    # An actor matches as actor1 or as actor2.
    (Filters(actors=("Military",)), ["E4", "E5"]),
    (Filters(actors=("Police", "Protesters")), ["E1", "E2", "E3"]),
    # Dates are inclusive at both ends.
    (Filters(start=d(4)), ["E2", "E3", "E4", "E5"]),
    (Filters(end=d(4)), ["E1", "E2", "E3"]),
    (Filters(start=d(4), end=d(5)), ["E2", "E3", "E4"]),
    (Filters(start=d(5), end=d(5)), ["E4"]),
    (Filters(precise_only=True), ["E1", "E3", "E4"]),
    # Filters combine with AND.
    (Filters(regions=("East",), types=("Protests",)), ["E3"]),
    (Filters(regions=("West",), precise_only=True), ["E1"]),
    (Filters(regions=("West",), types=("Battles",)), []),
    (Filters(types=("Protests",), subtypes=("Mob violence",)), []),
    (Filters(regions=("West",), actors=("Military",)), []),
    (Filters(regions=("South",), start=d(2)), ["E4"]),
    (Filters(regions=("West",), end=d(7)), ["E1", "E2"]),
])
def test_select_events(filters, ids):
    assert select.select_events(events_frame(), filters)["event_id_cnty"].tolist() == ids


@pytest.mark.parametrize(("day", "first", "number"), [
    (d(1), d(1), 0), (d(5), d(1), 4), (d(1), d(5), -4), (dt.date(2023, 3, 1), d(1), 424),
])
def test_day_number_counts_from_the_first_day(day, first, number):
    assert select.day_number(day, first) == number
    assert select.day_number(pd.Series([T(day)]), first).tolist() == [number]


def test_onset_is_each_regions_first_day_earliest_first():
    onset = select.onset_by_region(events_frame())
    assert list(onset.items()) == [("West", T("2022-01-02")), ("East", T("2022-01-04")),
                                   ("South", T("2022-01-05"))]


PERIODS = pd.DataFrame({
    "name": ["open", "closed", "midnight", "late"],
    "start": [T("2022-01-05"), T("2022-01-05"), T("2022-01-05"), T("2022-01-08")],
    "end": [NaT, T("2022-01-07"), T("2022-01-07"), T("2022-01-09")],
    "end_time": [None, "12:00", "00:00", ""],
})


@pytest.mark.parametrize(("day", "with_time", "names"), [
    (d(4), True, []),
    (d(5), True, ["open", "closed", "midnight"]),
    # A period ending at 00:00 on the 7th closed as the 7th began.
    (d(6), True, ["open", "closed", "midnight"]),
    (d(7), True, ["open", "closed"]),
    (d(7), False, ["open", "closed", "midnight"]),
    (d(8), True, ["open", "late"]),
    (d(9), True, ["open", "late"]),
    (d(10), True, ["open"]),
])
def test_active_on(day, with_time, names):
    found = select.active_on(PERIODS, day, "start", "end", "end_time" if with_time else None)
    assert found["name"].tolist() == names


def contingents_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "country": ["Russia", "Belarus", "Armenia"],
        "left_home_date": [T("2022-01-06"), T("2022-01-07"), T("2022-01-06")],
        "arrival_date": [T("2022-01-06"), NaT, T("2022-01-08")],
        "departure_date": [T("2022-01-13"), T("2022-01-14"), T("2022-01-13")],
        "personnel": pd.array([3000, None, 70], dtype="Int64"),
    })


def test_arrival_shown_falls_back_to_the_day_a_contingent_left_home():
    assert select.arrival_shown(contingents_frame()).tolist() == [
        T("2022-01-06"), T("2022-01-07"), T("2022-01-08")]


@pytest.mark.parametrize(("day", "phases"), [
    (d(5), {}),
    (d(6), {"Russia": "arriving"}),
    (d(7), {"Russia": "present", "Belarus": "arriving"}),
    (d(8), {"Russia": "present", "Belarus": "present", "Armenia": "arriving"}),
    (d(13), {"Russia": "leaving", "Belarus": "present", "Armenia": "leaving"}),
    (d(14), {"Belarus": "leaving"}),
    (d(15), {}),
])
def test_contingents_on(day, phases):
    here = select.contingents_on(contingents_frame(), day)
    assert dict(zip(here["country"], here["phase"], strict=True)) == phases


def test_a_contingent_arriving_and_leaving_the_same_day_is_arriving():
    one = contingents_frame().iloc[[0]].assign(departure_date=T("2022-01-06"))
    assert select.contingents_on(one, d(6))["phase"].tolist() == ["arriving"]


@pytest.mark.parametrize(("days", "expected"), [
    ([d(5), d(6), d(7), d(8), d(9)], d(8)),  # all three first on the 8th
    ([d(6), d(7)], d(7)),
    ([d(1), d(2)], None),
    ([], None),
])
def test_busiest_contingent_day(days, expected):
    assert select.busiest_contingent_day(contingents_frame(), days) == expected


SITES = pd.DataFrame({
    "name": ["Airport", "Plant", "Station", "Depot"],
    "contingent": ["Armenia", "Russia", "", "Belarus"],
    "start_date": [NaT, T("2022-01-09"), NaT, NaT],
    "end_date": [NaT, NaT, NaT, T("2022-01-10")],
})


@pytest.mark.parametrize(("day", "names"), [
    (d(5), []),
    # Unnamed guard (Station): the whole mission, from the first arrival shown (the 6th).
    (d(6), ["Station"]),
    (d(7), ["Station", "Depot"]),
    (d(8), ["Airport", "Station", "Depot"]),
    (d(9), ["Airport", "Plant", "Station", "Depot"]),
    (d(11), ["Airport", "Plant", "Station"]),
    (d(13), ["Airport", "Plant", "Station"]),
    # Until the last departure of the mission (Belarus, the 14th).
    (d(14), ["Station"]),
    (d(15), []),
])
def test_sites_on(day, names):
    assert select.sites_on(SITES, contingents_frame(), day)["name"].tolist() == names


def test_sites_on_without_sites():
    assert select.sites_on(SITES.iloc[0:0], contingents_frame(), d(8)).empty


FIGURES = pd.DataFrame({
    "metric": ["deaths", "deaths", "detained", "deaths"],
    "announced_date": [T("2022-01-06"), T("2022-01-08"), T("2022-01-08"), T("2022-01-08")],
    "announced_time": ["10:00", "09:00", "", "18:00"],
    "value": [18, 164, 5000, 225],
})


@pytest.mark.parametrize(("day", "known"), [
    (d(5), {}),
    (d(6), {"deaths": 18}),
    (d(7), {"deaths": 18}),
    # The latest of the day by time wins; a blank time counts as the day's start.
    (d(8), {"deaths": 225, "detained": 5000}),
])
def test_figures_known(day, known):
    found = select.figures_known(FIGURES, day)
    assert dict(zip(found["metric"], found["value"], strict=True)) == known
    assert found["metric"].tolist() == sorted(known)
    assert found.index.tolist() == list(range(len(known)))  # a fresh index, row by row


@pytest.mark.parametrize(("day", "counts"), [
    (d(1), {"today": 0, "so_far": 0, "regions": 0, "fatalities_today": 0}),
    (d(2), {"today": 1, "so_far": 1, "regions": 1, "fatalities_today": 0}),
    (d(4), {"today": 2, "so_far": 3, "regions": 2, "fatalities_today": 3}),
    (d(5), {"today": 1, "so_far": 4, "regions": 3, "fatalities_today": 10}),
    (d(6), {"today": 0, "so_far": 4, "regions": 3, "fatalities_today": 0}),
    (d(9), {"today": 0, "so_far": 5, "regions": 3, "fatalities_today": 0}),
])
def test_events_timeline(day, counts):
    assert select.events_timeline(events_frame(), day) == counts


def test_sources_cited_most_cited_first_then_by_name():
    table = select.sources_cited(events_frame())
    assert table.to_dict("list") == {
        "source_url": ["https://a/1", "https://a/2", "https://b/1", "https://c/1"],
        "source": ["A", "A", "B", "C"], "events": [2, 1, 1, 1]}
    assert table.index.tolist() == [0, 1, 2, 3]


def test_sources_cited_renumbers_rows_after_sorting():
    frame = events_frame().assign(source_url=["https://z/1"] * 2 + ["https://a/1"] * 3)
    table = select.sources_cited(frame)
    assert list(zip(table["source_url"], table["source"], table["events"], strict=True)) == [
        ("https://a/1", "A", 2), ("https://z/1", "A", 1), ("https://z/1", "B", 1),
        ("https://a/1", "C", 1)]
    assert table.index.tolist() == [0, 1, 2, 3]


def test_key_numbers():
    assert select.key_numbers(events_frame()) == {
        "events": 5, "regions": 3, "localities": 4, "days": 4,
        # Unknown (blank) fatalities are left out, not counted as zero events with a toll.
        "deaths_in_events": 14, "events_with_toll": 4, "first": "02 Jan", "last": "07 Jan"}


def test_key_numbers_of_no_events():
    numbers = select.key_numbers(events_frame().iloc[0:0])
    assert (numbers["events"], numbers["deaths_in_events"], numbers["first"],
            numbers["last"]) == (0, 0, "–", "–")
