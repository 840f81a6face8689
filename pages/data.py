"""Data: bring your own file, the data dictionary, counts and every source cited."""

import streamlit as st

from kzunrest import select
from kzunrest.ui import controls, data, frame, upload

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

st.title("Data")
bundled = data.bundled_dataset()
upload.render(bundled)

ds = data.current_dataset()
# The counts and the sources follow the sidebar's filters, like every other view of events:
# an analyst who narrowed the events wants the sources behind those events.
events = data.filtered_events(ds, data.dataset_token(ds), controls.current_filters())
numbers = select.key_numbers(events)
if len(events) < len(ds.events):
    st.caption(f"The sidebar filters keep {len(events):,} of the {len(ds.events):,} events; the "
               "counts and sources below are theirs.")
cols = st.columns(4)
cols[0].metric("Events", numbers["events"])
cols[1].metric("Regions", f"{numbers['regions']} of {len(ds.regions)}")
cols[2].metric("Localities", numbers["localities"])
cols[3].metric("Days with events", numbers["days"])

st.subheader("Every source cited")
sources = select.sources_cited(events)
st.dataframe(sources, hide_index=True, key="sources_table",
             column_config={"source_url": st.column_config.LinkColumn("Address"),
                            "source": "Publication", "events": "Events"})

readme = ds.folder / "README.md"
if readme.exists():
    with st.expander("Data dictionary (data/README.md)"):
        st.markdown(readme.read_text(encoding="utf-8"))
