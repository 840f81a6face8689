"""Streamlit entry point: page config, the shared sidebar filters, navigation over app_pages/.

The pages live in app_pages/, not pages/: a pages/ folder beside the entry script makes
Streamlit start in its legacy multipage mode, where a direct link to a page skips this script
(and so the shared sidebar) in the first session after the server starts.
"""

import streamlit as st

from kzunrest.ui import controls, data, links, presentation

present = presentation.is_on()
st.set_page_config(page_title="Kazakhstan, January 2022", page_icon="🗺️", layout="wide",
                   initial_sidebar_state="collapsed" if present else "auto")

pages = [
    st.Page("app_pages/map.py", title="Map", icon=":material/map:", default=True),
    st.Page("app_pages/story.py", title="Story", icon=":material/auto_stories:"),
    st.Page("app_pages/analysis.py", title="Analysis", icon=":material/bar_chart:"),
    st.Page("app_pages/csto.py", title="CSTO deployment", icon=":material/flight_land:"),
    st.Page("app_pages/data.py", title="Data", icon=":material/table:"),
]
page = st.navigation(pages, position="hidden" if present else "sidebar")
ds = data.current_dataset()
links.check_link(ds)  # before any widget reads (and silently drops) a bad parameter
controls.sidebar_filters(ds)
if present:
    presentation.apply_layout()
links.show_notices()
page.run()
if present:
    presentation.exit_button()
