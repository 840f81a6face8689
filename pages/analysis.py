"""Analysis: key numbers, linked charts, the events table with sources, downloads."""

import streamlit as st

from kzunrest import charts, select
from kzunrest.ui import controls, data, events_table, frame, state
from kzunrest.vocab import type_colors

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

ds = data.current_dataset()
events = data.filtered_events(ds, data.dataset_token(ds), controls.current_filters())
day = st.session_state.get(state.DAY)

st.title("Analysis")
numbers = select.key_numbers(events)
cols = st.columns(5)
cols[0].metric("Events", numbers["events"])
cols[1].metric("Regions", f"{numbers['regions']} of {len(ds.regions)}")
cols[2].metric("Localities", numbers["localities"])
cols[3].metric("Days", numbers["days"], help=f"{numbers['first']} to {numbers['last']}")
cols[4].metric("Deaths in events", numbers["deaths_in_events"],
               help=f"Sum over the {numbers['events_with_toll']} events whose source gives a "
                    "number; the official totals are on the Map page.")
if events.empty:
    st.warning("No event matches the filters in the sidebar.")
    st.stop()

left, right = st.columns(2)
left.altair_chart(charts.region_day_heatmap(events, day), key="chart_heatmap")
right.altair_chart(charts.types_over_time(events, type_colors(ds.event_types), day),
                   key="chart_types")
left.altair_chart(charts.spread_curve(events, day), key="chart_spread")
right.altair_chart(charts.fatalities_by_region(events), key="chart_fatalities")
if day is not None:
    st.caption(f"The red rule marks the day selected on the map: {day:%a %d %b}. "
               "Charts export as PNG or SVG from their ⋯ menu.")

st.subheader("Events")
events_table.render(events, ds.disputes)
events_table.downloads(events)
