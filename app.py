"""Streamlit entry point: page config, the shared sidebar filters, navigation over pages/.

Every page in pages/ starts with ``frame.enter()``: on a freshly started server Streamlit may
run a deep link's page without this script (its legacy pages/ mode); ``enter`` then brings the
run back through here (kzunrest/ui/frame.py says how).

The data modules (pandas, geopandas, pandera, pydeck: about 1.5 s of CPU to import on a cold
start) are imported only after the page is known and, on a page with a map, the deck.gl bundle
is on its way to the browser (kzunrest/ui/deck_bundle.py): the browser fetches and evaluates
it while this run imports, reads the data and builds the page.
"""

import streamlit as st

from kzunrest.ui import deck_bundle, frame, lang, presentation

present = presentation.is_on()
text = lang.text()  # the viewer's language (the control below reads the same)
st.set_page_config(page_title=text.gettext("Kazakhstan, January 2022"), page_icon="🗺️",
                   layout="wide",
                   initial_sidebar_state="collapsed" if present else "auto")

listed = frame.pages()
# Routing only: the sidebar's links are our own (frame.navigation), so they keep the view.
page = st.navigation(listed, position="hidden")
script = frame.script_of(page, listed)
if script in frame.MAP_COMPONENT_SCRIPTS:
    deck_bundle.preload()

from kzunrest.ui import access, controls, data, links, upload  # noqa: E402 - see above

ds = data.current_dataset()
links.check_link(ds)  # before any widget reads (and silently drops) a bad parameter
frame.sync_map_params(ds)
frame.keep_map_params(script)
if not present:
    frame.navigation(listed, controls.BOUND_EVERYWHERE)
lang.language_control()  # under the page list; it also sets <html lang>
controls.sidebar_filters(ds, note=frame.FILTER_NOTES.get(script))
if present:
    presentation.apply_layout()
access.apply()
links.show_notices()
upload.notice()
frame.run_page(page)
if present:
    presentation.exit_button()
