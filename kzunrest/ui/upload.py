"""Bring your own events: validate an upload and use it for this session only."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st

from kzunrest.dataset import Dataset
from kzunrest.errors import DataError, Problem
from kzunrest.i18n import N_
from kzunrest.loader import read_events
from kzunrest.settings import SETTINGS
from kzunrest.tables import read_header
from kzunrest.ui import state
from kzunrest.ui.lang import gettext
from kzunrest.ui.text import md

# The columns a person can pick by hand on the Data page: (our field, label).
PICKABLE = [("event_date", N_("Date")), ("latitude", N_("Latitude")),
            ("longitude", N_("Longitude")), ("location", N_("Place")),
            ("event_type", N_("Type")), ("notes", N_("Notes"))]
GUESS = "(guess)"
SHOWN_PROBLEMS = 500  # listed in full on the page; every one is in the download


def max_upload_mb() -> int:
    try:
        return max(1, int(SETTINGS["KZUNREST_MAX_UPLOAD_MB"].value()))
    except ValueError:
        return 50


def use_bytes(bundled: Dataset, data: bytes, name: str, columns: dict[str, str] | None = None,
              drop_outside: bool = False) -> list[dict] | None:
    """Validate ``data``; when valid it becomes this session's dataset (the bundled files are
    never written). Returns the problems as rows, or None when the file was taken."""
    try:
        result = read_events(data, folder=bundled.folder, name=name, columns=columns,
                             drop_outside=drop_outside)
    except DataError as err:
        return [p.as_dict() for p in err.problems]
    st.session_state[state.UPLOADED_DATASET] = bundled.with_events(result)
    st.session_state[state.UPLOADED_TOKEN] = "upload:" + _token(data, columns, drop_outside)
    st.session_state[state.UPLOADED_NAME] = name
    st.session_state[state.UPLOADED_NOTICES] = result.notices
    st.session_state[state.UPLOADED_LEFT_OUT] = [p.as_dict() for p in result.left_out]
    st.session_state[state.UPLOADED_COLUMNS] = [
        (src, dst, result.column_reasons.get(dst, "")) for dst, src in result.column_map.items()]
    return None


def _token(data: bytes, columns: dict[str, str] | None, drop_outside: bool) -> str:
    options = json.dumps([sorted((columns or {}).items()), drop_outside]).encode()
    return hashlib.sha256(data + b"\0" + options).hexdigest()[:16]


def back_to_bundled() -> None:
    for key in (state.UPLOADED_DATASET, state.UPLOADED_TOKEN, state.UPLOADED_NAME,
                state.UPLOADED_NOTICES, state.UPLOADED_LEFT_OUT, state.UPLOADED_COLUMNS,
                state.HIGHLIGHT):
        st.session_state.pop(key, None)


def show_problems(problems: list[dict], key: str) -> None:
    """Every problem readable in full: a list (first 500) and a CSV of all of them."""
    _ = gettext()
    lines = [str(Problem(**p)) for p in problems]
    st.markdown("\n".join(f"- {md(line)}" for line in lines[:SHOWN_PROBLEMS]))
    if len(lines) > SHOWN_PROBLEMS:
        st.caption(_("The first {n} of {total}; download them all below.").format(
            n=SHOWN_PROBLEMS, total=len(lines)))
    st.download_button(_("Download the list (CSV)"), pd.DataFrame(problems).to_csv(index=False),
                       file_name="problems.csv", mime="text/csv", key=key)


def _picked_columns(header: list[str]) -> dict[str, str]:
    """Selectboxes for the columns a guess may get wrong; returns those picked by hand."""
    _ = gettext()
    picked = {}
    with st.form("upload_columns", border=True):
        st.caption(_("Columns: pick any the guess missed or got wrong, then reload."))
        cols = st.columns(3)
        for i, (target, label) in enumerate(PICKABLE):
            choice = cols[i % 3].selectbox(_(label), [GUESS, *header],
                                           key=f"upload_col_{target}")
            if choice != GUESS:
                picked[target] = choice
        st.form_submit_button(_("Reload with these columns"))
    return picked


def notice() -> None:
    """On every page while an upload is in force: which file is shown, and the way back."""
    name = st.session_state.get(state.UPLOADED_NAME)
    if not name:
        return
    _ = gettext()
    with st.container(horizontal=True, vertical_alignment="center", key="upload_notice"):
        st.info(_("Showing your file {name}, not the bundled data (this session only).").format(
            name=f"**{md(name)}**"), icon=":material/upload_file:", width="stretch")
        st.button(_("Back to the bundled data"), on_click=back_to_bundled, key="back_bundled",
                  type="primary", icon=":material/undo:")


def render(bundled: Dataset) -> None:
    """The Data page's upload: what the loader did with the file in force, and a new upload.
    (Which file is shown, and the way back, is :func:`notice`, above every page.)"""
    _ = gettext()
    name = st.session_state.get(state.UPLOADED_NAME)
    if name:
        chosen = st.session_state.get(state.UPLOADED_COLUMNS, [])
        if chosen:
            st.markdown("**" + _("Columns used:") + "** " + "; ".join(
                f"{md(src)} → {md(dst)}" + (f" ({md(why)})" if why else "")
                for src, dst, why in chosen))
        for notice in st.session_state.get(state.UPLOADED_NOTICES, []):
            st.caption(notice)
        left_out = st.session_state.get(state.UPLOADED_LEFT_OUT, [])
        if left_out:
            st.warning(_("{n} row(s) lie outside every region and were left out:").format(
                n=len(left_out)))
            show_problems(left_out, "left_out_csv")
    upload = st.file_uploader(
        _("Your events: a raw ACLED export, our schema, or any CSV with dates and coordinates "
          "or place names (CSV or Parquet)"), type=["csv", "parquet", "txt"], key="upload",
        max_upload_size=max_upload_mb())
    drop_outside = st.checkbox(
        _("Leave out rows outside the regions (they are listed) instead of refusing the file"),
        key="upload_drop_outside")
    if upload is None:
        return
    data = upload.getvalue()
    columns = _picked_columns(read_header(data))
    if st.session_state.get(state.UPLOADED_TOKEN) == "upload:" + _token(data, columns,
                                                                     drop_outside):
        return
    with st.spinner(_("Validating…")):
        problems = use_bytes(bundled, data, upload.name, columns, drop_outside)
    if problems is None:
        st.rerun()
    st.error(_("{file}: {n} problem(s); nothing was loaded. Fix them (or pick the columns "
               "above) and upload again.").format(file=upload.name, n=len(problems)))
    show_problems(problems, "problems_csv")
