"""Widgets shared by pages, each bound to the URL under its key (docs/DESIGN.md)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kzunrest import select
from kzunrest.dataset import Dataset

FIRST_DAY = dt.date(2022, 1, 1)
LAST_DAY = dt.date(2022, 1, 25)


def sidebar_filters(ds: Dataset) -> select.Filters:
    """Regions, types, sub-types, actors, dates and precision in the sidebar; empty = all.

    The result is kept for the pages of this run (see :func:`current_filters`).
    """
    from kzunrest.ui.data import actor_options, dataset_token

    actors = actor_options(ds, dataset_token(ds))
    with st.sidebar:
        st.subheader("Filters")
        regions = st.multiselect("Regions", sorted(ds.regions["admin1"]), key="regions",
                                 bind="query-params", placeholder="All 17 regions")
        types = st.multiselect("Event types", list(dict.fromkeys(ds.event_types["event_type"])),
                               key="types", bind="query-params", placeholder="All types")
        sub_options = ds.event_types[ds.event_types["event_type"].isin(types or
                                                                        ds.event_types[
                                                                            "event_type"])]
        subtypes = st.multiselect("Sub-types", list(dict.fromkeys(sub_options["sub_event_type"])),
                                  key="subtypes", bind="query-params", placeholder="All sub-types")
        chosen_actors = st.multiselect("Actors", actors, key="actors", bind="query-params",
                                       placeholder="All actors")
        start, end = st.slider("Dates", min_value=FIRST_DAY, max_value=LAST_DAY,
                               value=(FIRST_DAY, LAST_DAY), step=dt.timedelta(days=1),
                               format="D MMM", key="dates", bind="query-params")
        precise = st.toggle("Precise locations only", key="precise", bind="query-params",
                            help="Only events placed at the town itself (geo_precision 1).")
    filters = select.Filters(tuple(regions), tuple(types), tuple(subtypes), tuple(chosen_actors),
                             start if start != FIRST_DAY else None,
                             end if end != LAST_DAY else None, precise)
    st.session_state["_filters"] = filters
    return filters


def current_filters() -> select.Filters:
    """The filters read by the sidebar in this run."""
    return st.session_state.get("_filters", select.Filters())


def apply_map_selection() -> None:
    """Clicking the map: a region filters to it; an event opens its card (callback)."""
    state = st.session_state.get("map")
    objects = (state or {}).get("selection", {}).get("objects", {}) if state else {}
    for layer_id in ("events", "events-trail", "events-highlight"):
        if objects.get(layer_id):
            st.session_state["_event_card"] = objects[layer_id][0].get("event_id_cnty")
            return
    for layer_id in ("spread", "emergency", "regions"):
        if objects.get(layer_id):
            admin1 = objects[layer_id][0].get("admin1") or objects[layer_id][0].get(
                "properties", {}).get("admin1")
            if admin1 and st.session_state.get("regions") != [admin1]:
                st.session_state["regions"] = [admin1]
                st.session_state["_app_rerun"] = True  # the sidebar is outside the map fragment
            return
