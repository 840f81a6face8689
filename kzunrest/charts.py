"""Altair charts over (filtered) event frames; each can mark the selected day with a rule."""

from __future__ import annotations

import datetime as dt

import altair as alt
import numpy as np
import pandas as pd

from kzunrest import select
from kzunrest.i18n import ENGLISH, Text

DAY_FORMAT = "%d %b"


def _day_rule(day: dt.date | None, field: str) -> list[alt.Chart]:
    if day is None:
        return []
    frame = pd.DataFrame({field: [pd.Timestamp(day)]})
    return [alt.Chart(frame).mark_rule(color="#b2182b", strokeWidth=2).encode(
        x=alt.X(f"{field}:T"))]


def _days(events: pd.DataFrame, day: dt.date | None) -> list[str]:
    """Every calendar day the frame spans (and the selected day), as axis labels."""
    dates = events["event_date"]
    lo, hi = dates.min(), dates.max()
    if day is not None:
        lo, hi = min(lo, pd.Timestamp(day)), max(hi, pd.Timestamp(day))
    return [f"{d:{DAY_FORMAT}}" for d in pd.date_range(lo, hi, freq="D")]


def _day_axis(events: pd.DataFrame, day: dt.date | None) -> alt.X:
    """A band per calendar day, so bars and cells have a day's width and no day is skipped."""
    return alt.X("day:O", title=None, scale=alt.Scale(domain=_days(events, day)),
                 axis=alt.Axis(labelAngle=-60, labelOverlap=True))


def _band_rule(day: dt.date | None) -> list[alt.Chart]:
    """The selected day on a day-band axis: a rule through the middle of its band."""
    if day is None:
        return []
    frame = pd.DataFrame({"day": [f"{pd.Timestamp(day):{DAY_FORMAT}}"]})
    return [alt.Chart(frame).mark_rule(color="#b2182b", strokeWidth=2).encode(
        x=alt.X("day:O", bandPosition=0.5))]


def region_day_heatmap(events: pd.DataFrame, day: dt.date | None = None,
        *, text: Text = ENGLISH) -> alt.LayerChart:
    """Events per day by region: a region × day grid, regions ordered by first event."""
    _ = text.gettext
    counts = (events.groupby(["admin1", "event_date"]).size().rename("events").reset_index())
    counts["day"] = counts["event_date"].dt.strftime(DAY_FORMAT)
    order = select.onset_by_region(events).index.tolist()
    base = alt.Chart(counts, title=_("Events per day by region")).mark_rect().encode(
        x=_day_axis(events, day),
        y=alt.Y("admin1:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("events:Q", scale=alt.Scale(scheme="orangered"), title=_("Events")),
        tooltip=[alt.Tooltip("admin1:N", title=_("Region")),
                 alt.Tooltip("event_date:T", title=_("Day"), format="%a %d %b"),
                 alt.Tooltip("events:Q", title=_("Events"))],
    )
    return alt.layer(base, *_band_rule(day))


def types_over_time(events: pd.DataFrame, colors: dict[str, str],
                    day: dt.date | None = None, *, text: Text = ENGLISH) -> alt.LayerChart:
    """Counts by event type per day, stacked, in the map's colours."""
    _ = text.gettext
    counts = (events.groupby(["event_date", "event_type"]).size().rename("events")
              .reset_index())
    counts["day"] = counts["event_date"].dt.strftime(DAY_FORMAT)
    present = [t for t in colors if t in set(counts["event_type"])]
    base = alt.Chart(counts, title=_("Events by type over time")).mark_bar().encode(
        x=_day_axis(events, day),
        y=alt.Y("events:Q", title=_("Events")),
        color=alt.Color("event_type:N", title=_("Type"),
                        scale=alt.Scale(domain=present, range=[colors[t] for t in present])),
        tooltip=[alt.Tooltip("event_date:T", title=_("Day"), format="%a %d %b"),
                 alt.Tooltip("event_type:N", title=_("Type")),
                 alt.Tooltip("events:Q", title=_("Events"))],
    )
    return alt.layer(base, *_band_rule(day))


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (arrays or scalars)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def spread_table(events: pd.DataFrame) -> pd.DataFrame:
    """Each region's first day and its distance from where the unrest began.

    The origin is the earliest event in the frame (Zhanaozen in the bundled data); the
    distance is to the region's first event.
    """
    if events.empty:
        return pd.DataFrame(columns=["admin1", "first_day", "location", "distance_km"])
    ordered = events.sort_values(["event_date", "event_time"], na_position="last")
    origin = ordered.iloc[0]
    first = ordered.drop_duplicates("admin1")
    return pd.DataFrame({
        "admin1": first["admin1"].to_numpy(),
        "first_day": first["event_date"].to_numpy(),
        "location": first["location"].to_numpy(),
        "distance_km": haversine_km(origin["latitude"], origin["longitude"],
                                    first["latitude"].to_numpy(),
                                    first["longitude"].to_numpy()).round(0),
    })


def spread_curve(events: pd.DataFrame, day: dt.date | None = None,
                 *, text: Text = ENGLISH) -> alt.LayerChart:
    """Each region's first event, a row per region in the order the unrest reached them.

    Region names sit on the axis (one per row, never on top of each other, however many
    regions are selected), each with the distance of its first event from the origin (the
    selection's earliest event); the day axis spans the selection's days, so one region is a
    dot on a calendar, not on an axis of zero width.
    """
    _ = text.gettext
    table = spread_table(events)
    # The origin is spread_table's: its first row is the earliest event (by date and time).
    origin = table["location"].iloc[0] if len(table) else ""
    table["label"] = [f"{r} ({text.number(round(d))} km)"
                      for r, d in zip(table["admin1"], table["distance_km"], strict=True)]
    lo, hi = events["event_date"].min(), events["event_date"].max()
    if day is not None:
        lo, hi = min(lo, pd.Timestamp(day)), max(hi, pd.Timestamp(day))
    domain = [(lo - pd.Timedelta(days=1)).isoformat(), (hi + pd.Timedelta(days=1)).isoformat()]
    title = alt.TitleParams(
        _("Spread: the first event in each region"),
        subtitle=[_("Regions in the order the unrest reached them; in brackets, how far that "
                    "first event was from {origin},").format(origin=origin),
                  _("where the earliest event of the selection took place.")])
    base = alt.Chart(table, title=title)
    points = base.mark_circle(size=90, color="#b2182b", opacity=1).encode(
        x=alt.X("first_day:T", title=_("First event"), scale=alt.Scale(domain=domain),
                axis=alt.Axis(format="%d %b", tickCount={"interval": "day", "step": 1},
                              labelAngle=-60, labelOverlap=True)),
        y=alt.Y("label:N", sort=alt.EncodingSortField("first_day", order="ascending"),
                title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("admin1:N", title=_("Region")),
                 alt.Tooltip("first_day:T", title=_("First event"), format="%a %d %b"),
                 alt.Tooltip("location:N", title=_("Where")),
                 alt.Tooltip("distance_km:Q", title=_("km from {origin}").format(origin=origin),
                             format=",.0f")],
    )
    # A faint line from the selection's first day to each region's: the lag reads as length.
    table["start"] = lo
    stems = base.mark_rule(color="#e0a0a0").encode(
        x=alt.X("start:T"), x2="first_day:T",
        y=alt.Y("label:N", sort=alt.EncodingSortField("first_day", order="ascending")))
    return alt.layer(stems, points, *_day_rule(day, "first_day"))


def fatalities_by_region(events: pd.DataFrame, *, text: Text = ENGLISH) -> alt.Chart:
    """Deaths per region, summed over the events whose sources give a number.

    The title says what is added up; the subtitle what is left out (events of unknown toll)
    and what is in (the rows that carry a region's published total, time precision 3, count
    only the deaths no incident row already counts: data/README.md, "Deaths: how the rows add
    up"). Not the official national total: the page shows that beside the chart.
    """
    _ = text.gettext
    known = events.dropna(subset=["fatalities"])
    unknown = len(events) - len(known)
    totals = int((known["time_precision"] == 3).sum())
    sums = (known.groupby("admin1")["fatalities"].sum().astype(int).rename("deaths")
            .reset_index())
    title = alt.TitleParams(
        _("Deaths in events with a published toll, by region"),
        subtitle=[_("Sum over {n} events; {unknown} events of unknown toll are left out.")
                  .format(n=text.number(len(known)), unknown=text.number(unknown)),
                  _("Includes {n} region total row(s) (time precision 3), which add only the "
                    "deaths no single event counts.").format(n=text.number(totals))])
    return alt.Chart(sums, title=title).mark_bar(color="#b2182b").encode(
        x=alt.X("deaths:Q", title=_("Deaths (sum of the events' published tolls)")),
        y=alt.Y("admin1:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        tooltip=[alt.Tooltip("admin1:N", title=_("Region")),
                 alt.Tooltip("deaths:Q", title=_("Deaths"))],
    )


def contingents_gantt(contingents: pd.DataFrame, day: dt.date | None = None,
        *, text: Text = ENGLISH) -> alt.LayerChart:
    """Who was in the country when: one bar per contingent from arrival to departure."""
    _ = text.gettext
    frame = contingents.assign(
        shown_from=select.arrival_shown(contingents),
        # Bars end at the end of the departure day.
        until=contingents["departure_date"] + pd.Timedelta(days=1),
        people=select.personnel_text(contingents["personnel"], _(select.NOT_PUBLISHED)),
    )[["country", "shown_from", "until", "people", "personnel_note"]]
    base = alt.Chart(frame, title=_("CSTO contingents in Kazakhstan")).mark_bar(
        color="#D55E00", cornerRadius=3).encode(
        x=alt.X("shown_from:T", title=None, axis=alt.Axis(format="%d %b")),
        x2="until:T",
        y=alt.Y("country:N", sort=alt.EncodingSortField("shown_from"), title=None),
        tooltip=[alt.Tooltip("country:N"),
                 alt.Tooltip("shown_from:T", title=_("From"), format="%d %b"),
                 alt.Tooltip("until:T", title=_("Until (exclusive)"), format="%d %b"),
                 alt.Tooltip("people:N", title=_("Personnel (lowest published)"))],
    )
    return alt.layer(base, *_day_rule(day, "shown_from"))
