"""Map: watch the unrest spread day by day, with the CSTO deployment."""

import streamlit as st

from kzunrest.ui import controls, data, frame, map_view, presentation

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

present = presentation.is_on()
if not present:
    st.title("Kazakhstan, January 2022")
    st.caption("Protests over the price of liquefied gas began in Zhanaozen on 2 January and "
               "reached every region within days. Every point links to a public source.")
map_view.render(data.current_dataset(), controls.current_filters(), present=present)
