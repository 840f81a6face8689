"""The map page: day slider, Play, layers, the map and "On this day"."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from kzunrest import layers, select, urlstate
from kzunrest.dataset import Dataset
from kzunrest.map_spec import SPEEDS_MS
from kzunrest.ui import events_table, export_view, header, state
from kzunrest.ui.data import dataset_token, day_panel, day_rows, map_events, map_spec_for
from kzunrest.ui.links import view_spec
from kzunrest.ui.map_component import component_data, map_component
from kzunrest.ui.text import link, md

# The day's table shows its first rows (the Analysis page lists every event): pandas' Styler
# writes "not published" cell by cell, and 500 rows cost 150-200 ms of every pause and
# filter change at 10^6 events; 100 cost 30 ms (a bundled day has at most a few dozen).
DAY_TABLE_ROWS = 100
SPEEDS = dict(SPEEDS_MS)
MODES = {"cumulative": "earlier days fade as a trail", "day": "this day only"}
# Most of the first screen at 1366x768 and 1920x1080; never so small that it stops reading.
MAP_HEIGHT = "max(400px, calc(100vh - 250px))"
MAP_HEIGHT_PRESENT = "max(480px, calc(100vh - 170px))"
LAYER_LABELS = {"events": "Events", "spread": "Spread", "emergency": "State of emergency",
                "blackout": "Internet shutdown", "csto-arcs": "CSTO arcs",
                "csto-sites": "CSTO sites"}
BASEMAP_LABELS = {"carto-light": "Carto light", "offline": "Offline (no tiles)"}


def _default_view(ds: Dataset) -> urlstate.View:
    return urlstate.View(day=ds.default_day)


def current_view(ds: Dataset) -> urlstate.View:
    """The playback and camera of this session: from the link on the first run, then as the
    browser last reported them."""
    if state.VIEW not in st.session_state:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        st.session_state[state.VIEW] = urlstate.read_view(params, view_spec(ds),
                                                        _default_view(ds))
        st.session_state[state.VIEW_SEQ] = st.session_state.get(state.VIEW_SEQ, 0) + 1
    return st.session_state[state.VIEW]


def _write_link(ds: Dataset, view: urlstate.View) -> None:
    """The link follows the view: ISO dates, defaults left out (as bound widgets do)."""
    for key, value in urlstate.view_query(view, _default_view(ds)).items():
        if value is None:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def _on_playback(ds: Dataset) -> None:
    """The browser paused, stepped, or changed speed or mode: the day reaches Python."""
    reported = (st.session_state.get(state.MAP) or {}).get("playback") or {}
    st.session_state[state.VIEW] = urlstate.apply_report(
        st.session_state[state.VIEW], reported, ds.first_day, ds.last_day, speeds=SPEEDS,
        modes=MODES)


def _on_camera() -> None:
    cam = (st.session_state.get(state.MAP) or {}).get("camera") or {}
    try:
        lon, lat, zoom = (float(cam["longitude"]), float(cam["latitude"]), float(cam["zoom"]))
    except (KeyError, TypeError, ValueError):
        return
    st.session_state[state.VIEW] = replace(st.session_state[state.VIEW], longitude=lon,
                                         latitude=lat, zoom=zoom)


def _on_region() -> None:
    """A region clicked on the map filters the sidebar to it."""
    admin1 = (st.session_state.get(state.MAP) or {}).get("region")
    if admin1 and st.session_state.get(state.REGIONS) != [admin1]:
        st.session_state[state.REGIONS] = [admin1]
        st.session_state[state.APP_RERUN] = True  # the sidebar is outside the map fragment


def render(ds: Dataset, filters: select.Filters, *, present: bool = False) -> None:
    """The map page; ``present`` is the presentation layout (no title, a larger map)."""
    basemap, shown = _toolbar(ds, present)
    current_view(ds)

    @st.fragment
    def frame() -> None:
        # Reruns alone when the browser reports a pause, a step or the camera.
        if st.session_state.pop(state.APP_RERUN, False):
            st.rerun(scope="app")  # a region clicked on the map changes the sidebar filters
        view = st.session_state[state.VIEW]
        _write_link(ds, view)
        day = view.day
        st.session_state[state.DAY] = day  # read by the other pages' "selected day" rules
        events = map_events(ds, dataset_token(ds), filters)  # the GIF reads MAP_COLUMNS
        left, right = st.columns([3, 1.25])
        with left:
            picked = st.session_state.get(state.HIGHLIGHT) or []
            default = ds.initial_view
            camera = layers.view_state(
                view.longitude if view.longitude is not None else default.longitude,
                view.latitude if view.latitude is not None else default.latitude,
                view.zoom if view.zoom is not None else default.zoom)
            # Without a camera in the link, the browser fits the regions to its own map size.
            fit = None if view.zoom is not None else [float(b) for b in ds.regions.total_bounds]
            spec = map_spec_for(ds, dataset_token(ds), filters, tuple(shown or []), basemap,
                                ds.first_day, ds.last_day, tuple(picked))
            spec = {**spec, "deck": {**spec["deck"],
                                     "initialViewState": json.loads(camera.to_json())}}
            data = component_data(
                spec, seq=st.session_state[state.VIEW_SEQ], day=(day - ds.first_day).days,
                playing=view.playing, speed=view.speed, mode=view.mode, fit=fit,
                height=MAP_HEIGHT_PRESENT if present else MAP_HEIGHT)
            map_component(data, key=state.MAP, on_playback=partial(_on_playback, ds),
                          on_camera=_on_camera, on_region=_on_region)
        with right:
            on_this_day(ds, day_panel(ds, dataset_token(ds), filters, day), day,
                        present=present)
        if not present:
            todays_events(*day_rows(ds, dataset_token(ds), filters, day, DAY_TABLE_ROWS), day)
            export_view.render(ds, events, {**data, "playback": {**data["playback"],
                                                                  "playing": False}}, day)

    frame()


def fixed_map(ds: Dataset, *, key: str, day: dt.date, shown: list[str], basemap: str,
              fit: list[float], seq: int, height: str,
              filters: select.Filters | None = None) -> None:
    """A map on one day that the page sets (a story step, the CSTO page's day): the same
    component, layers, legend and labels as the Map page, without the playback bar."""
    spec = map_spec_for(ds, dataset_token(ds), filters or select.Filters(), tuple(shown),
                        basemap, ds.first_day,
                        ds.last_day, ())
    map_component(component_data(spec, seq=seq, day=(day - ds.first_day).days,
                                 controls=False, height=height, fit=fit), key=key)


def current_basemap() -> str:
    """The basemap of the link (every map honours it), else the default."""
    value = st.query_params.get(state.BASEMAP) or st.session_state.get(state.BASEMAP)
    return value if value in BASEMAP_LABELS else next(iter(BASEMAP_LABELS))


def _toolbar(ds: Dataset, present: bool):
    """The title with the layer choice and the share link beside it, on one line: Play, the
    day, speed and mode live on the map itself. Returns the basemap and the layers shown."""
    top = st.columns([6, 1.4, 1], vertical_alignment="bottom")
    if not present:
        with top[0]:
            header.render(ds)
    with top[1], st.popover("Layers", icon=":material/layers:", width="stretch"):
        # Bound widgets show their option values unformatted: Streamlit writes the displayed
        # label into the URL, and the URL contract (DESIGN.md) is the short value.
        shown = st.pills("Layers", list(LAYER_LABELS), default=list(LAYER_LABELS),
                         selection_mode="multi", key=state.LAYERS, bind="query-params",
                         help="; ".join(f"{k}: {v}" for k, v in LAYER_LABELS.items()))
        basemap = st.selectbox("Basemap", list(BASEMAP_LABELS), key=state.BASEMAP,
                               bind="query-params",
                               help="; ".join(f"{k}: {v}" for k, v in BASEMAP_LABELS.items()))
    with top[2]:
        share_popover(ds)
    return basemap, shown


def share_popover(ds: Dataset) -> None:
    """The link to this exact view, with a copy button (st.code's own)."""
    with st.popover("Share", icon=":material/link:", width="stretch"):
        st.caption("Copy the link to this view (day, filters, layers, mode, camera):")
        st.code(str(st.context.url or "") + _query_string(), language=None, wrap_lines=True)
        st.caption("Add &present=1 for the presentation layout.")


# Filters a map click sets through session state: Streamlit does not echo such changes into
# the URL, so the share link takes them from the session.
_CLICK_SET = ("regions",)


def _query_string() -> str:
    from urllib.parse import urlencode

    pairs = [(k, v) for k in st.query_params if k not in _CLICK_SET
             for v in st.query_params.get_all(k)]
    pairs += [(k, v) for k in _CLICK_SET for v in st.session_state.get(k) or []]
    return ("?" + urlencode(pairs)) if pairs else ""


# The day's table: the events table's columns that matter at a glance.
DAY_COLUMNS = ["event_date", "event_time", "location", "admin1", "event_type",
               "sub_event_type", "fatalities", "notes", "source", "source_url"]


def todays_events(todays: pd.DataFrame, total: int, day: dt.date) -> None:
    """The selected day's events with their sources (points in one town overlap on the map):
    ``todays`` holds the first rows of the ``total``."""
    with st.expander(f"{total:,} events on {day:%d %B} with their sources",
                     expanded=False):
        # A table is sent whole even while folded: cap it, the Analysis page has them all.
        st.dataframe(events_table.shown_table(todays.head(DAY_TABLE_ROWS), DAY_COLUMNS),
                     column_config=events_table.COLUMNS, hide_index=True, key=state.DAY_TABLE)
        if total > len(todays):
            st.caption(f"The first {len(todays)} of {total:,}; the Analysis page "
                       "lists every event.")


def on_this_day(ds: Dataset, panel: dict, day: dt.date, *, present: bool = False) -> None:
    """Milestones and the official figures known by ``day``; in the presentation layout also
    the day's counts in large type (otherwise the summary on the map shows them)."""
    st.markdown(f"#### On {day:%A %d %B %Y}")
    if present:
        counts = panel["counts"]
        c1, c2 = st.columns(2)
        c1.metric("Events this day", counts["today"])
        c2.metric("Events so far", counts["so_far"])
        c1.metric("Regions reached", f"{counts['regions']} of {len(ds.regions)}")
        c2.metric("CSTO contingents", len(panel["contingents"]))

    todays = panel["milestones"]
    if len(todays):
        st.markdown("**Milestones**")
        for _, m in todays.iterrows():
            when = f"{m['time']} · " if m["time"] else ""
            st.markdown(f"- {md(when)}**{md(m['title'])}**: {md(m['description'])} "
                        f"({link('source', m['source_url'].split()[0])})")
    known = panel["figures"]
    if len(known):
        st.markdown("**Official figures known by this day**")
        for _, f in known.iterrows():
            note = f" {f['value_note']}" if f["value_note"] else ""
            status = " (retracted)" if f["status"] == "retracted" else ""
            st.markdown(f"- {md(f['metric'].replace('_', ' '))}: **{f['value']:,}**{md(note)}"
                        f"{status}, {md(f['announced_by'])}, {f['announced_date']:%d %b} "
                        f"({link('source', f['source_url'].split()[0])})")
