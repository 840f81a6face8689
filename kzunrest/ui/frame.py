"""The frame every page shares: what app.py draws around a page, and the way back into it.

app.py lists the pages with ``st.navigation`` and draws the page config, the sidebar filters
and the link notices before running the page. The pages live in ``pages/``, as the project
layout asks; but Streamlit 1.67 decides once per server process whether a ``pages/`` folder
beside the entry script means its legacy multipage mode (``PagesManager.uses_pages_directory``,
set when the first session starts, cleared by the first ``st.navigation`` call). In that mode a
deep link (``/analysis``) runs ``pages/analysis.py`` alone, without app.py. So every page
starts with :func:`enter`: when app.py did not run before it, the page switches Streamlit out
of legacy mode (by calling ``st.navigation`` itself) and reruns, which goes through app.py with
the same page and query string.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.errors import StreamlitAPIException

from kzunrest import urlstate
from kzunrest.i18n import N_
from kzunrest.ui import state

if TYPE_CHECKING:  # app.py imports this module before the data modules (and pandas)
    from kzunrest.dataset import Dataset

# (script, title, icon); the first is the default page (the app's root URL). Each page's URL
# is its file name: /story, /analysis, /csto, /data.
PAGES = [
    ("pages/map.py", N_("Map"), ":material/map:"),
    ("pages/story.py", N_("Story"), ":material/auto_stories:"),
    ("pages/analysis.py", N_("Analysis"), ":material/bar_chart:"),
    ("pages/csto.py", N_("CSTO deployment"), ":material/flight_land:"),
    ("pages/data.py", N_("Data"), ":material/table:"),
]

# What a page does with the sidebar filters when it does not simply honour them all; shown
# under the filters, so nobody reads a filtered view into a page that shows everything.
FILTER_NOTES = {
    "pages/story.py": N_("The Story tells the whole record: these filters apply on the Map, "
                         "Analysis and Data pages, not here."),
    "pages/csto.py": N_("The CSTO contingents are not events: these filters apply on the Map, "
                        "Analysis and Data pages, not here."),
}

# The link parameters every page keeps: the sidebar's filters, the map's layers and basemap,
# the language, and the map's own day and mode, which the other pages pass on unchanged.
SHARED_PARAMS = (state.BASEMAP, state.LANG, state.PLACE, state.LAYERS, state.REGIONS,
                 state.TYPES, state.SUBTYPES, state.ACTORS, state.DATES, state.PRECISE,
                 state.SOURCES2)
MAP_PARAMS = ("date", "mode")
# Bound to widgets drawn on the Map page only: Streamlit drops them from the link on every
# other page (a parameter bound to another page's widget is filtered out on a page change),
# so the session keeps them and puts them back (see keep_map_params).
MAP_WIDGET_PARAMS = (state.BASEMAP, state.LAYERS)
MAP_SCRIPT = "pages/map.py"
# The pages that draw the map component (the deck.gl bundle is worth fetching early there).
MAP_COMPONENT_SCRIPTS = (MAP_SCRIPT, "pages/story.py", "pages/csto.py")

# Set by app.py around the page it runs; per thread, as each session's script runs in its own.
_inside = threading.local()


def pages() -> list[st.Page]:
    from kzunrest.ui.lang import gettext

    _ = gettext()
    # No icon on the pages themselves: Streamlit would make the open page's icon the tab's
    # favicon, fetched from fonts.gstatic.com (a request out, failing offline); the links
    # below carry the icons, drawn from the font Streamlit ships.
    return [st.Page(script, title=_(title), default=i == 0)
            for i, (script, title, _icon) in enumerate(PAGES)]


def script_of(page: st.Page, listed: list[st.Page]) -> str:
    """The script (``pages/x.py``) of the page st.navigation chose among ``listed``."""
    return next(PAGES[i][0] for i, p in enumerate(listed) if p is page)


def sync_map_params(ds: Dataset) -> None:
    """The link's ``date`` and ``mode`` as the map last reported them (ISO, defaults left
    out), so a page reached from the map, and its links onwards, carry the map's view."""
    view = st.session_state.get(state.VIEW)
    if view is None:
        return
    query = urlstate.view_query(view, urlstate.View(day=ds.default_day))
    for key in MAP_PARAMS:
        value = query[key]
        if value is None:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def keep_map_params(script: str) -> None:
    """On the Map page, remember its layers and basemap as the link has them; on the other
    pages, put them back into the link (Streamlit removed them), so it still says what the
    map will show."""
    if script == MAP_SCRIPT:
        st.session_state[state.KEPT_PARAMS] = {
            k: st.query_params.get_all(k) for k in MAP_WIDGET_PARAMS if k in st.query_params}
        return
    for key, values in st.session_state.get(state.KEPT_PARAMS, {}).items():
        if st.query_params.get_all(key) != values:
            try:
                st.query_params[key] = values
            except StreamlitAPIException:
                pass  # still bound to the map's widget (no page change): Streamlit owns it


def shared_query(bound_everywhere: tuple[str, ...]) -> dict[str, list[str]]:
    """The parameters a page link carries: this link's shared view (SHARED_PARAMS and
    MAP_PARAMS), except those bound to widgets drawn on every page (``bound_everywhere``:
    the sidebar's filters), which Streamlit's page change carries itself; naming them
    again would repeat them in the link."""
    return {k: st.query_params.get_all(k) for k in (*SHARED_PARAMS, *MAP_PARAMS)
            if k not in bound_everywhere and k in st.query_params}


def navigation(listed: list[st.Page], bound_everywhere: tuple[str, ...]) -> None:
    """The page links at the top of the sidebar, each keeping the link's view (st.navigation's
    own links would drop every parameter that no widget of every page binds)."""
    query = shared_query(bound_everywhere)
    with st.sidebar:
        for page, (_script, _title, icon) in zip(listed, PAGES, strict=True):
            st.page_link(page, query_params=query, width="stretch", icon=icon)
        st.divider()


def run_page(page: st.Page) -> None:
    """Run ``page`` inside the frame (called by app.py once the frame is drawn)."""
    _inside.active = True
    try:
        page.run()
    finally:
        _inside.active = False


def enter() -> None:
    """First line of every page: make sure the page runs inside app.py's frame."""
    if getattr(_inside, "active", False):
        return
    # Streamlit's legacy mode ran this page without app.py: st.navigation ends that mode for
    # the whole process, and the rerun goes through app.py with the same page and query.
    st.navigation(pages(), position="hidden")
    st.rerun()
