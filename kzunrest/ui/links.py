"""Opening a link: say which of its parameters were ignored, once per session."""

from __future__ import annotations

import streamlit as st

from kzunrest import i18n, layers, urlstate
from kzunrest.dataset import Dataset
from kzunrest.map_spec import MODES, SPEEDS_MS
from kzunrest.ui import lang, state
from kzunrest.ui.data import actor_options, dataset_token

BASEMAPS = list(layers.BASEMAPS)


def view_spec(ds: Dataset) -> dict[str, urlstate.Param]:
    """The parameters a link to this dataset may carry, with their checks."""
    return urlstate.view_params(
        first=ds.first_day, last=ds.last_day, regions=sorted(ds.regions["admin1"]),
        types=ds.event_types["event_type"].unique(),
        subtypes=ds.event_types["sub_event_type"].unique(),
        actors=actor_options(ds, dataset_token(ds)),
        layers=layers.TOGGLEABLE, speeds=SPEEDS_MS, modes=MODES,
        basemaps=BASEMAPS, steps=len(ds.story), langs=list(i18n.languages()))


def check_link(ds: Dataset) -> None:
    """Warn about parameters Streamlit will drop (bad dates, unknown regions, typos)."""
    if st.session_state.get(state.LINK_CHECKED):
        return
    st.session_state[state.LINK_CHECKED] = True
    spec = view_spec(ds)
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    notices = urlstate.check_params(params, spec)
    if notices:
        st.session_state[state.LINK_NOTICES] = notices


def show_notices() -> None:
    notices = st.session_state.get(state.LINK_NOTICES)
    if notices:
        _ = lang.gettext()
        st.warning(_("Some parts of this link could not be used; the defaults are shown "
                     "instead:") + "\n\n" + "\n".join(f"- {n}" for n in notices),
                   icon="⚠️")
        if st.button(_("Dismiss"), key="dismiss_link_notice", type="tertiary"):
            st.session_state.pop(state.LINK_NOTICES, None)
            st.rerun()
