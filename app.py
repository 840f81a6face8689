"""Streamlit entry point: page config, navigation over pages/, the shared sidebar."""

import streamlit as st

st.set_page_config(page_title="Kazakhstan, January 2022", page_icon="🗺️", layout="wide")

pages = [
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
]
st.navigation(pages).run()
