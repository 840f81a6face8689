"""Layer builders over small frames: ids, rows, escaping, content-hashed files."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from kzunrest import layers

FIRST = dt.date(2022, 1, 1)  # the first day of the calendar these frames are drawn on


def events_frame(**over) -> pd.DataFrame:
    row = {"event_id_cnty": "T1", "event_date": pd.Timestamp("2022-01-05"), "event_time": "",
           "time_precision": 1, "event_type": "Riots", "sub_event_type": "Mob violence",
           "actor1": "Rioters (Kazakhstan)", "actor2": "", "admin1": "Almaty",
           "location": "Almaty", "latitude": 43.25, "longitude": 76.91, "geo_precision": 1,
           "fatalities": pd.NA, "notes": "n", "source": "s", "source_url": "https://x.org/1"}
    row.update(over)
    return pd.DataFrame([row])


def test_text_stays_plain_text_in_the_rows():
    """The component writes these with textContent: the rows carry the text as it is."""
    rows = layers.event_rows(events_frame(notes="<img src=x onerror=alert(1)>",
                                          source="A; B", source_url="https://a.kz/1 https://b.kz/2"),
                             {"Riots": "#E69F00"}, FIRST)
    assert rows[0]["notes"] == "<img src=x onerror=alert(1)>"
    assert rows[0]["body"].endswith("<img src=x onerror=alert(1)>")
    assert rows[0]["sources"] == [["A", "https://a.kz/1"], ["B", "https://b.kz/2"]]


def test_event_rows_carry_the_contract_fields_and_day_number():
    row = layers.event_rows(events_frame(), {"Riots": "#E69F00"}, FIRST)[0]
    assert {"event_id_cnty", "event_date", "admin1", "event_type", "latitude",
            "longitude"} <= set(row)
    assert row["event_date"] == "2022-01-05" and row["day"] == 4
    assert row["color"][:3] == [0xE6, 0x9F, 0x00]
    assert "Fatalities: unknown" in row["body"]  # blank is unknown, never shown as 0


def test_deadlier_events_are_drawn_larger():
    rows = layers.event_rows(pd.concat([events_frame(), events_frame(event_id_cnty="T2",
                                                                     fatalities=25)]), {}, FIRST)
    assert rows[1]["radius"] > rows[0]["radius"]


def test_publish_names_files_by_content(tmp_path):
    a = layers.publish(b"[1]", "json", tmp_path)
    b = layers.publish(b"[1]", "json", tmp_path)
    c = layers.publish(b"[2]", "json", tmp_path)
    assert a == b != c
    assert a.startswith("/app/static/generated/")
    assert json.loads((tmp_path / "generated" / a.rsplit("/", 1)[1]).read_text()) == [1]


def test_csto_arcs_only_while_in_the_country():
    contingents = pd.DataFrame([{
        "country": "Armenia", "personnel": 100, "personnel_note": "<script>",
        "origin_name": "Zvartnots", "origin_lat": 40.1, "origin_lon": 44.4,
        "destination_name": "Almaty", "destination_lat": 43.35, "destination_lon": 77.04,
        "left_home_date": pd.NaT, "arrival_date": pd.Timestamp("2022-01-08"),
        "departure_date": pd.Timestamp("2022-01-14")}])
    assert layers.csto_arc_rows(contingents, dt.date(2022, 1, 7)) == []
    arriving = layers.csto_arc_rows(contingents, dt.date(2022, 1, 8))
    assert arriving[0]["phase"] == "arriving" and "<script>" in arriving[0]["body"]
    assert layers.csto_arc_rows(contingents, dt.date(2022, 1, 14))[0]["phase"] == "leaving"
    assert layers.csto_arc_rows(contingents, dt.date(2022, 1, 15)) == []


def test_big_datasets_are_drawn_as_groups_with_counts():
    frame = pd.concat([events_frame(event_id_cnty=f"T{i}", fatalities=1) for i in range(3)]
                      + [events_frame(event_id_cnty="T9", event_type="Protests",
                                      sub_event_type="Peaceful protest")])
    rows = layers.grouped_event_rows(frame, {"Riots": "#E69F00"}, FIRST)
    assert sorted(r["events"] for r in rows) == [1, 3]
    riots = next(r for r in rows if r["event_type"] == "Riots")
    assert "3 events: Riots" in riots["body"] and "reported number: 3" in riots["body"]
    assert {"event_id_cnty", "event_date", "admin1", "latitude", "longitude"} <= set(riots)
