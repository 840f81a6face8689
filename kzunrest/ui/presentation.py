"""The presentation layout (``present=1`` in the URL): no sidebar or chrome, large type."""

from __future__ import annotations

import streamlit as st

from kzunrest.ui import lang, state

# Our own constant CSS: hides Streamlit's chrome and enlarges the figures for a 1920×1080 screen.
_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], footer { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding: 1rem 2rem 0 2rem !important; max-width: 100% !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  font-size: 3.4rem !important; line-height: 1.1 !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.35rem !important; }
[data-testid="stMainBlockContainer"] li, [data-testid="stMainBlockContainer"] li p {
  font-size: 1.2rem; }
h2 { font-size: 2.6rem !important; }
h3 { font-size: 2.2rem !important; }
[data-testid="stSliderThumbValue"] p { font-size: 1.3rem !important; font-weight: 700; }
</style>
"""


def is_on() -> bool:
    """True when the link asks for the presentation layout (``present=1``)."""
    return st.query_params.get(state.PRESENT, "") in ("1", "true")


def apply_layout() -> None:
    st.markdown(_CSS, unsafe_allow_html=True)


def exit_button() -> None:
    if st.button(lang.gettext()("Exit presentation"), key="exit_present", type="tertiary"):
        del st.query_params[state.PRESENT]
        st.rerun()
