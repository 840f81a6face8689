"""Data: bring your own file, the data dictionary, counts and every source cited."""

import streamlit as st

from kzunrest import select
from kzunrest.ui import data, frame, upload

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

st.title("Data")
bundled = data.bundled_dataset()
upload.render(bundled)

ds = data.current_dataset()
numbers = select.key_numbers(ds.events)
cols = st.columns(4)
cols[0].metric("Events", numbers["events"])
cols[1].metric("Regions", f"{numbers['regions']} of {len(ds.regions)}")
cols[2].metric("Localities", numbers["localities"])
cols[3].metric("Days with events", numbers["days"])

st.subheader("Every source cited")
sources = select.sources_cited(ds.events)
st.dataframe(sources, hide_index=True, key="sources_table",
             column_config={"source_url": st.column_config.LinkColumn("Address"),
                            "source": "Publication", "events": "Events"})

readme = ds.folder / "README.md"
if readme.exists():
    with st.expander("Data dictionary (data/README.md)"):
        st.markdown(readme.read_text(encoding="utf-8"))
