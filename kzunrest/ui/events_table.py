"""The events table with links to sources; selected rows are highlighted on the map."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from kzunrest import select
from kzunrest.exports import events_csv, events_geojson
from kzunrest.i18n import ENGLISH, Text, term
from kzunrest.ui import lang, state

# Streamlit formats dates in the browser with English names; digits read in every language.
DATE_FORMAT = {"en": "ddd D MMM"}
DATE_FORMAT_OTHER = "DD.MM.YYYY"


def columns(text: Text = ENGLISH) -> dict:
    """Column labels in the viewer's language (the data keeps its column names)."""
    _ = text.gettext
    return {
        "event_date": st.column_config.DateColumn(
            _("Date"), format=DATE_FORMAT.get(text.lang, DATE_FORMAT_OTHER)),
        "event_time": st.column_config.TextColumn(_("Time")),
        "admin1": st.column_config.TextColumn(_("Region")),
        "location": st.column_config.TextColumn(_("Place")),
        "event_type": st.column_config.TextColumn(_("Type")),
        "sub_event_type": st.column_config.TextColumn(_("Sub-type")),
        "actor1": st.column_config.TextColumn(_("Actor 1")),
        "actor2": st.column_config.TextColumn(_("Actor 2")),
        "fatalities": st.column_config.NumberColumn(
            _("Deaths"), help=_("\"not published\": no source gives a number (unknown, not "
                                "zero)")),
        "notes": st.column_config.TextColumn(_("What happened (in English)"), width="large"),
        "source": st.column_config.TextColumn(_("Source")),
        "source_url": st.column_config.LinkColumn(
            _("Link"), display_text=_("open"),
            help=_("The first source's address; Links has all")),
    }


def certainty(text: Text = ENGLISH) -> dict:
    """How sure each event is (select.with_certainty): on the Analysis page's table."""
    _ = text.gettext
    return {
        "sources": st.column_config.NumberColumn(_("Sources"),
                                                 help=_("Independent publishers cited")),
        "links": st.column_config.ListColumn(_("Links"), help=_("Every source's address")),
        "disputed": st.column_config.TextColumn(
            _("Disputed (in English)"), width="medium",
            help=_("Competing versions from other sources; the row keeps the dataset's "
                   "version")),
        "geo_precision": st.column_config.NumberColumn(_("Geo precision"),
                                                       help=_("1 town, 2 near/part, 3 region")),
        "time_precision": st.column_config.NumberColumn(
            _("Date precision"), help=_("1 the day, 2 within a few days, 3 only a span")),
        "event_date_end": st.column_config.DateColumn(
            _("Until"), format="D MMM" if text.lang == "en" else "DD.MM",
            help=_("Last day of an event known only to a span of days")),
        "event_id_cnty": st.column_config.TextColumn(_("Id")),
    }


COLUMNS = columns()
CERTAINTY = certainty()


# pandas' Styler renders every cell: beyond this many, unknown tolls are written as text.
STYLED_CELLS = 200_000


def shown_table(events: pd.DataFrame, columns: list[str],
                not_published: str = select.NOT_PUBLISHED):
    """The table as a reader sees it: an unknown toll reads "not published", never "None".

    Up to STYLED_CELLS cells the numbers stay numbers (they sort as numbers) and only their
    display says "not published"; a larger frame gets a text column instead.
    """
    frame = events[columns]
    if "fatalities" not in columns:
        return frame
    if frame.size <= STYLED_CELLS:
        return frame.style.format(na_rep=not_published, subset=["fatalities"])
    return frame.assign(fatalities=frame["fatalities"].map(
        lambda n: not_published if pd.isna(n) else str(int(n))))


def render(events: pd.DataFrame, disputes: pd.DataFrame | None = None,
           key: str = "events_table", names=None) -> None:
    text = lang.text()
    _ = text.gettext
    st.caption(_("Search with the table's toolbar, sort by clicking a header; select rows to "
                 "ring those events on the map. What happened (the notes) is written in "
                 "English, as in the sources."))
    shown = select.with_certainty(events, disputes)
    config = {**columns(text), **{k: v for k, v in certainty(text).items() if k in shown}}
    shown = shown[list(config)]
    if names is not None:
        shown = names.localize(shown, text.lang)
    shown = shown.assign(event_type=shown["event_type"].map(lambda v: term(text, v)))
    table = st.dataframe(shown_table(shown, list(config), _(select.NOT_PUBLISHED)),
                         column_config=config, hide_index=True,
                         on_select="rerun", selection_mode="multi-row", key=key)
    rows = table.selection.rows if table else []
    st.session_state[state.HIGHLIGHT] = events.iloc[rows]["event_id_cnty"].tolist()
    if rows:
        st.info(_("{n} selected: ringed on the Map page.").format(n=len(rows)))


def downloads(events: pd.DataFrame) -> None:
    _ = lang.gettext()
    c1, c2 = st.columns(2)
    c1.download_button(_("Download CSV"), lambda: events_csv(events),
                       file_name="kzunrest-events.csv",
                       mime="text/csv", key="download_csv", icon=":material/download:",
                       on_click="ignore",
                       help=_("Our schema; cells that start with = + - @ get a leading ' so a "
                              "spreadsheet does not run them as formulas."))
    c2.download_button(_("Download GeoJSON"), lambda: events_geojson(events),
                       file_name="kzunrest-events.geojson", mime="application/geo+json",
                       key="download_geojson", icon=":material/download:", on_click="ignore")


def day_table_html(events: pd.DataFrame, text: Text = ENGLISH) -> str:
    """The day's events as a plain HTML table: a screen reader reads it as a table and the
    Tab key reaches every source link (a canvas data grid offers neither). Data is escaped;
    only http(s) addresses become links, named by their site."""
    import html
    from functools import cache
    from urllib.parse import urlparse

    _ = text.gettext
    heads = [_("Time"), _("Place"), _("Region"), _("Type"), _("Deaths"), _("Sources"),
             _("What happened (in English)")]

    # Column by column, each distinct value once: places, regions, types and sources repeat
    # from row to row, and 500 rows one by one (itertuples over Arrow-backed columns,
    # parsing each URL) cost a new filter set's rerun about 100 ms at 10^6 events.
    @cache
    def cell(value) -> str:
        return f"<td>{html.escape(str(value))}</td>"

    @cache
    def links(sources: str) -> str:
        found = []
        for url in sources.split():
            if re.match(r"^https?://[^\s\"'<>]+$", url):
                site = urlparse(url).hostname or url
                # Same tab: no window opens unasked (WCAG G201); Back returns to the day.
                found.append(f'<a href="{html.escape(url)}" rel="noopener noreferrer">'
                             f"{html.escape(site)}</a>")
        return f"<td>{'<br>'.join(found)}</td>"

    @cache
    def deaths(value) -> str:
        return cell("" if pd.isna(value) else text.number(int(value)))

    def text_or_blank(value) -> str:
        return "" if pd.isna(value) else str(value)

    times, places, regions, types, dead, sources, notes = (events[c].tolist() for c in (
        "event_time", "location", "admin1", "event_type", "fatalities", "source_url", "notes"))
    rows = ["<tr>" + cell(text_or_blank(t)) + cell(p) + cell(r) + cell(k) + deaths(f)
            + links(text_or_blank(u))
            + f'<td lang="en">{html.escape(text_or_blank(n))}</td></tr>'
            for t, p, r, k, f, u, n in zip(times, places, regions, types, dead, sources, notes,
                                           strict=True)]
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads)
    return (f'<div class="kz-daytable"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")
