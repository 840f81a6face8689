"""Every page under AppTest: filters change the table and charts; uploads validate."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import ROOT, map_data, shown_rows
from tests.conftest import DATA

PAGES = ["pages/map.py", "pages/analysis.py", "pages/csto.py", "pages/data.py"]


def open_page(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


TABLE_COLUMNS = {"events_table": "event_id_cnty", "contingents_table": "personnel_note",
                 "sources_table": "events"}


def table_frame(at: AppTest, key: str) -> pd.DataFrame:
    """The table shown under ``key`` (found by a column only it has)."""
    column = TABLE_COLUMNS[key]
    return next(df.value for df in at.dataframe if column in df.value.columns)


def chart_rows(at: AppTest, title: str) -> pd.DataFrame:
    """The data of the Altair chart with this title, as sent to the browser (Arrow)."""
    import pyarrow as pa

    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        layers = spec.get("layer", [spec])
        if any(title in json.dumps(lyr.get("title", "")) for lyr in layers):
            frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
            return frames[0]
    raise AssertionError(f"no chart titled {title!r}")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(page):
    at = open_page(page)
    headings = [t.value for t in at.title] + [m.value for m in at.markdown
                                              if m.value.startswith("### ")]
    assert headings  # the page says what it is


def test_region_filter_changes_table_rows_and_chart_data():
    every = open_page("pages/analysis.py")
    all_rows = table_frame(every, "events_table")
    one = open_page("pages/analysis.py", regions="Almaty")
    rows = table_frame(one, "events_table")
    assert 0 < len(rows) < len(all_rows)
    assert set(rows["admin1"]) == {"Almaty"}
    heat = chart_rows(one, "Events per day by region")
    assert len(heat) and set(heat["admin1"]) == {"Almaty"}
    assert set(chart_rows(every, "Events per day by region")["admin1"]) > {"Almaty"}


def test_type_and_date_filters_narrow_the_events():
    at = open_page("pages/analysis.py", types="Protests", dates=["2022-01-04", "2022-01-06"])
    rows = table_frame(at, "events_table")
    assert len(rows) and set(rows["event_type"]) == {"Protests"}
    assert rows["event_date"].min() >= pd.Timestamp("2022-01-04")
    assert rows["event_date"].max() <= pd.Timestamp("2022-01-06")


def test_kyzylorda_question_answered_on_the_analysis_page():
    """When did Kyzylorda region first see unrest, what happened, who reported it."""
    at = open_page("pages/analysis.py", regions="Kyzylorda Region")
    rows = table_frame(at, "events_table").sort_values("event_date")
    assert len(rows)
    first = rows.iloc[0]
    assert first["source_url"].startswith("http") and first["notes"]
    assert at.metric[0].value == str(len(rows))


def test_csto_page_shows_contingents_and_a_chosen_days_arcs():
    at = open_page("pages/csto.py")
    assert len(table_frame(at, "contingents_table")) == 5
    at.slider(key="csto_day").set_value(pd.Timestamp("2022-01-14").date()).run()
    data = map_data(at)
    assert data["spec"]["days"][data["playback"]["day"]] == "2022-01-14"
    assert {a["phase"] for a in shown_rows(data, "csto-arcs")} == {"present", "leaving"}
    # The camera takes in every contingent's home: Minsk is the westernmost.
    assert data["fit"][0] < 28 and data["controls"] is False


ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"
                "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,"
                "interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,"
                "latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,"
                "timestamp")


def acled_file() -> bytes:
    rows = [
        "KAZ1,05 January 2022,2022,1,Political violence,Riots,Violent demonstration,"
        "Rioters (Kazakhstan),,5,,,,50,,398,Central Asia,Kazakhstan,Almaty City,,,Almaty,"
        "43.2525,76.9115,1,Test,National,Crowds at the akimat.,0,,1641400000",
        "KAZ2,04 January 2022,2022,1,Demonstrations,Protests,Peaceful protest,"
        "Protesters (Kazakhstan),,6,,,,60,,398,Central Asia,Kazakhstan,West Kazakhstan,,,Oral,"
        "51.246,51.4256,1,Test,National,Rally on the square.,0,,1641300000",
    ]
    return ("\n".join([ACLED_HEADER, *rows]) + "\n").encode()


def test_a_valid_acled_upload_replaces_the_events_for_this_session_only(tmp_path):
    before = (DATA / "events.csv").read_bytes()
    script = f"""
import streamlit as st
from kzunrest.ui import data, upload
problems = upload.use_bytes(data.bundled_dataset(), {acled_file()!r}, "acled.csv")
st.write(problems)
st.metric("events", len(data.current_dataset().events))
st.text(",".join(sorted(set(data.current_dataset().events["admin1"]))))
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    assert at.metric[0].value == "2"
    assert at.text[0].value == "Almaty,West Kazakhstan Region"
    assert (DATA / "events.csv").read_bytes() == before


def test_a_broken_upload_lists_every_problem_and_keeps_the_bundled_data():
    broken = b"date,lat,lon\n2022-01-05,43.25,76.91\n2022-01-06,95,76.91\nnot-a-date,43,76\n"
    script = f"""
import streamlit as st
import pandas as pd
from kzunrest.ui import data, upload
problems = upload.use_bytes(data.bundled_dataset(), {broken!r}, "broken.csv")
st.dataframe(pd.DataFrame(problems), key="problems")
st.metric("events", len(data.current_dataset().events))
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    problems = at.dataframe[0].value
    assert problems["line"].tolist() == [3, 4]
    assert problems["column"].tolist() == ["lat", "date"]
    assert int(at.metric[0].value) > 100  # still the bundled dataset


def test_data_page_lists_every_source_cited():
    at = open_page("pages/data.py")
    sources = table_frame(at, "sources_table")
    events = pd.read_csv(DATA / "events.csv")
    assert set(sources["source_url"]) == set(events["source_url"])


def test_story_page_steps_with_next_and_previous():
    at = open_page("pages/story.py", step="3")
    assert at.select_slider(key="step").value == 3
    at.button(key="story_next").click().run()
    assert at.select_slider(key="step").value == 4
    data = map_data(at)
    assert data["keys"] == "story"  # ← and → on the page step the story (the browser test)
    story = pd.read_csv(DATA / "story.csv")
    row = story[story["step"] == 4].iloc[0]
    assert data["spec"]["days"][data["playback"]["day"]] == row["date"]
    wanted = {x for x in row["layers"].split("|")}
    ids = {t["id"].split("-")[0] if t["id"].startswith("events-") else t["id"]
           for t in data["spec"]["deck"]["layers"]} - {"regions", "region-borders", "type-marks"}
    if "emergency" in wanted:  # the emergency's outlines come as segments beside it
        ids.discard("emergency-lines")
    assert ids == wanted  # with the events come their marks of how sure they are
    assert {p["title"] for p in data["spec"]["legend"]}  # a legend on every step
    x0, y0, x1, y1 = data["fit"]  # the step's area (here the country), fitted by the browser
    assert x0 <= row["longitude"] <= x1 and y0 <= row["latitude"] <= y1
    at.button(key="story_prev").click().run()
    at.button(key="story_prev").click().run()
    assert at.select_slider(key="step").value == 2


def test_a_link_with_bad_parameters_opens_the_defaults_with_a_notice():
    at = open_page("pages/map.py", date="not-a-date", regions="Atlantis")
    warning = " ".join(w.value for w in at.warning)
    assert "date=not-a-date ignored" in warning and "regions=Atlantis ignored" in warning
    data = map_data(at)
    assert data["spec"]["days"][data["playback"]["day"]] == "2022-01-02"


def test_presentation_layout_hides_navigation_and_enlarges_type():
    at = open_page("pages/map.py", present="1")
    assert not at.title  # no page title in the presentation layout
    css = " ".join(m.value for m in at.markdown if "<style>" in m.value)
    assert "stSidebar" in css and "stMetricValue" in css


def test_the_analysis_table_says_how_sure_each_event_is():
    at = open_page("pages/analysis.py", regions="Mangystau Region")
    rows = table_frame(at, "events_table")
    assert {"sources", "links", "disputed", "geo_precision", "time_precision"} <= set(rows)
    first = rows[rows["event_id_cnty"] == "KAZ0001"].iloc[0]
    assert first["disputed"].startswith("event date: 2022-01-02")
    assert (rows["sources"] >= 1).all()
