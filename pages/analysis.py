"""Analysis: key numbers, linked charts, the events table with sources, downloads."""

import streamlit as st

from kzunrest import charts, select
from kzunrest.ui import controls, data, events_table, frame, lang, state
from kzunrest.ui.text import link, md
from kzunrest.vocab import type_colors

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

ds = data.current_dataset()
events = data.filtered_events(ds, data.dataset_token(ds), controls.current_filters())
day = st.session_state.get(state.DAY)

text = lang.text()
_ = text.gettext
st.title(_("Analysis"))
numbers = select.key_numbers(events)
cols = st.columns(5)
cols[0].metric(_("Events"), numbers["events"])
cols[1].metric(_("Regions"), _("{n} of {total}").format(n=numbers["regions"],
                                                        total=len(ds.regions)))
cols[2].metric(_("Localities"), numbers["localities"])
cols[3].metric(_("Days"), numbers["days"],
               help=_("{first} to {last}").format(first=numbers["first"], last=numbers["last"]))
cols[4].metric(_("Deaths in events"), numbers["deaths_in_events"],
               help=_("Sum over the {n} events whose source gives a number; {unknown} events "
                      "of unknown toll are left out. The official national total is under the "
                      "deaths chart.").format(
                   n=numbers["events_with_toll"],
                   unknown=numbers["events"] - numbers["events_with_toll"]))
if events.empty:
    st.warning(_("No event matches the filters in the sidebar."))
    st.stop()

left, right = st.columns(2)
left.altair_chart(charts.region_day_heatmap(events, day, text=text), key="chart_heatmap")
right.altair_chart(charts.types_over_time(events, type_colors(ds.event_types), day, text=text),
                   key="chart_types")
left.altair_chart(charts.spread_curve(events, day, text=text), key="chart_spread")
with right:
    st.altair_chart(charts.fatalities_by_region(events, text=text), key="chart_fatalities")
    official = select.official_total(ds.figures, "deaths")
    if official is not None:
        sources = " ".join(link(_("source {n}").format(n=i + 1), u)
                           for i, u in enumerate(official["source_url"].split()))
        st.caption(_(
            "Official national toll: {value} ({by}, {date}; {sources}). The chart adds up the "
            "events' own tolls, so deaths that no source places in a region, and events of "
            "unknown toll, are not in it.").format(
            value=f"**{text.number(official['value'])}**", by=md(official["announced_by"]),
            date=text.date(official["announced_date"], "long"), sources=sources))
if day is not None:
    st.caption(_("The red rule marks the day selected on the map: {day}. Charts export as PNG "
                 "or SVG from their ⋯ menu.").format(day=text.date(day, "weekday_short")))

st.subheader(_("Events"))
events_table.render(events, ds.disputes, names=lang.names(ds))
events_table.downloads(events)
