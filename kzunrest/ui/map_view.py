"""The map page: day slider, Play, layers, the map and "On this day"."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import streamlit as st

from kzunrest import layers, playback, select
from kzunrest.dataset import Dataset
from kzunrest.ui import events_table, export_view, state
from kzunrest.ui.controls import apply_map_selection
from kzunrest.ui.data import csto_rows, dataset_token, day_panel, filtered_events, map_files
from kzunrest.ui.text import html_text, link, md

DAY_TABLE_ROWS = 500
SPEEDS = {"slow": 2.0, "normal": 1.0, "fast": 0.5}  # seconds per day
# Bound widgets show their option values unformatted: Streamlit writes the displayed label
# into the URL, and the URL contract (DESIGN.md) is the short value, e.g. basemap=offline.
MODES = {"cumulative": "earlier days fade as a trail", "day": "this day only"}
LAYER_LABELS = {"events": "Events", "spread": "Spread", "emergency": "State of emergency",
                "blackout": "Internet shutdown", "csto-arcs": "CSTO arcs",
                "csto-sites": "CSTO sites"}
BASEMAP_LABELS = {"carto-light": "Carto light", "offline": "Offline (no tiles)"}


def _step(days: int, ds: Dataset) -> None:
    current = st.session_state.get(state.DATE, ds.default_day)
    st.session_state[state.DATE] = playback.step_day(current, days, ds.first_day, ds.last_day)
    if state.PLAY_DAY in st.session_state:  # ◀ / ▶ during Play move the played day too
        st.session_state[state.PLAY_DAY] = st.session_state[state.DATE]


def _play_tick(period: float, ds: Dataset) -> None:
    """Advance Play by a day when its period has passed.

    The day being played is kept apart from the slider's value: a tick's request can carry the
    browser's previous slider value, which would otherwise step the animation back.
    """
    day = (st.session_state.get(state.PLAY_DAY)
           or st.session_state.get(state.DATE, ds.default_day))
    if playback.tick_due(time.monotonic() - st.session_state[state.LAST_TICK], period):
        st.session_state[state.LAST_TICK] = time.monotonic()
        following = playback.next_day(day, ds.first_day, ds.last_day)
        if following is None:  # the last day was shown: Play stops
            st.session_state.pop(state.PLAY_DAY, None)
            st.session_state[state.STOP_PLAY] = True
            st.rerun(scope="app")
        day = following
    st.session_state[state.PLAY_DAY] = day
    if state.DATE in st.session_state:  # before the slider's first run its default applies
        st.session_state[state.DATE] = day


def render(ds: Dataset, filters: select.Filters, *, present: bool = False) -> None:
    """The map page; ``present`` is the presentation layout (large type, no extra controls)."""
    if st.session_state.pop(state.STOP_PLAY, False):
        st.session_state[state.PLAY] = False

    # In the presentation layout the controls fold away; their values still come from the link.
    box = st.expander("Controls", expanded=False) if present else st.container()
    with box:
        playing, speed, mode, basemap, shown, view = _controls(ds, present)

    files = map_files(ds, dataset_token(ds), filters)
    events = filtered_events(ds, dataset_token(ds), filters)
    shown_day = st.session_state.get(state.DATE, ds.default_day)
    if playing and shown_day >= ds.last_day:  # Play from the end starts over
        start = playback.play_start(shown_day, ds.first_day, ds.last_day)
        st.session_state[state.DATE] = st.session_state[state.PLAY_DAY] = start
    st.session_state[state.LAST_TICK] = time.monotonic()
    period = SPEEDS.get(speed or "normal", 1.0)

    @st.fragment(run_every=period if playing else None)
    def frame() -> None:
        # Only this part reruns on each tick of Play: the day, the map and the side panel.
        if st.session_state.pop(state.APP_RERUN, False):
            st.rerun(scope="app")  # a region clicked on the map changes the sidebar filters
        if playing:
            _play_tick(period, ds)
        else:
            st.session_state.pop(state.PLAY_DAY, None)
        nav = st.columns([1, 12, 1], vertical_alignment="center")
        nav[0].button("◀", key=state.PREV_DAY, on_click=_step, args=(-1, ds), shortcut="Left",
                      help="Previous day (←)")
        # The default is given here, not through session state: a default set in session
        # state made Streamlit drop a link's ?date= of the first day (the slider's minimum).
        day = nav[1].slider("Day", min_value=ds.first_day, max_value=ds.last_day,
                            value=ds.default_day,
                            step=dt.timedelta(days=1), format="ddd D MMM YYYY", key=state.DATE,
                            bind="query-params", label_visibility="collapsed")
        st.session_state[state.DAY] = day  # read by the other pages' "selected day" rules
        nav[2].button("▶", key=state.NEXT_DAY, on_click=_step, args=(1, ds), shortcut="Right",
                      help="Next day (→)")
        left, right = st.columns([3, 1.25])
        with left:
            picked = st.session_state.get(state.HIGHLIGHT) or []
            highlight = ds.events[ds.events["event_id_cnty"].isin(picked)] if picked else None
            deck = layers.build_deck(ds, files, day, layers=shown or [],
                                     cumulative=mode != "day", basemap=basemap,
                                     highlight=highlight, view=view,
                                     csto_rows=csto_rows(ds, dataset_token(ds), day))
            st.pydeck_chart(deck, height=720 if present else 560, key=state.MAP,
                            on_select=apply_map_selection, selection_mode="single-object",
                            alt="Map of Kazakhstan's regions with the events of the day")
            legend(ds, files, shown or [])
            event_card(ds)
        with right:
            on_this_day(ds, day_panel(ds, dataset_token(ds), filters, day), day)
        if not playing and not present:  # a table per tick would cost more than the map
            todays_events(events, day)
            export_view.render(ds, events, deck, day)

    frame()



def _controls(ds: Dataset, present: bool):
    """Play, speed, mode, basemap, share, layers and camera; returns their values."""
    top = st.columns([1, 1.3, 1.6, 1.2, 0.8], vertical_alignment="bottom")
    with top[0]:
        playing = st.toggle("▶ Play", key=state.PLAY, bind="query-params",
                            help=f"Advance one day at a time; stops on {ds.last_day:%d %B}.")
    with top[1]:
        speed = st.segmented_control("Speed", list(SPEEDS), default="normal", key=state.SPEED,
                                     bind="query-params", required=True)
    with top[2]:
        mode = st.segmented_control("Mode", list(MODES), default="cumulative", key=state.MODE,
                                    bind="query-params", required=True,
                                    help="; ".join(f"{k}: {v}" for k, v in MODES.items()))
    with top[3]:
        basemap = st.selectbox("Basemap", list(BASEMAP_LABELS), key=state.BASEMAP,
                               bind="query-params",
                               help="; ".join(f"{k}: {v}" for k, v in BASEMAP_LABELS.items()))
    with top[4]:
        share_popover(ds)
    shown = st.pills("Layers", list(LAYER_LABELS), default=list(LAYER_LABELS),
                     selection_mode="multi", key=state.LAYERS, bind="query-params",
                     help="; ".join(f"{k}: {v}" for k, v in LAYER_LABELS.items()))
    return playing, speed, mode, basemap, shown, camera_view(ds, present)


def camera_view(ds: Dataset, present: bool = False):
    """The map's camera from the URL (``lon``, ``lat``, ``zoom``), or the whole country.

    The camera is set by the link (or the fields below), not read back from the browser:
    Streamlit's deck component does not report the user's pan and zoom.
    """
    # The presentation layout's map is larger (wide screen, 720 px high): fitted to it.
    default = ds.view_for(1800, 720) if present else ds.initial_view
    with st.expander("Camera", expanded=False):
        cols = st.columns(3)
        lon = cols[0].number_input("Longitude", -180.0, 180.0, float(default.longitude),
                                   step=0.5, key=state.LON, bind="query-params")
        lat = cols[1].number_input("Latitude", -85.0, 85.0, float(default.latitude),
                                   step=0.5, key=state.LAT, bind="query-params")
        zoom = cols[2].number_input("Zoom", 0.0, 20.0, float(default.zoom), step=0.5,
                                    key=state.ZOOM, bind="query-params")
    return layers.view_state(lon, lat, zoom)


def share_popover(ds: Dataset) -> None:
    """The link to this exact view, with a copy button (st.code's own)."""
    with st.popover("Share", icon=":material/link:"):
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


def event_card(ds: Dataset) -> None:
    """The full record of the event clicked on the map, with its source."""
    event_id = st.session_state.get(state.EVENT_CARD)
    match = ds.events[ds.events["event_id_cnty"] == event_id]
    if match.empty:
        return
    ev = match.iloc[0]
    with st.container(border=True):
        cols = st.columns([6, 1])
        cols[0].markdown(f"**{ev['event_date']:%A %d %B %Y}"
                         f"{' ' + md(ev['event_time']) if ev['event_time'] else ''} · "
                         f"{md(ev['location'])}, {md(ev['admin1'])}**")
        if cols[1].button("Close", key=state.CLOSE_CARD):
            st.session_state.pop(state.EVENT_CARD, None)
            st.rerun(scope="fragment")
        fat = "unknown" if pd.isna(ev["fatalities"]) else int(ev["fatalities"])
        st.markdown(f"{md(ev['event_type'])}: {md(ev['sub_event_type'])} · "
                    f"actors: {md(ev['actor1'])}"
                    f"{' vs ' + md(ev['actor2']) if ev['actor2'] else ''} · deaths: {fat}")
        st.markdown(md(ev["notes"]))
        st.markdown(f"Source: {link(ev['source'] or 'source', ev['source_url'])} · "
                    f"location precision {ev['geo_precision']}, "
                    f"date precision {ev['time_precision']} · id {md(ev['event_id_cnty'])}")


def todays_events(events: pd.DataFrame, day: dt.date) -> None:
    """The selected day's events with their sources (points in one town overlap on the map)."""
    todays = events[events["event_date"] == pd.Timestamp(day)]
    with st.expander(f"{len(todays):,} events on {day:%d %B} with their sources",
                     expanded=False):
        # A table is sent whole even while folded: cap it, the Analysis page has them all.
        st.dataframe(todays[DAY_COLUMNS].head(DAY_TABLE_ROWS),
                     column_config=events_table.COLUMNS, hide_index=True, key=state.DAY_TABLE)
        if len(todays) > DAY_TABLE_ROWS:
            st.caption(f"The first {DAY_TABLE_ROWS} of {len(todays):,}; the Analysis page "
                       "lists every event.")


def legend(ds: Dataset, files: layers.MapFiles, shown: list[str]) -> None:
    """Colour keys as inline swatches; colours are checked hex codes, names are escaped."""
    colors = dict(zip(ds.event_types["event_type"], ds.event_types["color"], strict=False))
    parts = []
    if "events" in shown:
        parts.append("**Events** " + " ".join(
            f'<span style="color:{c}">●</span> {html_text(t)}' for t, c in colors.items()))
    if "spread" in shown and files.onset_legend:
        parts.append("**First event** " + " ".join(
            f'<span style="background:{c};padding:0 6px">&nbsp;</span> {html_text(label)}'
            for label, c in files.onset_legend))
    if "emergency" in shown:
        parts.append(f'**State of emergency** <span style="color:rgb'
                     f'{tuple(layers.EMERGENCY_COLOR[:3])}">▭</span> region outlined')
    if "blackout" in shown:
        parts.append('**Internet shutdown** <span style="background:rgba(20,20,40,0.3);'
                     'padding:0 6px">&nbsp;</span> shaded')
    if "csto-arcs" in shown:
        parts.append("**CSTO arcs** " + " ".join(
            f'<span style="color:rgb{tuple(rgb)}">━</span> {phase}'
            for phase, rgb in layers.PHASE_COLORS.items()))
    st.markdown("  \n".join(parts), unsafe_allow_html=True)


def on_this_day(ds: Dataset, panel: dict, day: dt.date) -> None:
    st.subheader(f"{day:%A %d %B %Y}")
    counts = panel["counts"]
    c1, c2 = st.columns(2)
    c1.metric("Events this day", counts["today"])
    c2.metric("Events so far", counts["so_far"])
    c1.metric("Regions reached", f"{counts['regions']} of {len(ds.regions)}")
    here = panel["contingents"]
    people = int(here["personnel"].fillna(0).sum())
    c2.metric("CSTO contingents", len(here),
              help="Personnel figure where published: " + (f"{people:,}" if people else "none"))

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
