"""The map page under AppTest: each layer's content on given days, controls, frame size."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.apptest_helpers import deck_spec, layer, run_app, visible_rows


@pytest.fixture(scope="module")
def day_specs():
    """One run per day of interest, shared by the tests below."""
    return {d: deck_spec(run_app(date=d)) for d in
            ("2022-01-02", "2022-01-05", "2022-01-07", "2022-01-14", "2022-01-25")}


def test_map_opens_on_the_default_day_with_all_layers():
    at = run_app()
    assert at.slider(key="date").value == dt.date(2022, 1, 2)
    ids = [lyr["id"] for lyr in deck_spec(at)["layers"]]
    assert ids[0] == "regions"
    assert {"events", "spread", "emergency", "blackout", "csto-arcs", "csto-sites"} <= set(ids)


def test_jan_2_events_are_only_in_mangystau(day_specs):
    rows = visible_rows(day_specs["2022-01-02"], "events")
    assert rows and {r["admin1"] for r in rows} == {"Mangystau Region"}
    assert {r["admin1"] for r in visible_rows(day_specs["2022-01-02"], "spread")} == {
        "Mangystau Region"}


def test_jan_5_reaches_almaty_and_the_emergency_begins(day_specs):
    spec = day_specs["2022-01-05"]
    assert "Almaty" in {r["admin1"] for r in visible_rows(spec, "events")}
    assert "Almaty" in {r["admin1"] for r in visible_rows(spec, "emergency")}
    assert visible_rows(spec, "blackout")  # the nationwide shutdown starts that afternoon


def test_jan_7_arcs_show_the_contingents_that_have_arrived(day_specs):
    arcs = visible_rows(day_specs["2022-01-07"], "csto-arcs")
    assert {a["country"] for a in arcs} == {"Russia", "Belarus", "Tajikistan", "Kyrgyzstan"}
    phases = {a["country"]: a["phase"] for a in arcs}
    assert phases["Kyrgyzstan"] == "arriving" and phases["Russia"] == "present"


def test_jan_14_allies_leave_and_jan_25_nothing_remains(day_specs):
    phases = {a["country"]: a["phase"] for a in visible_rows(day_specs["2022-01-14"],
                                                             "csto-arcs")}
    assert phases == {"Russia": "present", "Belarus": "leaving", "Armenia": "leaving",
                      "Tajikistan": "leaving", "Kyrgyzstan": "leaving"}
    spec = day_specs["2022-01-25"]
    assert visible_rows(spec, "csto-arcs") == []
    assert visible_rows(spec, "csto-sites") == []
    assert visible_rows(spec, "emergency") == []


def test_cumulative_mode_keeps_earlier_days_as_a_trail(day_specs):
    spec = day_specs["2022-01-05"]
    trail = visible_rows(spec, "events-trail")
    assert trail and max(r["event_date"] for r in trail) < "2022-01-05"
    day_only = deck_spec(run_app(date="2022-01-05", mode="day"))
    assert layer(day_only, "events-trail") is None


def test_every_frame_carries_the_day_not_the_data():
    """Under 10 KB a frame, every day: events and shapes are URLs fetched once."""
    at = run_app()
    for day in range(1, 26):
        at.slider(key="date").set_value(dt.date(2022, 1, day)).run()
        chart = at.get("deck_gl_json_chart")[0].proto
        assert len(chart.json) + len(chart.tooltip) < 10_000, day
        assert isinstance(layer(deck_spec(at), "events")["data"], str)


def test_the_initial_view_is_the_same_on_every_day(day_specs):
    views = {str(spec["initialViewState"]) for spec in day_specs.values()}
    assert len(views) == 1


def test_next_and_previous_buttons_move_one_day():
    at = run_app(date="2022-01-05")
    at.button(key="next_day").click().run()
    assert at.slider(key="date").value == dt.date(2022, 1, 6)
    at.button(key="prev_day").click().run()
    at.button(key="prev_day").click().run()
    assert at.slider(key="date").value == dt.date(2022, 1, 4)


def test_layer_toggles_remove_layers():
    spec = deck_spec(run_app(layers=["events"]))
    assert [lyr["id"] for lyr in spec["layers"]] == ["regions", "events-trail", "events"]


def test_on_this_day_panel_shows_counts_milestones_and_figures():
    at = run_app(date="2022-01-09")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Regions reached"].endswith("of 17")
    assert int(metrics["Events so far"]) > int(metrics["Events this day"])
    text = " ".join(m.value for m in at.markdown)
    assert "Official figures known by this day" in text
    assert "164" in text and "retracted" in text  # the toll posted and withdrawn on Jan 9


def test_offline_basemap_uses_the_served_blank_style():
    spec = deck_spec(run_app(basemap="offline"))
    assert spec["mapStyle"] == "/app/static/blank-style.json"


def test_a_link_can_open_on_the_first_day():
    at = run_app(date="2022-01-01")
    assert at.slider(key="date").value == dt.date(2022, 1, 1)


def test_a_2023_dataset_folder_animates_over_its_own_dates(folder_2023, monkeypatch):
    """KZUNREST_DATA names a folder dated 3-7 March 2023: the day slider, the sidebar's dates
    and ◀/▶ run over those days, and each day's map shows that day's events."""
    monkeypatch.setenv("KZUNREST_DATA", str(folder_2023))
    at = run_app()
    day = at.slider(key="date")
    # AppTest reports a date slider's bounds as microseconds since 1970.
    bounds = [dt.date(1970, 1, 1) + dt.timedelta(microseconds=v) for v in (day.min, day.max)]
    assert (*bounds, day.value) == (dt.date(2023, 3, 3), dt.date(2023, 3, 7),
                                    dt.date(2023, 3, 3))
    assert at.slider(key="dates").value == (dt.date(2023, 3, 3), dt.date(2023, 3, 7))
    seen = {}
    for _ in range(6):  # one more than the five days: ▶ stops on the last day
        seen[at.slider(key="date").value] = {
            r["event_id_cnty"] for r in visible_rows(deck_spec(at), "events")}
        at.button(key="next_day").click().run()
    assert at.slider(key="date").value == dt.date(2023, 3, 7)
    assert seen == {dt.date(2023, 3, 3): {"E1"}, dt.date(2023, 3, 4): {"E2"},
                    dt.date(2023, 3, 5): set(), dt.date(2023, 3, 6): set(),
                    dt.date(2023, 3, 7): {"E3"}}
    spec = deck_spec(at)
    assert spec["initialViewState"]["longitude"] == 60.0  # the camera on the two squares
