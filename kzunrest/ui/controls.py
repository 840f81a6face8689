"""Widgets shared by pages, each bound to the URL under its key (docs/DESIGN.md)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kzunrest import select
from kzunrest.dataset import Dataset
from kzunrest.ui import lang, state

# Streamlit formats a date slider's value in the browser with English month names; digits
# read the same in every language.
DATE_FORMAT = {"en": "D MMM"}
DATE_FORMAT_OTHER = "DD.MM"

# The sidebar's widgets bound to the URL: drawn on every page, so Streamlit carries their
# parameters from page to page itself.
BOUND_EVERYWHERE = (state.LANG, state.PLACE, state.REGIONS, state.TYPES, state.SUBTYPES,
                    state.ACTORS, state.DATES, state.PRECISE, state.SOURCES2)


def sidebar_filters(ds: Dataset, note: str | None = None) -> select.Filters:
    """A place search, regions, types, sub-types, actors, dates, precision and sourcing in the
    sidebar; empty = all. ``note``: what this page does not filter, shown under the heading
    (an English message id, translated here).

    The result is kept for the pages of this run (see :func:`current_filters`).
    """
    from kzunrest.ui.data import actor_options, dataset_token, filter_options

    text = lang.text()
    _ = text.gettext
    token = dataset_token(ds)
    actors, options = actor_options(ds, token), filter_options(ds, token)
    with st.sidebar:
        st.subheader(_("Filters"))
        if note:
            st.info(_(note), icon=":material/filter_alt_off:")
        query = st.text_input(_("Find a place"), key=state.PLACE, bind="query-params",
                              placeholder=_("Town, in any language: Uralsk, Орал, Уральск"),
                              help=_("Keeps the events in places whose English, Kazakh or "
                                     "Russian name contains this text."))
        locations = None
        if query.strip():
            names = lang.names(ds)
            locations = names.match_places(query, ds.events["location"])
            if locations:
                st.caption(_("Places found: {places}").format(
                    places=", ".join(names.place(p, text.lang) for p in locations)))
            else:
                st.caption(_("No place matches “{query}”.").format(query=query.strip()))
        regions = st.multiselect(_("Regions"), options.regions, key=state.REGIONS,
                                 bind="query-params",
                                 placeholder=_("All {n} regions").format(n=len(ds.regions)))
        types = st.multiselect(_("Event types"), options.types,
                               key=state.TYPES, bind="query-params", placeholder=_("All types"))
        subtypes = st.multiselect(_("Sub-types"), options.subtypes_of(types),
                                  key=state.SUBTYPES, bind="query-params",
                                  placeholder=_("All sub-types"))
        chosen_actors = st.multiselect(_("Actors"), actors, key=state.ACTORS,
                                       bind="query-params", placeholder=_("All actors"))
        start, end = st.slider(_("Dates"), min_value=ds.first_day, max_value=ds.last_day,
                               value=(ds.first_day, ds.last_day), step=dt.timedelta(days=1),
                               format=DATE_FORMAT.get(text.lang, DATE_FORMAT_OTHER),
                               key=state.DATES, bind="query-params")
        precise = st.toggle(_("Precise locations only"), key=state.PRECISE,
                            bind="query-params",
                            help=_("Only events placed at the town itself (geo_precision 1)."))
        well_sourced = st.toggle(
            _("Two or more independent sources"), key=state.SOURCES2, bind="query-params",
            help=_("Only events whose source names at least two different publishers "
                   "(several names in the source column, separated by ;)."))
        if text.lang != "en":
            st.caption(_("Regions, types and actors are listed under the data's own (English) "
                         "names, which links use."))
    filters = select.Filters(tuple(regions), tuple(types), tuple(subtypes), tuple(chosen_actors),
                             start if start != ds.first_day else None,
                             end if end != ds.last_day else None, precise, locations,
                             well_sourced)
    st.session_state[state.FILTERS] = filters
    return filters


def current_filters() -> select.Filters:
    """The filters read by the sidebar in this run."""
    return st.session_state.get(state.FILTERS, select.Filters())
