"""Widgets shared by pages, each bound to the URL under its key (docs/DESIGN.md)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kzunrest import select
from kzunrest.dataset import Dataset
from kzunrest.ui import state

# The sidebar's widgets bound to the URL: drawn on every page, so Streamlit carries their
# parameters from page to page itself.
BOUND_EVERYWHERE = (state.REGIONS, state.TYPES, state.SUBTYPES, state.ACTORS, state.DATES,
                    state.PRECISE, state.SOURCES2)


def sidebar_filters(ds: Dataset, note: str | None = None) -> select.Filters:
    """Regions, types, sub-types, actors, dates, precision and sourcing in the sidebar;
    empty = all. ``note``: what this page does not filter, shown under the heading.

    The result is kept for the pages of this run (see :func:`current_filters`).
    """
    from kzunrest.ui.data import actor_options, dataset_token

    actors = actor_options(ds, dataset_token(ds))
    with st.sidebar:
        st.subheader("Filters")
        if note:
            st.info(note, icon=":material/filter_alt_off:")
        regions = st.multiselect("Regions", sorted(ds.regions["admin1"]), key=state.REGIONS,
                                 bind="query-params", placeholder=f"All {len(ds.regions)} regions")
        types = st.multiselect("Event types", list(dict.fromkeys(ds.event_types["event_type"])),
                               key=state.TYPES, bind="query-params", placeholder="All types")
        sub_options = ds.event_types[ds.event_types["event_type"].isin(types or
                                                                        ds.event_types[
                                                                            "event_type"])]
        subtypes = st.multiselect("Sub-types", list(dict.fromkeys(sub_options["sub_event_type"])),
                                  key=state.SUBTYPES, bind="query-params",
                                  placeholder="All sub-types")
        chosen_actors = st.multiselect("Actors", actors, key=state.ACTORS, bind="query-params",
                                       placeholder="All actors")
        start, end = st.slider("Dates", min_value=ds.first_day, max_value=ds.last_day,
                               value=(ds.first_day, ds.last_day), step=dt.timedelta(days=1),
                               format="D MMM", key=state.DATES, bind="query-params")
        precise = st.toggle("Precise locations only", key=state.PRECISE, bind="query-params",
                            help="Only events placed at the town itself (geo_precision 1).")
        well_sourced = st.toggle(
            "Two or more independent sources", key=state.SOURCES2, bind="query-params",
            help="Only events whose source names at least two different publishers "
                 "(several names in the source column, separated by ;).")
    filters = select.Filters(tuple(regions), tuple(types), tuple(subtypes), tuple(chosen_actors),
                             start if start != ds.first_day else None,
                             end if end != ds.last_day else None, precise, well_sourced)
    st.session_state[state.FILTERS] = filters
    return filters


def current_filters() -> select.Filters:
    """The filters read by the sidebar in this run."""
    return st.session_state.get(state.FILTERS, select.Filters())
