"""Data: bring your own file, the data dictionary, counts and every source cited."""

import streamlit as st

from kzunrest import select
from kzunrest.ui import data, frame, lang, upload

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

_ = lang.gettext()
st.title(_("Data"))
bundled = data.bundled_dataset()
upload.render(bundled)

ds = data.current_dataset()
numbers = select.key_numbers(ds.events)
cols = st.columns(4)
cols[0].metric(_("Events"), numbers["events"])
cols[1].metric(_("Regions"), _("{n} of {total}").format(n=numbers["regions"],
                                                        total=len(ds.regions)))
cols[2].metric(_("Localities"), numbers["localities"])
cols[3].metric(_("Days with events"), numbers["days"])

st.subheader(_("Every source cited"))
sources = select.sources_cited(ds.events)
st.dataframe(sources, hide_index=True, key="sources_table",
             column_config={"source_url": st.column_config.LinkColumn(_("Address")),
                            "source": _("Publication"), "events": _("Events")})

readme = ds.folder / "README.md"
if readme.exists():
    with st.expander(_("Data dictionary (data/README.md, in English)")):
        st.markdown(readme.read_text(encoding="utf-8"))
