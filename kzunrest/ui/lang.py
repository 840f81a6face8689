"""The viewer's language: a control bound to the URL (``lang=en|kk|ru``), read per session.

Every page asks :func:`text` for this run's translator; nothing installs a process-wide ``_``
(one Streamlit process serves every viewer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from kzunrest import i18n
from kzunrest.ui import state

if TYPE_CHECKING:  # app.py imports this module before the data modules (and pandas)
    from kzunrest.names import Names

# The <html lang> attribute follows the interface (WCAG 3.1.1): set by a zero-size component.
_HTML_LANG = st.components.v2.component(
    "kzunrest_html_lang", html="",
    js="export default function ({ data }) {"
       " document.documentElement.lang = data.lang; }",
)


def default_lang() -> str:
    """Kazakh or Russian when the browser asks for them, else English."""
    try:
        return i18n.from_locale(st.context.locale)
    except Exception:  # noqa: BLE001 - no browser context (bare scripts, some tests)
        return i18n.DEFAULT


def language_control() -> i18n.Text:
    """The language switch at the top of the sidebar (its labels in all three languages, so
    a viewer who cannot read the current one still finds it)."""
    langs = i18n.languages()
    with st.sidebar:
        st.segmented_control("Language · Тіл · Язык", list(langs), key=state.LANG,
                             default=default_lang(), bind="query-params",
                             help=" · ".join(f"{k}: {v}" for k, v in langs.items()))
    current = text()
    with st.sidebar:  # in the sidebar: an element in the main column would push the map down
        _HTML_LANG(key="html_lang", data={"lang": current.lang if current.lang in
                                          i18n.LANGUAGES else "en"})
    return current


def text() -> i18n.Text:
    """This session's language (the control's value; its default before it is drawn)."""
    # Before the control is drawn in a session's first run, the link says it.
    lang = (st.session_state.get(state.LANG) or st.query_params.get(state.LANG)
            or default_lang())
    return i18n.Text(lang if lang in i18n.languages() else i18n.DEFAULT)


def gettext():
    """This run's ``_``: call it at the top of a function that shows text."""
    return text().gettext


def names(ds) -> Names:
    """Region and place names of the dataset, in every language it carries."""
    from kzunrest.names import read_names

    return read_names(ds.folder)
