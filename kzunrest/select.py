"""Views derived from a dataset for a day and a set of filters: pure functions over frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kzunrest.i18n import ENGLISH, N_, Text


@dataclass(frozen=True)
class Filters:
    """What the analyst narrowed the events to; empty tuples mean "all"."""

    regions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    precise_only: bool = False
    # A place search's matches (English names); None: no search, (): nothing matched.
    locations: tuple[str, ...] | None = None
    # Only events whose ``source`` names at least two publishers (issue 12).
    well_sourced: bool = False


def day_number(dates: pd.Series | pd.Timestamp | dt.date,
               first: dt.date | pd.Timestamp) -> pd.Series | int:
    """Days since ``first`` (the dataset's first day, day 0): the value the map filters on.

    >>> day_number(dt.date(2023, 3, 5), dt.date(2023, 3, 1))
    4
    >>> day_number(pd.Series(pd.to_datetime(["2023-02-28"])), dt.date(2023, 3, 1)).tolist()
    [-1]
    """
    epoch = pd.Timestamp(first)
    if isinstance(dates, pd.Series):
        return (pd.to_datetime(dates) - epoch).dt.days
    return int((pd.Timestamp(dates) - epoch).days)


def select_events(events: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Events matching the filters (regions, types, actors, dates, precise locations, two or
    more independent sources, the places a search matched)."""
    return events.iloc[select_positions(events, filters)]


def select_positions(events: pd.DataFrame, filters: Filters,
                     index: FilterIndex | None = None) -> np.ndarray:
    """Positions (0-based, in order) of the events matching the filters. With the events'
    :class:`FilterIndex` the test runs over integer codes: a few milliseconds at 10^6
    events, where comparing the text of every event took hundreds."""
    index = index or FilterIndex(events)
    keep = np.ones(len(events), dtype=bool)
    for column, values in (("admin1", filters.regions), ("event_type", filters.types),
                           ("sub_event_type", filters.subtypes)):
        if values:
            keep &= index.isin(column, values)
    if filters.actors:
        keep &= index.isin("actor1", filters.actors) | index.isin("actor2", filters.actors)
    if filters.start:
        keep &= index.dates() >= np.datetime64(pd.Timestamp(filters.start))
    if filters.end:
        keep &= index.dates() <= np.datetime64(pd.Timestamp(filters.end))
    if filters.precise_only:
        keep &= index.precise()
    if filters.locations is not None:  # a search's places: none matched keeps no event
        keep &= index.isin("location", filters.locations)
    if filters.well_sourced:
        keep &= index.well_sourced()
    return np.flatnonzero(keep)


class FilterIndex:
    """What the filters test, per event, as numpy arrays computed once per column on first
    use: text columns as codes into their distinct values, dates, precise, sources. Built
    once per dataset and shared (read-only) by every filter set."""

    def __init__(self, events: pd.DataFrame):
        self._events = events
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}
        self._cache: dict[str, np.ndarray] = {}

    def isin(self, column: str, values) -> np.ndarray:
        if column not in self._codes:
            codes, uniques = pd.factorize(self._events[column])
            self._codes[column] = (codes, pd.Index(uniques))
        codes, uniques = self._codes[column]
        table = np.append(uniques.isin(list(values)), False)  # code -1 (missing) never
        return table[codes]

    def _memo(self, name: str, build) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    def dates(self) -> np.ndarray:
        return self._memo("dates", lambda: self._events["event_date"].to_numpy(
            dtype="datetime64[ns]"))

    def precise(self) -> np.ndarray:
        # A missing precision is not "precise".
        return self._memo("precise", lambda: (self._events["geo_precision"] == 1)
                          .fillna(False).to_numpy(dtype=bool))

    def well_sourced(self) -> np.ndarray:
        return self._memo("well_sourced", lambda: (independent_sources(self._events) >= 2)
                          .to_numpy())


def onset_by_region(events: pd.DataFrame) -> pd.Series:
    """First event day per region (``admin1`` -> Timestamp), earliest first."""
    return events.groupby("admin1")["event_date"].min().sort_values()


def active_on(frame: pd.DataFrame, day: dt.date, start: str, end: str,
              end_time: str | None = None) -> pd.DataFrame:
    """Rows whose [start, end] period covers ``day``; a blank end means still going.

    An end at 00:00 (``end_time``) means the period closed when that day began.
    """
    d = pd.Timestamp(day)
    last = frame[end]
    if end_time is not None:
        midnight = frame[end_time].fillna("") == "00:00"
        last = last.where(~midnight, last - pd.Timedelta(days=1))
    return frame[(frame[start] <= d) & (last.isna() | (last >= d))]


def arrival_shown(contingents: pd.DataFrame) -> pd.Series:
    """The day a contingent appears on the map: its arrival, or, where no landing was
    reported, the day it left home (a flight of a few hours)."""
    return contingents["arrival_date"].fillna(contingents["left_home_date"])


def contingents_on(contingents: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Contingents in the country on ``day``, with a ``phase``: arriving, present, leaving."""
    # On plain arrays: asked for every day of the calendar on a first start (the map's CSTO
    # rows and day summaries), Series assignments made it 13 ms a call for a few rows.
    d = np.datetime64(pd.Timestamp(day), "ns")
    arrival = arrival_shown(contingents).to_numpy("datetime64[ns]")
    departure = contingents["departure_date"].to_numpy("datetime64[ns]")
    keep = (arrival <= d) & (departure >= d)  # NaT compares False: never in the country
    phase = np.where(arrival[keep] == d, "arriving",
                     np.where(departure[keep] == d, "leaving", "present")).astype(object)
    return contingents[keep].assign(phase=phase)


def busiest_contingent_day(contingents: pd.DataFrame, days: list[dt.date]) -> dt.date | None:
    """The first of ``days`` on which the most contingents were in the country (None when
    none was on any of them)."""
    counts = [len(contingents_on(contingents, d)) for d in days]
    if not counts or max(counts) == 0:
        return None
    return days[counts.index(max(counts))]


NOT_PUBLISHED = N_("not published")


def personnel_text(personnel: pd.Series, not_published: str = NOT_PUBLISHED) -> pd.Series:
    """Headcounts as a reader sees them: ``1,234``, or "not published" where none was (a
    blank is unknown, never zero).

    >>> personnel_text(pd.Series([150, None])).tolist()
    ['150', 'not published']
    """
    return personnel.map(lambda n: not_published if pd.isna(n) else f"{int(n):,}")


def day_text(days: pd.Series, missing: str = "not reported",
             show: Callable[[pd.Timestamp], str] = lambda d: f"{d:%-d %b}") -> pd.Series:
    """Days as a reader sees them (``8 Jan``, or ``show(day)``), and ``missing`` where a
    date is blank.

    >>> day_text(pd.Series(pd.to_datetime(["2022-01-08", None]))).tolist()
    ['8 Jan', 'not reported']
    """
    return days.map(lambda d: missing if pd.isna(d) else show(d))


WHOLE_FORCE = "Whole CSTO force:"  # how a contingent's note quotes figures for the whole force


def csto_personnel(contingents: pd.DataFrame) -> dict:
    """What was published about the CSTO force's size: each contingent's lowest figure
    (``published``: country -> int), the contingents without one (``not_published``), and
    the figures announced for the whole force as a note quotes them (``whole_force``: the
    sentence after "Whole CSTO force:", with that row's ``source_urls``). The sum of the
    contingent figures is not the force's size when any is unpublished.

    >>> c = pd.DataFrame({"country": ["A", "B"], "personnel": [None, 150],
    ...     "personnel_note": ["None found. Whole CSTO force: about 2,000 (X, Jan 6).", ""],
    ...     "source_url": ["https://a https://b", "https://c"]})
    >>> info = csto_personnel(c)
    >>> info["published"], info["not_published"], info["whole_force"]
    ({'B': 150}, ['A'], [('about 2,000 (X, Jan 6).', ['https://a', 'https://b'])])
    """
    known = contingents.dropna(subset=["personnel"])
    whole = []
    for _, row in contingents.iterrows():
        note = str(row.get("personnel_note") or "")
        if WHOLE_FORCE in note:
            text = note.split(WHOLE_FORCE, 1)[1].strip()
            whole.append((text, str(row.get("source_url") or "").split()))
    return {
        "published": {c: int(n) for c, n in zip(known["country"], known["personnel"],
                                                strict=True)},
        "not_published": contingents.loc[contingents["personnel"].isna(), "country"].tolist(),
        "whole_force": whole,
    }


def official_total(figures: pd.DataFrame, metric: str = "deaths") -> pd.Series | None:
    """The latest standing (not retracted) official figure for ``metric``, or None.

    >>> f = pd.DataFrame({"announced_date": pd.to_datetime(["2022-01-09", "2022-01-15"]),
    ...     "announced_time": ["", ""], "metric": ["deaths", "deaths"], "value": [164, 225],
    ...     "status": ["retracted", "revised"]})
    >>> int(official_total(f)["value"])
    225
    """
    rows = figures[(figures["metric"] == metric) & (figures["status"] != "retracted")]
    if rows.empty:
        return None
    return rows.sort_values(["announced_date", "announced_time"], na_position="first").iloc[-1]


def figures_known(figures: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The latest figure per metric announced on or before ``day`` (retractions shown too)."""
    known = figures[figures["announced_date"] <= pd.Timestamp(day)]
    known = known.sort_values(["announced_date", "announced_time"], na_position="first")
    latest = known.groupby("metric", sort=False).tail(1)
    return latest.sort_values("metric", ignore_index=True)


def events_timeline(events: pd.DataFrame, day: dt.date) -> dict[str, int]:
    """Counts for "On this day": events that day, so far, regions reached so far."""
    d = pd.Timestamp(day)
    so_far = events[events["event_date"] <= d]
    return {
        "today": int((events["event_date"] == d).sum()),
        "so_far": int(len(so_far)),
        "regions": int(so_far["admin1"].nunique()),
        "fatalities_today": int(events.loc[events["event_date"] == d, "fatalities"].sum()),
    }


def timeline_by_day(events: pd.DataFrame, days: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """:func:`events_timeline` for every day of ``days`` in one pass over the events (a
    rerun on a new day then looks its counts up instead of scanning every event).

    >>> ev = pd.DataFrame({"admin1": ["A", "B", "A"], "fatalities": [1.0, None, 2.0],
    ...                    "event_date": pd.to_datetime(["2022-01-01", "2022-01-02",
    ...                                                  "2022-01-02"])})
    >>> days = [dt.date(2022, 1, 1), dt.date(2022, 1, 2), dt.date(2022, 1, 3)]
    >>> by_day = timeline_by_day(ev, days)
    >>> by_day[days[1]] == events_timeline(ev, days[1])
    True
    >>> by_day[days[2]]
    {'today': 0, 'so_far': 3, 'regions': 2, 'fatalities_today': 0}
    """
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in days])
    dates = events["event_date"]
    per_day = dates.value_counts().reindex(index, fill_value=0)
    before = int((dates < index[0]).sum()) if len(index) else 0
    so_far = per_day.cumsum() + before
    onset = np.sort(events.groupby("admin1")["event_date"].min().to_numpy())
    regions = np.searchsorted(onset, index.to_numpy(), side="right")
    deaths = events.groupby("event_date")["fatalities"].sum().reindex(index, fill_value=0)
    # Plain lists first: a Series' .iloc per day and count cost more than the counting.
    today, so_far, deaths = (s.to_numpy().tolist() for s in (per_day, so_far, deaths))
    return {d: {"today": int(today[i]), "so_far": int(so_far[i]),
                "regions": int(regions[i]), "fatalities_today": int(deaths[i])}
            for i, d in enumerate(days)}


def sites_on(sites: pd.DataFrame, contingents: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Sites guarded on ``day``. A blank start or end date falls back to the guarding
    contingent's arrival or departure, else to the whole CSTO mission's first and last day."""
    if sites.empty:  # a dataset without CSTO sites (an empty file has untyped columns)
        return sites
    d = pd.Timestamp(day)
    by_country = contingents.set_index("country")
    arrival = arrival_shown(contingents).set_axis(contingents["country"])
    start = sites["start_date"].fillna(sites["contingent"].map(arrival)).fillna(arrival.min())
    end = sites["end_date"].fillna(sites["contingent"].map(by_country["departure_date"]))
    end = end.fillna(contingents["departure_date"].max())
    return sites[(start <= d) & (end >= d)]


def sources_cited(events: pd.DataFrame) -> pd.DataFrame:
    """Every source address cited by the events, with the publication and how many events."""
    return (events.groupby(["source_url", "source"]).size().rename("events").reset_index()
            .sort_values(["events", "source"], ascending=[False, True], ignore_index=True))


def key_numbers(events: pd.DataFrame) -> dict[str, int | str]:
    """Headline numbers of a (filtered) frame of events."""
    known = events["fatalities"].dropna()
    return {
        "events": len(events),
        "regions": events["admin1"].nunique(),
        "localities": events["location"].nunique(),
        "days": events["event_date"].nunique(),
        "deaths_in_events": int(known.sum()),
        "events_with_toll": len(known),
        "first": f"{events['event_date'].min():%d %b}" if len(events) else "–",
        "last": f"{events['event_date'].max():%d %b}" if len(events) else "–",
    }


def spread_sentence(events: pd.DataFrame, regions_total: int,
                    disputes: pd.DataFrame | None = None, *, text: Text = ENGLISH,
                    place: Callable[[str], str] = str) -> str:
    """When and where the first event was, and when the last region was reached, from the
    data itself; a disputed first date says so. ``text`` is the language, ``place`` names a
    location in it.

    >>> ev = pd.DataFrame({"event_id_cnty": ["A", "B"], "location": ["Zhanaozen", "Aktobe"],
    ...                    "admin1": ["Mangystau", "Aktobe"],
    ...                    "event_date": pd.to_datetime(["2022-01-01", "2022-01-04"])})
    >>> spread_sentence(ev, 2)
    'First recorded event: 1 January 2022 in Zhanaozen; all 2 regions reached by 4 January.'
    >>> d = pd.DataFrame({"event_id_cnty": ["A"], "field": ["event_date"], "value": ["2022-01-02"]})
    >>> spread_sentence(ev, 3, d)
    'First recorded event: 1 January 2022 in Zhanaozen (date disputed: other sources say 2 \
January); 2 of 3 regions reached by 4 January.'
    """
    if events.empty:
        return ""
    _ = text.gettext
    # The first of the earliest day, as a stable sort would give (idxmin: no sort of 10^6 rows).
    first = events.iloc[events["event_date"].reset_index(drop=True).idxmin()]
    out = _("First recorded event: {date} in {place}").format(
        date=text.date(first["event_date"], "long"), place=place(first["location"]))
    if disputes is not None and len(disputes):
        other = disputes[(disputes["event_id_cnty"] == first["event_id_cnty"])
                         & (disputes["field"] == "event_date")]["value"]
        if len(other):
            dates = ", ".join(text.date(pd.Timestamp(v), "d_month") for v in other)
            out += _(" (date disputed: other sources say {dates})").format(dates=dates)
    onset = onset_by_region(events)
    reached = len(onset)
    last = text.date(onset.max(), "d_month")
    if reached == regions_total:
        return out + _("; all {n} regions reached by {date}.").format(n=reached, date=last)
    return out + _("; {n} of {total} regions reached by {date}.").format(
        n=reached, total=regions_total, date=last)


SOURCE_SEPARATOR = ";"  # ACLED's: several publishers in one `source` cell


def independent_sources(events: pd.DataFrame) -> pd.Series:
    """How many distinct publishers each event cites (``source`` holds several names
    separated by ``;``, as in ACLED); a publisher named twice counts once.

    >>> independent_sources(pd.DataFrame({"source": ["TASS; Reuters", "TASS;tass", ""]}
    ...                                  )).tolist()
    [2, 1, 0]
    """
    # Counted once per distinct text (a publisher is cited by thousands of events).
    codes, uniques = pd.factorize(events["source"].astype("str"))
    counts = np.array([len({p.strip().casefold() for p in str(text).split(SOURCE_SEPARATOR)
                            if p.strip()}) for text in uniques] + [0], dtype=int)
    return pd.Series(counts[codes], index=events.index, dtype=int)


def select_well_sourced(events: pd.DataFrame, minimum: int = 2) -> pd.DataFrame:
    """Events backed by at least ``minimum`` independent sources (the "two or more
    independent sources" filter)."""
    return events[independent_sources(events) >= minimum]


def with_certainty(events: pd.DataFrame, disputes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The events with how sure each one is, for tables: ``sources`` (independent
    publishers), ``links`` (every address) and ``disputed`` (the competing versions, or "").

    >>> ev = pd.DataFrame({"event_id_cnty": ["A", "B"], "source": ["TASS; Reuters", "TASS"],
    ...                    "source_url": ["https://t.ru/1 https://r.com/2", "https://t.ru/3"]})
    >>> d = pd.DataFrame({"event_id_cnty": ["A"], "field": ["event_date"],
    ...                   "value": ["2022-01-02"], "source": ["Kloop"]})
    >>> with_certainty(ev, d)[["sources", "disputed"]].values.tolist()
    [[2, 'event date: 2022-01-02 (Kloop)'], [1, '']]
    """
    versions = pd.Series("", index=events.index, dtype=object)
    if disputes is not None and len(disputes):
        text = (disputes["field"].str.replace("_", " ") + ": " + disputes["value"].astype(str)
                + " (" + disputes["source"] + ")")
        by_event = text.groupby(disputes["event_id_cnty"]).agg("; ".join)
        versions = events["event_id_cnty"].map(by_event).fillna("")
    return events.assign(sources=independent_sources(events),
                         links=events["source_url"].astype(str).str.split(),
                         disputed=versions)
