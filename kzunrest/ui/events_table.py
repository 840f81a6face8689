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
    "fatalities": st.column_config.NumberColumn(
        "Deaths", help="\"not published\": no source gives a number (unknown, not zero)"),
    "notes": st.column_config.TextColumn("What happened", width="large"),
    "source": st.column_config.TextColumn("Source"),
    "source_url": st.column_config.LinkColumn("Link", display_text="open"),
    "geo_precision": st.column_config.NumberColumn("Geo precision",
                                                   help="1 town, 2 near/part, 3 region"),
    "event_id_cnty": st.column_config.TextColumn("Id"),
}


# pandas' Styler renders every cell: beyond this many, unknown tolls are written as text.
STYLED_CELLS = 200_000


def shown(events: pd.DataFrame, columns: list[str]):
    """The table as a reader sees it: an unknown toll reads "not published", never "None".

    Up to STYLED_CELLS cells the numbers stay numbers (they sort as numbers) and only their
    display says "not published"; a larger frame gets a text column instead.
    """
    frame = events[columns]
    if "fatalities" not in columns:
        return frame
    if frame.size <= STYLED_CELLS:
        return frame.style.format(na_rep=select.NOT_PUBLISHED, subset=["fatalities"])
    return frame.assign(fatalities=frame["fatalities"].map(
        lambda n: select.NOT_PUBLISHED if pd.isna(n) else str(int(n))))


def render(events: pd.DataFrame, key: str = "events_table") -> None:
    st.caption("Search with the table's toolbar, sort by clicking a header; select rows to "
               "ring those events on the map.")
    table = st.dataframe(shown(events, list(COLUMNS)), column_config=COLUMNS, hide_index=True,
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
