"""Page-wide fixes for WCAG 2.2 AA that Streamlit's theme does not give by itself."""

from __future__ import annotations

import streamlit as st

# Streamlit greys captions (a grey at 60% opacity) to under 3:1 on white; 4.5:1 is the AA minimum for small text.
# Keyboard focus gets a visible ring everywhere, not only where the browser draws one.
_CSS = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] [data-testid="stTooltipHoverTarget"] {
  color: #595959 !important; opacity: 1 !important; }
:focus-visible { outline: 3px solid #1a5fb4 !important; outline-offset: 2px; }
</style>"""


def apply() -> None:
    st.markdown(_CSS, unsafe_allow_html=True)
