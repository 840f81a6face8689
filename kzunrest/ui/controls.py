"""Widgets shared by pages, each bound to the URL under its key (DESIGN.md)."""

from __future__ import annotations

import streamlit as st

from kzunrest import select
from kzunrest.dataset import Dataset


def sidebar_filters(ds: Dataset) -> select.Filters:
    """Regions, event types, actors and precision in the sidebar; empty means all."""
    ev = ds.events
    actors = sorted(set(ev["actor1"]) | set(ev["actor2"]) - {""})
    with st.sidebar:
        st.subheader("Filters")
        regions = st.multiselect("Regions", sorted(ds.regions["admin1"]), key="regions",
                                 bind="query-params", placeholder="All 17 regions")
        types = st.multiselect("Event types", list(dict.fromkeys(ds.event_types["event_type"])),
                               key="types", bind="query-params", placeholder="All types")
        chosen_actors = st.multiselect("Actors", actors, key="actors", bind="query-params",
                                       placeholder="All actors")
        precise = st.toggle("Precise locations only", key="precise", bind="query-params",
                            help="Only events placed at the town itself (geo_precision 1).")
    return select.Filters(tuple(regions), tuple(types), tuple(chosen_actors),
                          precise_only=precise)
