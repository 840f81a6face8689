"""The map page under AppTest: what the map component receives (layers, days, the day's rows
as the browser draws them), the link's playback, and "On this day"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import shapely

from kzunrest.dataset import read_dataset
from kzunrest.urlstate import View
from tests.apptest_helpers import card_details, day_index, map_data, run_app, shown_rows
from tests.conftest import DATA


@pytest.fixture(scope="module")
def data():
    """One run of the default map: every day's rows are in what the browser receives."""
    return map_data(run_app())


def test_map_opens_on_the_default_day_with_all_layers(data):
    assert data["spec"]["days"][0] == "2022-01-01" and data["spec"]["days"][-1] == "2022-01-25"
    assert data["playback"] == {"day": day_index(data, "2022-01-02"), "playing": False,
                                "speed": "normal", "mode": "cumulative"}
    ids = [lyr["id"] for lyr in data["spec"]["deck"]["layers"]]
    assert ids[0] == "regions"
    assert {"events", "spread", "emergency", "blackout", "csto-arcs", "csto-sites"} <= set(ids)


def test_jan_2_events_are_only_in_mangystau(data):
    rows = shown_rows(data, "events", "2022-01-02", mode="day")
    assert rows and {r["admin1"] for r in rows} == {"Mangystau Region"}
    assert {r["admin1"] for r in shown_rows(data, "spread", "2022-01-02")} == {
        "Mangystau Region"}


def test_jan_5_reaches_almaty_and_the_emergency_begins(data):
    assert "Almaty" in {r["admin1"] for r in shown_rows(data, "events", "2022-01-05", "day")}
    assert "Almaty" in {r["admin1"] for r in shown_rows(data, "emergency", "2022-01-05")}
    assert shown_rows(data, "blackout", "2022-01-05")  # the nationwide shutdown that afternoon


def test_jan_7_arcs_show_the_contingents_that_have_arrived(data):
    arcs = shown_rows(data, "csto-arcs", "2022-01-07")
    assert {a["country"] for a in arcs} == {"Russia", "Belarus", "Tajikistan", "Kyrgyzstan"}
    phases = {a["country"]: a["phase"] for a in arcs}
    assert phases["Kyrgyzstan"] == "arriving" and phases["Russia"] == "present"
    labels = {lab["text"] for lab in shown_rows(data, "csto-labels", "2022-01-07")}
    assert labels == {"Russia", "Belarus", "Tajikistan", "Kyrgyzstan"}


def test_jan_14_allies_leave_and_jan_25_nothing_remains(data):
    phases = {a["country"]: a["phase"] for a in shown_rows(data, "csto-arcs", "2022-01-14")}
    assert phases == {"Russia": "present", "Belarus": "leaving", "Armenia": "leaving",
                      "Tajikistan": "leaving", "Kyrgyzstan": "leaving"}
    for layer_id in ("csto-arcs", "csto-sites", "emergency"):
        assert shown_rows(data, layer_id, "2022-01-25") == [], layer_id


def test_cumulative_mode_keeps_earlier_days_as_a_trail(data):
    trail = shown_rows(data, "events", "2022-01-05", mode="cumulative")
    today = shown_rows(data, "events", "2022-01-05", mode="day")
    assert {r["event_date"] for r in today} == {"2022-01-05"}
    assert min(r["event_date"] for r in trail) < "2022-01-05" and len(trail) > len(today)
    assert 0 < data["spec"]["trail_opacity"] < 1


def test_the_days_come_with_their_summary(data):
    summary = {s["date"]: s for s in data["spec"]["summary"]}
    jan9 = summary["2022-01-09"]
    assert jan9["regions"] == jan9["regions_total"] == 17
    assert jan9["so_far"] > jan9["today"] > 0 and jan9["contingents"] == 5
    assert "nationwide" in summary["2022-01-06"]["blackout"]
    assert summary["2022-01-01"]["regions"] == 1


def _segments(rows: list[dict]) -> list:
    return [shapely.LineString([r["s"], r["t"]]) for r in rows]


def _same_lines(segments: list, outlines, tolerance: float = 1e-4) -> tuple[bool, bool]:
    """(every part of ``outlines`` is drawn, nothing but ``outlines`` is drawn), to
    ``tolerance`` degrees: points every 0.05° along the outlines lie on a segment, and each
    segment's midpoint on the outlines (buffering thousands of segments took minutes)."""
    drawn = shapely.union_all(segments)
    shapely.prepare(drawn)
    shapely.prepare(outlines)
    along = shapely.points(shapely.get_coordinates(shapely.segmentize(outlines, 0.05)))
    mids = shapely.line_interpolate_point(np.array(segments, dtype=object), 0.5,
                                          normalized=True)
    return (bool(shapely.dwithin(drawn, along, tolerance).all()),
            bool(shapely.dwithin(outlines, mids, tolerance).all()))


def test_every_region_border_is_drawn_once_and_the_regions_take_clicks(data):
    """The borders are segments drawn once (a border two regions share, once); the regions'
    transparent fill is only drawn when the browser picks, and still takes the clicks."""
    ds = read_dataset(DATA)
    spec = data["spec"]
    borders = next(t for t in spec["deck"]["layers"] if t["id"] == "region-borders")
    assert borders["@@type"] == "LineLayer"
    segments = _segments(shown_rows(data, "region-borders"))
    assert len({(round(s.coords[0][0], 5), round(s.coords[0][1], 5),
                 round(s.coords[1][0], 5), round(s.coords[1][1], 5)) for s in segments}) == len(
        segments)
    outlines = shapely.union_all(list(ds.regions.geometry.boundary))
    # Every region's outline is drawn, and nothing else.
    assert _same_lines(segments, outlines) == (True, True)
    shared = ds.regions.set_index("admin1").geometry
    between = shared["Almaty"].boundary.intersection(shared["Almaty Region"].boundary)
    near = between.buffer(1e-6)
    shapely.prepare(near)
    on_it = [s for s in segments if near.contains(s)]
    assert on_it and abs(sum(s.length for s in on_it) - between.length) < 1e-6
    regions = next(t for t in spec["deck"]["layers"] if t["id"] == "regions")
    assert regions["pickable"] and not regions["stroked"]
    assert "regions" in spec["clickable"] and "regions" in spec["pick_only"]


def test_the_emergency_outlines_follow_the_day(data):
    """Drawn as segments: on 14 January the regions still in force, not those whose state
    of emergency ended on the 13th; the per-region outlines stay for the tooltips."""
    ds = read_dataset(DATA)
    geoms = ds.regions.set_index("admin1").geometry
    segments = _segments(shown_rows(data, "emergency-lines", "2022-01-14"))
    jan14 = shapely.union_all(segments)
    in_force = {r["admin1"] for r in shown_rows(data, "emergency", "2022-01-14")}
    assert "Akmola Region" in in_force and "North Kazakhstan Region" not in in_force
    outlined = shapely.union_all([geoms[r].boundary for r in in_force])
    assert _same_lines(segments, outlined) == (True, True)
    # North Kazakhstan's border with Russia is no longer outlined.
    others = shapely.union_all([g.boundary for r, g in geoms.items()
                                if r != "North Kazakhstan Region"])
    border = shapely.segmentize(geoms["North Kazakhstan Region"].boundary, 0.05)
    points = shapely.points(shapely.get_coordinates(border))
    shapely.prepare(others)
    shapely.prepare(jan14)
    abroad = points[~shapely.dwithin(others, points, 1e-4)]
    assert len(abroad) > 20 and not shapely.dwithin(jan14, abroad, 1e-5).any()
    assert shown_rows(data, "emergency-lines", "2022-01-25") == []
    assert "emergency" in data["spec"]["pick_only"]
    assert data["spec"]["timing"]["emergency-lines"] == {"by": "period"}


def test_the_map_is_sent_once_and_the_heavy_rows_are_files(data):
    """The whole calendar's map is one message of a few dozen KB; events and shapes are
    URLs fetched once (and cached by the browser and the proxy)."""
    assert len(json.dumps(data)) < 80_000
    layers = {t["id"]: t for t in data["spec"]["deck"]["layers"]}
    for layer_id in ("events", "spread", "emergency", "blackout", "regions", "region-borders",
                     "emergency-lines"):
        assert isinstance(layers[layer_id]["data"], str), layer_id
    assert data["bundle"].startswith("app/static/vendor/deckgl-")


def test_a_link_sets_the_playback():
    data = map_data(run_app(date="2022-01-09", play="1", speed="fast", mode="day"))
    assert data["playback"] == {"day": day_index(data, "2022-01-09"), "playing": True,
                                "speed": "fast", "mode": "day"}


def test_an_old_link_with_a_microsecond_date_opens_that_day_and_is_rewritten_in_iso():
    at = run_app(date="1641340800000000")
    assert map_data(at)["playback"]["day"] == day_index(map_data(at), "2022-01-05")
    assert at.query_params["date"] == "2022-01-05"


def test_the_day_the_browser_reports_reaches_the_link_and_on_this_day():
    at = run_app()
    seq = map_data(at)["seq"]
    view = at.session_state["_view"]
    at.session_state["_view"] = dataclasses.replace(view, day=dt.date(2022, 1, 9))
    at.run()
    assert at.query_params["date"] == "2022-01-09"
    assert any("On Sunday 09 January 2022" in m.value for m in at.markdown)
    data = map_data(at)
    # The browser's own day is echoed, not imposed: seq (Python setting the view) is unchanged.
    assert data["seq"] == seq and data["playback"]["day"] == day_index(data, "2022-01-09")


def test_layer_toggles_remove_layers():
    data = map_data(run_app(layers=["events"]))
    # The events carry their type's letter (map_spec.type_marks): shape as well as colour.
    ids = [t["id"] for t in data["spec"]["deck"]["layers"]]
    assert ids == ["regions", "region-borders", "events-area", "events-halo", "events-span",
                   "events", "type-marks", "events-disputed"]
    assert [p["title"] for p in data["spec"]["legend"]] == ["Events", "How sure"]


def test_the_legend_keys_what_is_drawn(data):
    titles = [p["title"] for p in data["spec"]["legend"]]
    assert titles == ["Events", "How sure", "First event in the region", "State of emergency",
                      "Internet shutdown", "CSTO contingents", "CSTO sites"]
    hatch = next(p for p in data["spec"]["legend"] if p["kind"] == "hatch")
    assert hatch["items"][0][1] == "#1e1e3c"


def test_on_this_day_panel_shows_milestones_and_figures():
    at = run_app(date="2022-01-09")
    text = " ".join(m.value for m in at.markdown)
    assert "Official figures known by this day" in text
    assert "164" in text and "retracted" in text  # the toll posted and withdrawn on Jan 9


def test_presentation_shows_the_days_counts_in_large_type():
    at = run_app(date="2022-01-09", present="1")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Regions reached"] == "17 of 17"
    assert int(metrics["Events so far"]) > int(metrics["Events this day"])


def test_offline_basemap_uses_the_served_blank_style_and_labels_the_places():
    data = map_data(run_app(basemap="offline"))
    assert data["spec"]["deck"]["mapStyle"] == "/app/static/blank-style.json"
    regions = {r["text"] for r in shown_rows(data, "region-labels")}
    assert {"Mangystau", "Almaty", "Nur-Sultan"} <= regions
    places = {r["text"] for r in shown_rows(data, "place-labels", "2022-01-02")}
    assert "Zhanaozen" in places and "Almaty" not in places


def test_without_a_camera_in_the_link_the_browser_fits_the_regions():
    assert map_data(run_app())["fit"] is not None
    data = map_data(run_app(lon="76.9", lat="43.2", zoom="9"))
    assert data["fit"] is None
    view = data["spec"]["deck"]["initialViewState"]
    assert (view["longitude"], view["latitude"], view["zoom"]) == (76.9, 43.2, 9)


def test_a_link_can_open_on_the_first_day():
    data = map_data(run_app(date="2022-01-01"))
    assert data["playback"]["day"] == 0


def test_a_2023_dataset_folder_animates_over_its_own_dates(folder_2023, monkeypatch):
    """KZUNREST_DATA names a folder dated 3-7 March 2023: the calendar, the sidebar's dates
    and each day's rows run over those days."""
    monkeypatch.setenv("KZUNREST_DATA", str(folder_2023))
    at = run_app()
    data = map_data(at)
    assert data["spec"]["days"] == ["2023-03-03", "2023-03-04", "2023-03-05", "2023-03-06",
                                    "2023-03-07"]
    assert data["playback"]["day"] == 0
    assert at.slider(key="dates").value == (dt.date(2023, 3, 3), dt.date(2023, 3, 7))
    seen = {d: {r["event_id_cnty"] for r in shown_rows(data, "events", d, mode="day")}
            for d in data["spec"]["days"]}
    assert seen == {"2023-03-03": {"E1"}, "2023-03-04": {"E2"}, "2023-03-05": set(),
                    "2023-03-06": set(), "2023-03-07": {"E3"}}
    assert data["fit"] == [50.0, 40.0, 70.0, 50.0]  # the two squares' bounds


def test_view_is_a_frozen_value():
    with pytest.raises(dataclasses.FrozenInstanceError):
        View(dt.date(2022, 1, 2)).day = dt.date(2022, 1, 3)  # type: ignore[misc]


def test_how_sure_each_event_is_is_drawn(data):
    """A total known only to a span of days is drawn on each of its days, not as one day's
    point; a town-only position gets a halo; a disputed row a ring, with its versions."""
    span = [r for r in shown_rows(data, "events-span", "2022-01-08")
            if r["event_id_cnty"] == "KAZ0180"]
    assert span and span[0]["admin1"] == "Almaty" and span[0]["last"] > span[0]["start"]
    assert all(r["event_id_cnty"] != "KAZ0180"
               for d in data["spec"]["days"] for r in shown_rows(data, "events", d, "day"))
    assert {r["gp"] for r in shown_rows(data, "events-halo", "2022-01-25")} == {2}
    disputed = {r["event_id_cnty"] for r in shown_rows(data, "events-disputed", "2022-01-01")}
    assert "KAZ0001" in disputed
    field, value, *_ = card_details(data)["KAZ0001"]["disputes"][0]
    assert (field, value) == ("event_date", "2022-01-02")
    mangystau = next(r for r in shown_rows(data, "spread", "2022-01-01")
                     if r["admin1"] == "Mangystau Region")
    assert "date disputed: other sources say 02 Jan" in mangystau["body"]
    sure = next(p for p in data["spec"]["legend"] if p["title"] == "How sure")
    assert [i[0] for i in sure["items"]][:2] == ["exact place", "town only (about 25 km)"]


def test_the_days_table_escapes_its_text_and_links_only_web_addresses():
    from kzunrest.ui.events_table import day_table_html

    rows = pd.DataFrame({
        "event_time": ["17:20", None], "location": ["<b>Aktau</b>", "Aktau"],
        "admin1": ["Mangystau Region"] * 2, "event_type": ["Protests"] * 2,
        "fatalities": [2.0, float("nan")],
        "source_url": ["https://example.org/a javascript:alert(1)", None],
        "notes": ["a & b", None]})
    html = day_table_html(rows)
    assert html.count("<tr>") == 3  # the head and two events
    assert "&lt;b&gt;Aktau&lt;/b&gt;" in html and "<b>" not in html
    assert 'href="https://example.org/a"' in html and "javascript:" not in html
    assert "<td>2</td>" in html and "a &amp; b" in html and "nan" not in html
