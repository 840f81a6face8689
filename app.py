"""Streamlit entry point: page config, the shared sidebar filters, navigation over pages/.

Every page in pages/ starts with ``frame.enter()``: on a freshly started server Streamlit may
run a deep link's page without this script (its legacy pages/ mode); ``enter`` then brings the
run back through here (kzunrest/ui/frame.py says how).
"""

import streamlit as st

from kzunrest.ui import access, controls, data, frame, lang, links, presentation

present = presentation.is_on()
text = lang.text()  # the viewer's language (the control below reads the same)
st.set_page_config(page_title=text.gettext("Kazakhstan, January 2022"), page_icon="🗺️",
                   layout="wide",
                   initial_sidebar_state="collapsed" if present else "auto")

page = st.navigation(frame.pages(), position="hidden" if present else "sidebar")
lang.language_control()  # the sidebar's first control, under the page list
ds = data.current_dataset()
links.check_link(ds)  # before any widget reads (and silently drops) a bad parameter
controls.sidebar_filters(ds)
if present:
    presentation.apply_layout()
access.apply()
links.show_notices()
frame.run_page(page)
if present:
    presentation.exit_button()
