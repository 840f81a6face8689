"""Cached access to the dataset in force for this session."""

from __future__ import annotations

import dataclasses
import json
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from kzunrest import dataset_cache, i18n, layers, map_spec, select
from kzunrest.dataset import Dataset
from kzunrest.dataset_cache import load_dataset
from kzunrest.errors import DataError
from kzunrest.names import read_names
from kzunrest.settings import data_dir
from kzunrest.ui import state


@st.cache_resource(show_spinner=False)
def _bundled(folder: str) -> Dataset:
    # A shared read-only object: every session reads the same frames and none mutates them,
    # so one copy serves all viewers (st.cache_data would copy a million rows per access).
    # Through the disk cache: a restart or another replica reads the checked frames.
    return load_dataset(folder)


def current_dataset() -> Dataset:
    """The dataset of this session: an analyst's upload if any, else the bundled one."""
    uploaded = st.session_state.get(state.UPLOADED_DATASET)
    return uploaded if uploaded is not None else bundled_dataset()


def bundled_dataset() -> Dataset:
    """The dataset folder's own data. A broken folder stops the page with its problems
    listed, not a traceback."""
    try:
        return _bundled(str(data_dir()))
    except DataError as err:
        from kzunrest.ui.lang import gettext

        _ = gettext()
        st.error(_("The dataset folder {folder} cannot be used: {n} problem(s).").format(
            folder=data_dir(), n=len(err.problems)))
        st.dataframe([p.as_dict() for p in err.problems])
        st.stop()


# Streamlit's caches hash every argument on every call: a Filters went through
# dataclasses.asdict and a hash per field (about 0.3 ms a call, several calls a rerun); its
# repr names every field in one string. The dataset itself is never hashed (``_ds``): its
# token stands for it.
FAST_KEYS = {select.Filters: repr}


def dataset_token(ds: Dataset) -> str:
    """Identifies the dataset's events for caches keyed on it."""
    return st.session_state.get(state.UPLOADED_TOKEN, str(ds.folder))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=FAST_KEYS)
def map_files(_ds: Dataset, token: str, filters: select.Filters) -> layers.MapFiles:
    """Static files for the map, written once per dataset and filter set; their names are
    kept in the dataset's cache entry, so a restart reuses the files already on disk."""
    def build() -> dict:
        # map_events are rows of _ds.events: rows built for other filter sets are reused.
        return dataclasses.asdict(layers.build_map_files(_ds, map_events(_ds, token, filters),
                                                         reuse_rows=True))

    def on_disk(files: dict) -> bool:
        return all(layers.published(url) for name, url in files.items()
                   if name != "onset_legend" and url)

    files = dataset_cache.disk_memo(_ds, f"map_files {filters!r} {layers.STATIC_DIR}", build,
                                    on_disk)
    return layers.MapFiles(**{**files, "onset_legend": tuple(
        tuple(item) for item in files["onset_legend"])})


class MapSpec(NamedTuple):
    """A map as the component receives it: the spec, and the same spec and the component's
    words as JSON text (encoded once here, not by every rerun that sends them)."""

    spec: dict  # map_spec.build_map_spec's (shared, read-only)
    json: str  # ``spec`` as JSON, with the dataset's own camera
    text: dict  # the component's words in the viewer's language; {} for English
    text_json: str  # ``text`` as JSON


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=FAST_KEYS)
def map_spec_for(_ds: Dataset, token: str, filters: select.Filters, shown: tuple[str, ...],
                 basemap: str, highlight: tuple[str, ...], lang: str = "en") -> MapSpec:
    """The map the browser plays over the dataset's calendar, built once per dataset,
    filters, layers, basemap and language (the caller sets the camera, which is not part of
    the key). Shared and read-only, like the frames: callers build a new dict rather than
    change it (st.cache_data unpickled a copy of it on every rerun)."""
    from kzunrest.ui.map_text import component_text

    events = map_events(_ds, token, filters)
    picked = _ds.events[_ds.events["event_id_cnty"].isin(highlight)] if highlight else None
    names = read_names(_ds.folder)
    spec = map_spec.build_map_spec(_ds, map_files(_ds, token, filters), events,
                                   shown=list(shown), basemap=basemap,
                                   view=layers.view_state(**_ds.initial_view.__dict__),
                                   first=_ds.first_day, last=_ds.last_day, highlight=picked,
                                   text=i18n.Text(lang), names=names)
    # English needs no words: the component's own are English, and the message stays small.
    text = {} if lang == "en" else component_text(
        spec, i18n.Text(lang), names, list(dict.fromkeys(_ds.event_types["event_type"])))
    return MapSpec(spec, json.dumps(spec), text, json.dumps(text))


@st.cache_data(show_spinner=False, max_entries=512)
def csto_rows(_ds: Dataset, token: str, day) -> tuple[list[dict], list[dict]]:
    """The day's CSTO arc and site rows (a play-through asks for each day again and again)."""
    return (layers.csto_arc_rows(_ds.contingents, day),
            layers.csto_site_rows(_ds.sites, _ds.contingents, day))


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=FAST_KEYS)
def day_index(_ds: Dataset, token: str, filters: select.Filters) -> dict:
    """Per dataset and filters, once: each day's counts and the positions of its events in
    ``map_events`` (a rerun on a new day looks them up instead of scanning every event:
    at 10^6 events a scan per rerun cost most of it). Shared and read-only, like the frame."""
    events = map_events(_ds, token, filters)
    days = _ds.days()
    return {"counts": select.timeline_by_day(events, days),
            "rows": {ts.date(): rows for ts, rows in
                     events.groupby("event_date", sort=False).indices.items()}}


def day_rows(_ds: Dataset, token: str, filters: select.Filters, day,
             limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` filtered events of ``day`` (through the per-day index) and how many
    there are: taking only the rows shown matters, 50,000 rows of a day cost most of a rerun."""
    rows = day_index(_ds, token, filters)["rows"].get(day)
    if rows is None:
        return _ds.events.iloc[:0], 0
    # Every column of only the rows shown, from the dataset's own frame.
    return _ds.events.iloc[filtered_positions(_ds, token, filters)[rows[:limit]]], len(rows)


@st.cache_data(show_spinner=False, max_entries=8)
def spread_line(_ds: Dataset, token: str, lang: str) -> str:
    """The header's sentence about the spread, in ``lang`` (it sorts every event: once per
    dataset and language)."""
    names = read_names(_ds.folder)
    return select.spread_sentence(_ds.events, len(_ds.regions), getattr(_ds, "disputes", None),
                                  text=i18n.Text(lang), place=lambda p: names.place(p, lang))


@st.cache_resource(show_spinner=False, max_entries=512, hash_funcs=FAST_KEYS)
def day_panel(_ds: Dataset, token: str, filters: select.Filters, day) -> dict:
    """What "On this day" shows, once per dataset, filters and day (shared, read-only):
    only the counts depend on the filters, the rest comes from :func:`day_context`."""
    counts = day_index(_ds, token, filters)["counts"].get(day)
    if counts is None:  # a day outside the calendar
        counts = select.events_timeline(map_events(_ds, token, filters), day)
    return {"counts": counts, **day_context(_ds, token, day)}


@st.cache_resource(show_spinner=False, max_entries=128)
def day_context(_ds: Dataset, token: str, day) -> dict:
    """The CSTO contingents in the country, the day's milestones and the official figures
    known by ``day``: the same for every filter set, so a new filter set does not compute
    them again (they cost most of its "On this day"). Shared and read-only."""
    return {
        "contingents": select.contingents_on(_ds.contingents, day),
        "milestones": _ds.milestones[_ds.milestones["date"] == pd.Timestamp(day)],
        "figures": select.figures_known(_ds.figures, day),
    }


@st.cache_resource(show_spinner=False, max_entries=8)
def actor_options(_ds: Dataset, token: str) -> list[str]:
    """Every actor named in the events, for the sidebar filter (shared, read-only: a
    multiselect copies its options)."""
    ev = _ds.events
    # unique() first: a Python set of 2 million Arrow strings took seconds at 10^6 events.
    return sorted((set(ev["actor1"].unique()) | set(ev["actor2"].unique())) - {""})


class FilterOptions(NamedTuple):
    """The sidebar's choices for a dataset."""

    regions: list[str]  # sorted
    types: list[str]  # in the vocabulary's order
    subtypes: tuple[tuple[str, str], ...]  # (type, sub-type) in the vocabulary's order

    def subtypes_of(self, types) -> list[str]:
        """The sub-types of ``types`` (all types when empty), each once, in order."""
        return list(dict.fromkeys(sub for t, sub in self.subtypes if not types or t in types))


@st.cache_resource(show_spinner=False, max_entries=8)
def filter_options(_ds: Dataset, token: str) -> FilterOptions:
    """The sidebar's choices, once per dataset (shared, read-only: the widgets copy them);
    taking them from the frames again cost a millisecond of every rerun."""
    pairs = zip(_ds.event_types["event_type"], _ds.event_types["sub_event_type"], strict=True)
    return FilterOptions(sorted(_ds.regions["admin1"]),
                         list(dict.fromkeys(_ds.event_types["event_type"])), tuple(pairs))


@st.cache_resource(show_spinner=False, max_entries=8)
def filter_index(_ds: Dataset, token: str) -> select.FilterIndex:
    """The events' filter columns as codes, once per dataset (shared, read-only)."""
    return select.FilterIndex(_ds.events)


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=FAST_KEYS)
def filtered_positions(_ds: Dataset, token: str, filters: select.Filters) -> np.ndarray:
    """Positions in ``_ds.events`` of the events the filters keep (a few ms at 10^6)."""
    return select.select_positions(_ds.events, filters, filter_index(_ds, token))


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=FAST_KEYS)
def filtered_events(_ds: Dataset, token: str, filters: select.Filters):
    """The events the filters keep, every column. A shared read-only frame: callers never
    mutate it (with a million events, a copy per rerun would cost more than the whole
    frame). The map page takes :func:`map_events` instead."""
    return _ds.events.iloc[filtered_positions(_ds, token, filters)]


# What the map, the day summaries and the GIF read of the events when there are too many
# to draw one by one (layers.MAX_POINTS): taking the notes and sources of half a million
# events cost most of a filter change and none of it was drawn.
MAP_COLUMNS = ["event_id_cnty", "event_date", "event_type", "admin1", "location", "latitude",
               "longitude", "fatalities"]


# Repeated names as categories in that frame: taking, grouping and factorizing their integer
# codes cost a third of the text's (100-150 ms less per filter change at 10^6 events).
CATEGORY_COLUMNS = ("event_type", "admin1", "location")


@st.cache_resource(show_spinner=False, max_entries=8)
def _map_columns(_ds: Dataset, token: str):
    """:data:`MAP_COLUMNS` of every event, once per dataset (shared, read-only)."""
    frame = _ds.events[[c for c in MAP_COLUMNS if c in _ds.events.columns]]
    return frame.assign(**{c: frame[c].astype("category") for c in CATEGORY_COLUMNS},
                        # Each event's group on the grouped map, numbered once.
                        **{layers.CELL_COLUMN: layers.map_cells(frame)})


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=FAST_KEYS)
def map_events(_ds: Dataset, token: str, filters: select.Filters):
    """The events the filters keep, as the map needs them: every column when they are few
    enough to be drawn one by one, else only :data:`MAP_COLUMNS` (same rows, same order
    as :func:`filtered_events`). Shared and read-only."""
    positions = filtered_positions(_ds, token, filters)
    if len(positions) <= layers.MAX_POINTS:
        return _ds.events.iloc[positions]
    return _map_columns(_ds, token).iloc[positions]
