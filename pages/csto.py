"""CSTO deployment: the contingents, who was in the country when, their arcs on a day."""

import datetime as dt

import streamlit as st

from kzunrest import charts, select
from kzunrest.ui import data, frame, map_view, state
from kzunrest.ui.text import link, md

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

ds = data.current_dataset()
st.title("CSTO deployment")
st.caption("Troops of Russia, Belarus, Armenia, Tajikistan and Kyrgyzstan, sent at "
           "Kazakhstan's request on the night of 5 to 6 January 2022.")

# Opens on the map's day, else on the first day the most contingents were in the country.
opening = st.session_state.get(state.DAY) or select.busiest_contingent_day(ds.contingents,
                                                                        ds.days())
day = st.slider("Day", min_value=ds.first_day, max_value=ds.last_day,
                value=opening or ds.default_day,
                step=dt.timedelta(days=1), format="ddd D MMM YYYY", key=state.CSTO_DAY)
st.altair_chart(charts.contingents_gantt(ds.contingents, day), key="chart_gantt")

left, right = st.columns([3, 2])
with left:
    # The camera frames the airlift: every contingent's home and destination, and the regions.
    x0, y0, x1, y1 = ds.regions.total_bounds
    lons = [x0, x1, *ds.contingents["origin_lon"], *ds.contingents["destination_lon"]]
    lats = [y0, y1, *ds.contingents["origin_lat"], *ds.contingents["destination_lat"]]
    map_view.fixed_map(ds, key="csto_map", day=day, shown=["csto-arcs", "csto-sites"],
                       basemap=map_view.current_basemap(),
                       fit=[min(lons), min(lats), max(lons), max(lats)],
                       seq=(day - ds.first_day).days, height="480px")
with right:
    here = select.contingents_on(ds.contingents, day)
    st.markdown(f"**{day:%A %d %B}: {len(here)} contingent(s) in the country**")
    for _, c in here.iterrows():
        st.markdown(f"- {md(c['country'])} ({md(c['phase'])})")
    sites = select.sites_on(ds.sites, ds.contingents, day)
    st.markdown(f"**Sites guarded: {len(sites)}**")
    for _, s in sites.iterrows():
        st.markdown(f"- {md(s['name'])}: {md(s['contingent'])}")

st.subheader("Contingents")
people = select.csto_personnel(ds.contingents)
if people["published"] or people["not_published"]:
    known = ", ".join(f"{md(c)} {n:,}" for c, n in people["published"].items())
    missing = ", ".join(md(c) for c in people["not_published"])
    text = f"Personnel published per contingent: {known or 'none'}"
    if missing:
        text += f"; not published for {missing}, so these figures do not add up to the force"
    st.markdown(text + ".")
    for sentence, urls in people["whole_force"]:
        sources = " ".join(link(f"source {i + 1}", u) for i, u in enumerate(urls))
        st.markdown(f"The whole force, as announced: {md(sentence)} ({sources})")
# Blank headcounts and dates are unknown, never zero or "None": the table says so in words.
cont = ds.contingents
table = cont.assign(source_urls=cont["source_url"].str.split(),
                    personnel=select.personnel_text(cont["personnel"]),
                    left_home_date=select.day_text(cont["left_home_date"]),
                    arrival_date=select.day_text(cont["arrival_date"]),
                    departure_date=select.day_text(cont["departure_date"]))
st.dataframe(
    table[["country", "personnel", "personnel_note", "units", "origin_name", "destination_name",
           "left_home_date", "arrival_date", "departure_date", "tasks", "source_urls"]],
    hide_index=True, key="contingents_table",
    column_config={
        "country": "Country",
        "personnel": st.column_config.TextColumn(
            "Personnel", help="Lowest published figure; \"not published\" where no official "
                              "headcount was given"),
        "personnel_note": st.column_config.TextColumn("Every published figure", width="large"),
        "units": st.column_config.TextColumn("Units", width="medium"),
        "origin_name": "From", "destination_name": "To",
        "left_home_date": st.column_config.TextColumn(
            "Left home", help="Reported only where the landing was not"),
        "arrival_date": st.column_config.TextColumn("Arrived"),
        "departure_date": st.column_config.TextColumn("Left"),
        "tasks": st.column_config.TextColumn("Tasks", width="large"),
        "source_urls": st.column_config.ListColumn("Sources"),
    },
)
st.subheader("Sites")
st.dataframe(
    ds.sites.assign(source_urls=ds.sites["source_url"].str.split(),
                    start_date=select.day_text(ds.sites["start_date"], "with its contingent"),
                    end_date=select.day_text(ds.sites["end_date"], "with its contingent"),
                    ).drop(columns=["source_url"]),
    hide_index=True, key="sites_table",
    column_config={"start_date": st.column_config.TextColumn("From"),
                   "end_date": st.column_config.TextColumn("Until"),
                   "source_urls": st.column_config.ListColumn("Sources")},
)
st.caption("Sites dated \"with its contingent\" are shown on the map while their contingent "
           "(or, if none is named, the mission) was in the country. Positions marked precision "
           "2 or 3 are the city's, not the site's.")
