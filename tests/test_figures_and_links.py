"""Figures that cannot mislead, and a view that follows the reader from page to page
(issue 15, items 7 and 8; issue 12's two-sources filter)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kzunrest import charts, select
from kzunrest.dataset import read_dataset
from kzunrest.ui import events_table, state
from tests.apptest_helpers import map_data, shown_rows
from tests.conftest import DATA
from tests.test_pages import open_page, table_frame

BUNDLED = read_dataset(DATA)


def events(rows: list[tuple]) -> pd.DataFrame:
    """(id, day, region, deaths or None, time_precision, source) rows, with a position."""
    frame = pd.DataFrame(rows, columns=["event_id_cnty", "event_date", "admin1", "fatalities",
                                        "time_precision", "source"])
    return frame.assign(event_date=pd.to_datetime(frame["event_date"]),
                        fatalities=frame["fatalities"].astype("Int64"),
                        location=frame["admin1"] + " town", latitude=45.0,
                        longitude=[50.0 + i for i in range(len(frame))], event_time="",
                        event_type="Protests", sub_event_type="Peaceful protest", actor1="",
                        actor2="", geo_precision=1)


FIVE = events([("A1", "2022-01-02", "West", 3, 1, "Paper"),
               ("A2", "2022-01-05", "West", 10, 3, "Paper; Wire"),
               ("A3", "2022-01-04", "East", None, 1, "Wire"),
               ("A4", "2022-01-06", "East", 1, 1, "Wire; wire"),
               ("A5", "2022-01-06", "North", None, 1, "Paper; Radio; Wire")])


def spec(chart) -> dict:
    return chart.to_dict()


def test_the_deaths_chart_says_what_it_adds_up_and_what_it_leaves_out():
    chart = spec(charts.fatalities_by_region(FIVE))
    title = chart["title"]
    assert title["text"] == "Deaths in events with a published toll, by region"
    subtitle = " ".join(title["subtitle"])
    assert "Sum over 3 events; 2 events of unknown toll are left out" in subtitle
    assert "Includes 1 region total row(s) (time precision 3)" in subtitle
    rows = pd.DataFrame(next(iter(chart["datasets"].values())))
    assert dict(zip(rows["admin1"], rows["deaths"], strict=True)) == {"West": 13, "East": 1}


@pytest.mark.parametrize("regions", [["West"], ["West", "East", "North"]])
def test_the_spread_chart_gives_each_region_its_own_labelled_row(regions):
    chosen = FIVE[FIVE["admin1"].isin(regions)]
    chart = spec(charts.spread_curve(chosen))
    points = next(lyr for lyr in chart["layer"] if lyr["mark"]["type"] == "circle")
    assert points["encoding"]["y"]["field"] == "label"  # names on the axis, never overlapping
    assert "text" not in json.dumps([lyr["mark"] for lyr in chart["layer"]])
    lo, hi = points["encoding"]["x"]["scale"]["domain"]
    assert pd.Timestamp(hi) - pd.Timestamp(lo) >= pd.Timedelta(days=2)  # never zero-width
    rows = pd.DataFrame(chart["datasets"][points.get("data", {}).get("name")
                                          or next(iter(chart["datasets"]))])
    assert sorted(rows["admin1"]) == sorted(regions)
    assert rows["label"].is_unique and rows["label"].str.contains(r"\(\d[\d,]* km\)").all()


def test_unknown_headcounts_and_dates_read_not_published():
    assert select.personnel_text(pd.Series([2030, None])).tolist() == ["2,030",
                                                                       "not published"]
    info = select.csto_personnel(BUNDLED.contingents)
    assert set(info["not_published"]) == {"Russia", "Belarus"}
    assert sum(info["published"].values()) == 350  # three contingents: not the force's size
    (sentence, urls), = info["whole_force"]
    assert "2,030 troops" in sentence and all(u.startswith("http") for u in urls)


def test_the_events_table_writes_an_unknown_toll_in_words():
    styled = events_table.shown_table(FIVE, ["event_id_cnty", "fatalities"])
    text = styled.to_string()
    assert text.count("not published") == 2 and "nan" not in text and "None" not in text


def test_analysis_page_shows_the_official_toll_with_its_source():
    at = open_page("pages/analysis.py")
    captions = " ".join(c.value for c in at.caption)
    official = select.official_total(BUNDLED.figures, "deaths")
    assert f"Official national toll: **{official['value']:,}**" in captions
    assert official["source_url"].split()[0] in captions
    assert "None" not in captions and "nan" not in captions


def test_csto_page_writes_not_published_and_the_announced_force():
    at = open_page("pages/csto.py")
    table = table_frame(at, "contingents_table").set_index("country")
    assert table.loc["Russia", "personnel"] == "not published"
    assert table.loc["Belarus", "personnel"] == "not published"
    assert not table.isna().any().any()
    text = " ".join(m.value for m in at.markdown)
    assert "2,030 troops" in text and "not published for Russia, Belarus" in text
    assert "None" not in text and " 350" not in text
    sites = next(df.value for df in at.dataframe if "site_id" in df.value.columns)
    assert not sites[["start_date", "end_date"]].isna().any().any()


def test_two_or_more_sources_narrows_the_events_everywhere():
    assert select.select_events(FIVE, select.Filters(well_sourced=True))[
        "event_id_cnty"].tolist() == ["A2", "A5"]  # "Wire; wire" is one publisher
    analysis = open_page("pages/analysis.py", sources2="true")
    rows = table_frame(analysis, "events_table")
    assert len(rows) and (select.independent_sources(rows) >= 2).all()
    assert analysis.toggle(key=state.SOURCES2).value is True
    data_page = open_page("pages/data.py", sources2="true")
    cited = table_frame(data_page, "sources_table")
    assert cited["events"].sum() == len(rows)
    assert "The sidebar filters keep" in " ".join(c.value for c in data_page.caption)
    map_page = open_page("pages/map.py", sources2="true", date="2022-01-25",
                         layers="events")
    drawn = {r["event_id_cnty"] for r in shown_rows(map_data(map_page), "events")}
    assert drawn and drawn <= set(rows["event_id_cnty"])


def page_links(at) -> dict[str, str]:
    """Each sidebar page link's target and the query string it carries."""
    return {link.proto.label: link.proto.query_string for link in at.get("page_link")}


def test_page_links_carry_the_links_view_but_not_what_streamlit_carries_itself():
    at = open_page("pages/map.py", basemap="offline", layers=["events", "spread"],
                   date="2022-01-07", mode="day", regions="Almaty")
    links = page_links(at)
    assert set(links) == {"Map", "Story", "Analysis", "CSTO deployment", "Data"}
    query = links["Analysis"]
    for part in ("basemap=offline", "layers=events", "layers=spread", "date=2022-01-07",
                 "mode=day"):
        assert part in query
    assert "regions" not in query  # bound in the sidebar on every page: Streamlit carries it


def test_the_maps_layers_and_basemap_come_back_on_the_other_pages():
    at = open_page("pages/map.py", basemap="offline", layers="events")
    # A browser's page change drops a parameter bound to another page's widget (and the
    # binding); AppTest keeps both, so a fresh session of the CSTO page stands in for it.
    kept = at.session_state[state.KEPT_PARAMS]
    assert kept == {"basemap": ["offline"], "layers": ["events"]}
    at = open_page("pages/csto.py")
    at.session_state[state.KEPT_PARAMS] = kept
    at.run()
    assert at.query_params["basemap"] in ("offline", ["offline"])
    assert "basemap=offline" in page_links(at)["Map"]
    # and the CSTO map honours it: no tiles, our own place names.
    spec = map_data(at)["spec"]["deck"]
    assert spec["mapStyle"].endswith("blank-style.json")
    assert "region-labels" in {lyr["id"] for lyr in spec["layers"]}


def test_pages_that_ignore_the_filters_say_so_under_them():
    notes = {page: " ".join(i.value for i in open_page(page).sidebar.info)
             for page in ("pages/csto.py", "pages/story.py", "pages/analysis.py")}
    assert "not here" in notes["pages/csto.py"] and "not here" in notes["pages/story.py"]
    assert notes["pages/analysis.py"] == ""


def test_an_upload_is_announced_on_every_page_with_the_way_back():
    at = open_page("pages/analysis.py")
    at.session_state[state.UPLOADED_DATASET] = BUNDLED
    at.session_state[state.UPLOADED_TOKEN] = "upload:test"
    at.session_state[state.UPLOADED_NAME] = "theirs.csv"
    for page in ("pages/map.py", "pages/csto.py", "pages/data.py"):
        at.switch_page(page).run()
        assert any("theirs" in i.value and "bundled" in i.value for i in at.info), page
    at.button(key="back_bundled").click().run()
    assert state.UPLOADED_NAME not in at.session_state
    assert not any("theirs" in i.value for i in at.info)
