"""The events table with links to sources; selected rows are highlighted on the map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kzunrest import select
from kzunrest.exports import events_csv, events_geojson
from kzunrest.ui import state

COLUMNS = {
    "event_date": st.column_config.DateColumn("Date", format="ddd D MMM"),
    "event_time": st.column_config.TextColumn("Time"),
    "admin1": st.column_config.TextColumn("Region"),
    "location": st.column_config.TextColumn("Place"),
    "event_type": st.column_config.TextColumn("Type"),
    "sub_event_type": st.column_config.TextColumn("Sub-type"),
    "actor1": st.column_config.TextColumn("Actor 1"),
    "actor2": st.column_config.TextColumn("Actor 2"),
    "fatalities": st.column_config.NumberColumn("Deaths",
                                                help="Blank: no source gives a number"),
    "notes": st.column_config.TextColumn("What happened", width="large"),
    "source": st.column_config.TextColumn("Source"),
    "source_url": st.column_config.LinkColumn("Link", display_text="open",
                                              help="The first source's address; Links has all"),
}
# How sure each event is (select.with_certainty): on the Analysis page's table.
CERTAINTY = {
    "sources": st.column_config.NumberColumn("Sources", help="Independent publishers cited"),
    "links": st.column_config.ListColumn("Links", help="Every source's address"),
    "disputed": st.column_config.TextColumn(
        "Disputed", width="medium", help="Competing versions from other sources; the row "
                                         "keeps the dataset's version"),
    "geo_precision": st.column_config.NumberColumn("Geo precision",
                                                   help="1 town, 2 near/part, 3 region"),
    "time_precision": st.column_config.NumberColumn(
        "Date precision", help="1 the day, 2 within a few days, 3 only a span"),
    "event_date_end": st.column_config.DateColumn("Until", format="D MMM",
                                                  help="Last day of an event known only "
                                                       "to a span of days"),
    "event_id_cnty": st.column_config.TextColumn("Id"),
}


def render(events: pd.DataFrame, disputes: pd.DataFrame | None = None,
           key: str = "events_table") -> None:
    st.caption("Search with the table's toolbar, sort by clicking a header; select rows to "
               "ring those events on the map. Notes are in English.")
    shown = select.with_certainty(events, disputes)
    columns = {**COLUMNS, **{k: v for k, v in CERTAINTY.items() if k in shown}}
    table = st.dataframe(shown[list(columns)], column_config=columns, hide_index=True,
                         on_select="rerun", selection_mode="multi-row", key=key)
    rows = table.selection.rows if table else []
    st.session_state[state.HIGHLIGHT] = events.iloc[rows]["event_id_cnty"].tolist()
    if rows:
        st.info(f"{len(rows)} selected: ringed on the Map page.")


def downloads(events: pd.DataFrame) -> None:
    c1, c2 = st.columns(2)
    c1.download_button("Download CSV", lambda: events_csv(events),
                       file_name="kzunrest-events.csv",
                       mime="text/csv", key="download_csv", icon=":material/download:",
                       on_click="ignore",
                       help="Our schema; cells that start with = + - @ get a leading ' so a "
                            "spreadsheet does not run them as formulas.")
    c2.download_button("Download GeoJSON", lambda: events_geojson(events),
                       file_name="kzunrest-events.geojson", mime="application/geo+json",
                       key="download_geojson", icon=":material/download:", on_click="ignore")
