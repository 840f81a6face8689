"""Bring your own events: validate an upload and use it for this session only."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from kzunrest.dataset import Dataset
from kzunrest.errors import DataError
from kzunrest.loader import read_events
from kzunrest.settings import SETTINGS


def max_upload_mb() -> int:
    try:
        return max(1, int(SETTINGS["KZUNREST_MAX_UPLOAD_MB"].value()))
    except ValueError:
        return 50


def use_bytes(bundled: Dataset, data: bytes, name: str) -> list[dict] | None:
    """Validate ``data``; when valid it becomes this session's dataset (the bundled files are
    never written). Returns the problems as rows, or None when the file was taken."""
    try:
        result = read_events(data, folder=bundled.folder, name=name)
    except DataError as err:
        return [p.as_dict() for p in err.problems]
    st.session_state["_uploaded_dataset"] = bundled.with_events(result)
    st.session_state["_uploaded_token"] = "upload:" + hashlib.sha256(data).hexdigest()[:16]
    st.session_state["_uploaded_name"] = name
    st.session_state["_uploaded_notices"] = result.notices
    return None


def back_to_bundled() -> None:
    for key in ("_uploaded_dataset", "_uploaded_token", "_uploaded_name", "_uploaded_notices",
                "_highlight", "_event_card"):
        st.session_state.pop(key, None)


def render(bundled: Dataset) -> None:
    name = st.session_state.get("_uploaded_name")
    if name:
        st.success(f"Showing your file {name!r} on every page, for this session only.")
        for notice in st.session_state.get("_uploaded_notices", []):
            st.caption(notice)
        st.button("Back to the bundled dataset", on_click=back_to_bundled, key="back_bundled",
                  type="primary")
    upload = st.file_uploader(
        "Your events: a raw ACLED export, our schema, or any CSV with dates and coordinates "
        "or place names (CSV or Parquet)", type=["csv", "parquet", "txt"], key="upload",
        max_upload_size=max_upload_mb())
    if upload is None:
        return
    token = hashlib.sha256(upload.getvalue()).hexdigest()[:16]
    if st.session_state.get("_uploaded_token") == "upload:" + token:
        return
    with st.spinner("Validating…"):
        problems = use_bytes(bundled, upload.getvalue(), upload.name)
    if problems is None:
        st.rerun()
    st.error(f"{upload.name}: {len(problems)} problem(s); nothing was loaded. Fix them and "
             "upload again.")
    st.dataframe(pd.DataFrame(problems), hide_index=True, key="upload_problems",
                 column_config={"line": st.column_config.NumberColumn("Line", format="%d"),
                                "column": "Column", "value": "Value",
                                "message": st.column_config.TextColumn("Problem",
                                                                       width="large")})
