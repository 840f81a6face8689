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

import streamlit as st

from kzunrest.i18n import N_

# (script, title, icon); the first is the default page (the app's root URL). Each page's URL
# is its file name: /story, /analysis, /csto, /data.
PAGES = [
    ("pages/map.py", N_("Map"), ":material/map:"),
    ("pages/story.py", N_("Story"), ":material/auto_stories:"),
    ("pages/analysis.py", N_("Analysis"), ":material/bar_chart:"),
    ("pages/csto.py", N_("CSTO deployment"), ":material/flight_land:"),
    ("pages/data.py", N_("Data"), ":material/table:"),
]

# Set by app.py around the page it runs; per thread, as each session's script runs in its own.
_inside = threading.local()


def pages() -> list[st.Page]:
    from kzunrest.ui.lang import gettext

    _ = gettext()
    return [st.Page(script, title=_(title), icon=icon, default=i == 0)
            for i, (script, title, icon) in enumerate(PAGES)]


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
