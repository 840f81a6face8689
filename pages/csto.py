"""CSTO deployment: the contingents, who was in the country when, their arcs on a day."""

import datetime as dt

import streamlit as st

from kzunrest import charts, select
from kzunrest.i18n import term
from kzunrest.ui import data, frame, lang, map_view, state
from kzunrest.ui.text import link, md

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

ds = data.current_dataset()
text = lang.text()
_ = text.gettext
st.title(_("CSTO deployment"))
st.caption(_("Troops of Russia, Belarus, Armenia, Tajikistan and Kyrgyzstan, sent at "
             "Kazakhstan's request on the night of 5 to 6 January 2022."))

# Opens on the map's day, else on the first day the most contingents were in the country.
opening = st.session_state.get(state.DAY) or select.busiest_contingent_day(ds.contingents,
                                                                        ds.days())
day = st.slider(_("Day"), min_value=ds.first_day, max_value=ds.last_day,
                value=opening or ds.default_day,
                step=dt.timedelta(days=1),
                format="ddd D MMM YYYY" if text.lang == "en" else "DD.MM.YYYY",
                key=state.CSTO_DAY)
st.altair_chart(charts.contingents_gantt(ds.contingents, day, text=text), key="chart_gantt")

left, right = st.columns([3, 2])
with left:
    # The camera frames the airlift: every contingent's home and destination, and the regions.
    x0, y0, x1, y1 = ds.regions.total_bounds
    lons = [x0, x1, *ds.contingents["origin_lon"], *ds.contingents["destination_lon"]]
    lats = [y0, y1, *ds.contingents["origin_lat"], *ds.contingents["destination_lat"]]
    map_view.fixed_map(ds, key="csto_map", day=day, shown=["csto-arcs", "csto-sites"],
                       basemap=map_view.current_basemap(),
                       fit=[min(lons), min(lats), max(lons), max(lats)],
                       seq=(day - ds.first_day).days, height="480px")
with right:
    here = select.contingents_on(ds.contingents, day)
    st.markdown("**" + text.ngettext("{date}: {n} contingent in the country",
                                     "{date}: {n} contingents in the country",
                                     len(here)).format(date=text.date(day, "full"),
                                                       n=len(here)) + "**")
    for _i, c in here.iterrows():
        st.markdown(f"- {md(c['country'])} ({md(term(text, c['phase']))})")
    sites = select.sites_on(ds.sites, ds.contingents, day)
    st.markdown("**" + _("Sites guarded: {n}").format(n=len(sites)) + "**")
    for _i, s in sites.iterrows():
        st.markdown(f"- {md(s['name'])}: {md(s['contingent'])}")

st.subheader(_("Contingents"))
if text.lang != "en":
    st.caption(_("The tables' texts are in English, as in the sources."))
people = select.csto_personnel(ds.contingents)
if people["published"] or people["not_published"]:
    known = ", ".join(f"{md(c)} {text.number(n)}" for c, n in people["published"].items())
    missing = ", ".join(md(c) for c in people["not_published"])
    line = _("Personnel published per contingent: {known}").format(known=known or _("none"))
    if missing:
        line += _("; not published for {missing}, so these figures do not add up to the "
                  "force").format(missing=missing)
    st.markdown(line + ".")
    for sentence, urls in people["whole_force"]:
        sources = " ".join(link(_("source {n}").format(n=i + 1), u) for i, u in enumerate(urls))
        st.markdown(_("The whole force, as announced: {sentence} ({sources})").format(
            sentence=md(sentence), sources=sources))


def day_text(days):
    """A date in the viewer's language, or "not reported" (a blank is unknown)."""
    return select.day_text(days, _("not reported"), lambda d: text.date(d, "d_month"))


# Blank headcounts and dates are unknown, never zero or "None": the table says so in words.
cont = ds.contingents
table = cont.assign(source_urls=cont["source_url"].str.split(),
                    personnel=select.personnel_text(cont["personnel"], _(select.NOT_PUBLISHED)),
                    left_home_date=day_text(cont["left_home_date"]),
                    arrival_date=day_text(cont["arrival_date"]),
                    departure_date=day_text(cont["departure_date"]))
st.dataframe(
    table[["country", "personnel", "personnel_note", "units", "origin_name", "destination_name",
           "left_home_date", "arrival_date", "departure_date", "tasks", "source_urls"]],
    hide_index=True, key="contingents_table",
    column_config={
        "country": _("Country"),
        "personnel": st.column_config.TextColumn(
            _("Personnel"), help=_("Lowest published figure; \"not published\" where no "
                                   "official headcount was given")),
        "personnel_note": st.column_config.TextColumn(_("Every published figure"),
                                                      width="large"),
        "units": st.column_config.TextColumn(_("Units"), width="medium"),
        "origin_name": _("From"), "destination_name": _("To"),
        "left_home_date": st.column_config.TextColumn(
            _("Left home"), help=_("Reported only where the landing was not")),
        "arrival_date": st.column_config.TextColumn(_("Arrived")),
        "departure_date": st.column_config.TextColumn(_("Left")),
        "tasks": st.column_config.TextColumn(_("Tasks"), width="large"),
        "source_urls": st.column_config.ListColumn(_("Sources")),
    },
)
st.subheader(_("Sites"))
st.dataframe(
    ds.sites.assign(source_urls=ds.sites["source_url"].str.split(),
                    start_date=select.day_text(ds.sites["start_date"], _("with its contingent"),
                                               lambda d: text.date(d, "d_month")),
                    end_date=select.day_text(ds.sites["end_date"], _("with its contingent"),
                                             lambda d: text.date(d, "d_month")),
                    ).drop(columns=["source_url"]),
    hide_index=True, key="sites_table",
    column_config={"start_date": st.column_config.TextColumn(_("From")),
                   "end_date": st.column_config.TextColumn(_("Until")),
                   "source_urls": st.column_config.ListColumn(_("Sources"))},
)
st.caption(_("Sites dated \"with its contingent\" are shown on the map while their contingent "
             "(or, if none is named, the mission) was in the country. Positions marked "
             "precision 2 or 3 are the city's, not the site's."))
