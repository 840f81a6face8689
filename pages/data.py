"""Data: bring your own file, the data dictionary, counts and every source cited."""

import streamlit as st

from kzunrest import select
from kzunrest.ui import controls, data, frame, lang, upload

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

text = lang.text()
_ = text.gettext
st.title(_("Data"))
bundled = data.bundled_dataset()
upload.render(bundled)

ds = data.current_dataset()
# The counts and the sources follow the sidebar's filters, like every other view of events:
# an analyst who narrowed the events wants the sources behind those events.
events = data.filtered_events(ds, data.dataset_token(ds), controls.current_filters())
numbers = select.key_numbers(events)
if len(events) < len(ds.events):
    st.caption(_("The sidebar filters keep {n} of the {total} events; the counts and sources "
                 "below are theirs.").format(n=text.number(len(events)),
                                             total=text.number(len(ds.events))))
cols = st.columns(4)
cols[0].metric(_("Events"), numbers["events"])
cols[1].metric(_("Regions"), _("{n} of {total}").format(n=numbers["regions"],
                                                        total=len(ds.regions)))
cols[2].metric(_("Localities"), numbers["localities"])
cols[3].metric(_("Days with events"), numbers["days"])

st.subheader(_("Every source cited"))
sources = select.sources_cited(events)
st.dataframe(sources, hide_index=True, key="sources_table",
             column_config={"source_url": st.column_config.LinkColumn(_("Address")),
                            "source": _("Publication"), "events": _("Events")})

readme = ds.folder / "README.md"
if readme.exists():
    with st.expander(_("Data dictionary (data/README.md, in English)")):
        st.markdown(readme.read_text(encoding="utf-8"))
