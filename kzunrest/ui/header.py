"""The page header: the dataset's title and a line about it, kept short so the map fits the
first screen."""

from __future__ import annotations

import streamlit as st

from kzunrest.dataset import Dataset
from kzunrest.ui import lang
from kzunrest.ui.text import md

# Streamlit's default top padding (6rem) plus a large title left ~270 px of a 768 px screen
# for the map; this is the whole of our page chrome.
_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.6rem !important; }
</style>"""


def page_title(text: str) -> None:
    """A page's title, compact (our own text: pages pass literals)."""
    st.markdown(_CSS, unsafe_allow_html=True)
    st.markdown(f"### {md(text)}")


def render(ds: Dataset, *, with_summary: bool = True) -> None:
    """Title, and on the Map page the summary with the data's own dates."""
    text = lang.text()
    setting = ds.settings.get
    page_title(setting(f"title_{text.lang}") or setting("title") or ds.folder.name)
    if with_summary:
        from kzunrest.ui.data import dataset_token, spread_line

        parts = [(setting(f"summary_{text.lang}") or setting("summary", "")).strip(),
                 spread_line(ds, dataset_token(ds), text.lang)]
        st.caption(md(" ".join(p for p in parts if p)))
