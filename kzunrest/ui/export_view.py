"""Exports from the map page: an animated GIF for slides and a standalone HTML snapshot."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from kzunrest import playback, snapshot
from kzunrest.dataset import Dataset
from kzunrest.ui import lang, state


def render(ds: Dataset, events: Callable[[], pd.DataFrame], map_data: dict,
           day: dt.date) -> None:
    """``events()`` gives the map's events (asked for only when a GIF is rendered);
    ``map_data`` is what the map component received: the snapshot plays the same map, in the
    same language."""
    text = lang.text()
    _ = text.gettext
    with st.expander(_("Export: animated GIF for slides, HTML page that plays offline")):
        gif_part(ds, events)
        title = (ds.settings.get(f"title_{text.lang}") or ds.settings.get("title")
                 or ds.folder.name)
        page_lang = text.lang if text.lang in ("en", "kk", "ru") else "en"
        st.download_button(
            # Deferred: built only when clicked (about 5 MB: the deck.gl bundle is inside).
            _("Download this map as HTML"),
            lambda: snapshot.snapshot_html(map_data, title=title, lang=page_lang).encode("utf-8"),
            file_name=f"kzunrest-{day:%Y-%m-%d}.html", mime="text/html", key="snapshot_html",
            on_click="ignore", icon=":material/download:",
            help=_("A standalone page that plays this map as here (Play, slider, keys, legend, "
                   "cards), with its data and deck.gl inside: it needs no network."))


def gif_part(ds: Dataset, events: Callable[[], pd.DataFrame]) -> None:
    from kzunrest.ui.controls import DATE_FORMAT, DATE_FORMAT_OTHER

    text = lang.text()
    _ = text.gettext
    cols = st.columns([2, 1], vertical_alignment="bottom")
    start, end = cols[0].slider(_("Days in the GIF"), min_value=ds.first_day,
                                max_value=ds.last_day, value=playback.gif_days(ds),
                                step=dt.timedelta(days=1),
                                format=DATE_FORMAT.get(text.lang, DATE_FORMAT_OTHER),
                                key=state.GIF_DAYS)
    if cols[1].button(_("Render GIF"), key="render_gif", icon=":material/movie:"):
        bar = st.progress(0.0, text=_("Drawing frames…"))

        def progress(i: int, n: int) -> None:
            bar.progress(i / n, text=_("Frame {i} of {n}").format(i=i, n=n))

        from kzunrest import gif  # matplotlib's figures: imported when a GIF is asked for

        with tempfile.TemporaryDirectory() as tmp:
            out = gif.render_gif(ds, Path(tmp) / "spread.gif", start, end,
                                       events=events(), progress=progress, text=text,
                                       names=lang.names(ds))
            st.session_state[state.GIF] = (out.read_bytes(), f"{start:%d%b}-{end:%d%b}")
        bar.empty()
    if state.GIF in st.session_state:
        data, span = st.session_state[state.GIF]
        st.image(data, caption=_("{kb} KB, one frame a day").format(
            kb=text.number(round(len(data) / 1024))))
        st.download_button(_("Download GIF"), data, file_name=f"kzunrest-{span}.gif",
                           mime="image/gif", key="download_gif", on_click="ignore",
                           icon=":material/download:")
