"""The map page: day slider, Play, layers, the map and "On this day"."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import streamlit as st

from kzunrest import i18n, layers, select, urlstate
from kzunrest.dataset import Dataset
from kzunrest.i18n import N_, term
from kzunrest.map_spec import SPEEDS_MS
from kzunrest.names import read_names
from kzunrest.ui import events_table, export_view, header, lang, state
from kzunrest.ui.data import (
    FAST_KEYS,
    dataset_token,
    day_context,
    day_panel,
    day_rows,
    map_events,
    map_spec_for,
)
from kzunrest.ui.links import view_spec
from kzunrest.ui.map_component import component_data, map_component, wire
from kzunrest.ui.text import link, md

DAY_TABLE_ROWS = 500
SPEEDS = dict(SPEEDS_MS)
MODES = {"cumulative": N_("earlier days fade as a trail"), "day": N_("this day only")}
# Most of the first screen at 1366x768 and 1920x1080; never so small that it stops reading.
MAP_HEIGHT = "max(400px, calc(100vh - 250px))"
MAP_HEIGHT_PRESENT = "max(480px, calc(100vh - 170px))"
LAYER_LABELS = {"events": N_("Events"), "spread": N_("Spread"),
                "emergency": N_("State of emergency"), "blackout": N_("Internet shutdown"),
                "csto-arcs": N_("CSTO arcs"), "csto-sites": N_("CSTO sites")}
BASEMAP_LABELS = {"carto-light": N_("Carto light"), "offline": N_("Offline (no tiles)")}


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
            built = map_spec_for(ds, dataset_token(ds), filters, tuple(shown or []), basemap,
                                 tuple(picked), lang.text().lang)
            camera = json.loads(camera.to_json())
            # The snapshot's data (its spec with this camera); the component gets its wire form.
            data = component_data(
                {**built.spec, "deck": {**built.spec["deck"], "initialViewState": camera}},
                seq=st.session_state[state.VIEW_SEQ], day=(day - ds.first_day).days,
                playing=view.playing, speed=view.speed, mode=view.mode, fit=fit,
                height=MAP_HEIGHT_PRESENT if present else MAP_HEIGHT, text=built.text)
            map_component(wire(data, built.json, built.text_json, camera), key=state.MAP,
                          on_playback=partial(_on_playback, ds), on_camera=_on_camera,
                          on_region=_on_region)
        with right:
            # The counts are on the map itself, except in the presentation layout.
            panel = day_panel(ds, dataset_token(ds), filters, day) if present else None
            on_this_day(ds, panel, day, present=present)
        if not present:
            todays_events(ds, filters, day)
            # The GIF reads map_events' MAP_COLUMNS.
            export_view.render(ds, partial(map_events, ds, dataset_token(ds), filters),
                               {**data, "playback": {**data["playback"], "playing": False}},
                               day)

    frame()


def fixed_map(ds: Dataset, *, key: str, day: dt.date, shown: list[str], basemap: str,
              fit: list[float], seq: int, height: str,
              filters: select.Filters | None = None,
              on_step: Callable[[int], None] | None = None) -> None:
    """A map on one day that the page sets (a story step, the CSTO page's day): the same
    component, layers, legend and labels as the Map page, without the playback bar.
    ``on_step`` makes ←/→ call it with -1 or 1 (the story's steps)."""
    built = map_spec_for(ds, dataset_token(ds), filters or select.Filters(), tuple(shown),
                         basemap, (), lang.text().lang)
    data = component_data(built.spec, seq=seq, day=(day - ds.first_day).days, controls=False,
                          height=height, fit=fit, text=built.text,
                          keys="story" if on_step else None)
    map_component(wire(data, built.json, built.text_json), key=key,
                  on_step=(lambda: _on_step(key, on_step)) if on_step else None)


def _on_step(key: str, on_step: Callable[[int], None]) -> None:
    delta = (st.session_state.get(key) or {}).get("step")
    if delta in (-1, 1):
        on_step(delta)


def current_basemap() -> str:
    """The basemap of the link (every map honours it), else the default."""
    value = st.query_params.get(state.BASEMAP) or st.session_state.get(state.BASEMAP)
    return value if value in BASEMAP_LABELS else next(iter(BASEMAP_LABELS))


def _toolbar(ds: Dataset, present: bool):
    """The title with the layer choice and the share link beside it, on one line: Play, the
    day, speed and mode live on the map itself. Returns the basemap and the layers shown."""
    _ = lang.gettext()
    top = st.columns([6, 1.4, 1], vertical_alignment="bottom")
    if not present:
        with top[0]:
            header.render(ds)
    with top[1], st.popover(_("Layers"), icon=":material/layers:", width="stretch"):
        # Bound widgets show their option values unformatted: Streamlit writes the displayed
        # label into the URL, and the URL contract (DESIGN.md) is the short value.
        shown = st.pills(_("Layers"), list(LAYER_LABELS), default=list(LAYER_LABELS),
                         selection_mode="multi", key=state.LAYERS, bind="query-params",
                         help="; ".join(f"{k}: {_(v)}" for k, v in LAYER_LABELS.items()))
        basemap = st.selectbox(_("Basemap"), list(BASEMAP_LABELS), key=state.BASEMAP,
                               bind="query-params",
                               help="; ".join(f"{k}: {_(v)}" for k, v in BASEMAP_LABELS.items()))
    with top[2]:
        share_popover(ds)
    return basemap, shown


def share_popover(ds: Dataset) -> None:
    """The link to this exact view, with a copy button (st.code's own)."""
    _ = lang.gettext()
    with st.popover(_("Share"), icon=":material/link:", width="stretch"):
        st.caption(_("Copy the link to this view (day, filters, layers, mode, camera):"))
        st.code(str(st.context.url or "") + _query_string(), language=None, wrap_lines=True)
        st.caption(_("Add &present=1 for the presentation layout."))


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
               "sub_event_type", "fatalities", "source", "source_url", "notes"]


def todays_events(ds: Dataset, filters: select.Filters, day: dt.date) -> None:
    """The selected day's events with their sources, right under the map: the map's text
    alternative for one day (points in one town overlap on the map)."""
    text = lang.text()
    _ = text.gettext
    table, shown, total = day_table(ds, dataset_token(ds), filters, day, text.lang)
    st.markdown("##### " + text.ngettext("{n} event on {date} with its sources",
                                         "{n} events on {date} with their sources",
                                         total).format(n=text.number(total),
                                                       date=text.date(day, "day_month")))
    if not shown:
        return
    st.markdown(table, unsafe_allow_html=True)
    st.caption(_("What happened (the notes) is written in English, as in the sources."))
    if total > shown:
        st.caption(_("The first {n} of {total}; the Analysis page lists every event.").format(
            n=shown, total=text.number(total)))


@st.cache_data(show_spinner=False, max_entries=512, hash_funcs=FAST_KEYS)
def day_table(_ds: Dataset, token: str, filters: select.Filters, day: dt.date,
              lang_: str) -> tuple[str, int, int]:
    """The day's table as HTML (its first DAY_TABLE_ROWS events: a table is sent whole, the
    Analysis page has them all), how many rows it shows and how many events the day has;
    once per dataset, filters, day and language (building it cost a pause's rerun more than
    sending it)."""
    todays, total = day_rows(_ds, token, filters, day, DAY_TABLE_ROWS)
    if todays.empty:
        return "", 0, total
    text = i18n.Text(lang_)
    shown = read_names(_ds.folder).localize(todays[DAY_COLUMNS].head(DAY_TABLE_ROWS), lang_)
    shown = shown.assign(event_type=shown["event_type"].map(lambda v: term(text, v)))
    return events_table.day_table_html(shown, text), len(shown), total


def on_this_day(ds: Dataset, panel: dict | None, day: dt.date, *,
                present: bool = False) -> None:
    """Milestones and the official figures known by ``day``; in the presentation layout also
    the day's counts in large type (otherwise the summary on the map shows them)."""
    text = lang.text()
    _ = text.gettext
    st.markdown("#### " + _("On {date}").format(date=text.date(day, "full")))
    if present:
        counts = panel["counts"]
        c1, c2 = st.columns(2)
        c1.metric(_("Events this day"), counts["today"])
        c2.metric(_("Events so far"), counts["so_far"])
        c1.metric(_("Regions reached"), _("{n} of {total}").format(n=counts["regions"],
                                                                  total=len(ds.regions)))
        c2.metric(_("CSTO contingents"), len(panel["contingents"]))

    milestones, figures = day_notes(ds, dataset_token(ds), day, text.lang)
    if milestones:
        st.markdown(milestones)
        if text.lang != "en":
            st.caption(_("Milestones are written in English, as in the sources."))
    if figures:
        st.markdown(figures)


@st.cache_data(show_spinner=False, max_entries=512)
def day_notes(_ds: Dataset, token: str, day: dt.date, lang_: str) -> tuple[str, str]:
    """The day's milestones and the official figures known by ``day``, each a heading and a
    list in one markdown ("" when there are none); once per dataset, day and language, the
    same for every filter set."""
    text = i18n.Text(lang_)
    _ = text.gettext
    source = _("source")  # outside the f-strings below, where pybabel cannot see it
    context = day_context(_ds, token, day)
    milestones = []
    for _i, m in context["milestones"].iterrows():
        when = f"{m['time']} · " if m["time"] else ""
        milestones.append(f"- {md(when)}**{md(m['title'])}**: {md(m['description'])} "
                          f"({link(source, m['source_url'].split()[0])})")
    figures = []
    for _i, f in context["figures"].iterrows():
        note = f" {f['value_note']}" if f["value_note"] else ""
        status = " " + _("(retracted)") if f["status"] == "retracted" else ""
        figures.append(f"- {md(term(text, f['metric']).replace('_', ' '))}: "
                       f"**{text.number(f['value'])}**{md(note)}"
                       f"{status}, {md(f['announced_by'])}, "
                       f"{text.date(f['announced_date'], 'short')} "
                       f"({link(source, f['source_url'].split()[0])})")
    return ("\n".join(["**" + _("Milestones") + "**", "", *milestones]) if milestones else "",
            "\n".join(["**" + _("Official figures known by this day") + "**", "", *figures])
            if figures else "")
