"""Page-wide fixes for WCAG 2.2 AA that Streamlit's theme does not give by itself."""

from __future__ import annotations

import streamlit as st

# Streamlit greys captions (a grey at 60% opacity) below 3:1 on white; AA asks 4.5:1.
# Keyboard focus gets a visible ring everywhere, not only where the browser draws one.
_CSS = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] [data-testid="stTooltipHoverTarget"] {
  color: #595959 !important; opacity: 1 !important; }
:focus-visible { outline: 3px solid #1a5fb4 !important; outline-offset: 2px; }
.kz-daytable { overflow-x: auto; max-height: 420px; overflow-y: auto; }
.kz-daytable table { font-size: 0.85rem; border-collapse: collapse; width: 100%; }
.kz-daytable th, .kz-daytable td { padding: 4px 6px; vertical-align: top; }
.kz-daytable a { display: inline-block; min-height: 24px; line-height: 24px; }
</style>"""


def apply() -> None:
    with st.sidebar:  # not in the main column, where its gap would push the map down
        st.markdown(_CSS, unsafe_allow_html=True)
