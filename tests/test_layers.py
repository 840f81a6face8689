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


def details_of(events: pd.DataFrame, disputes: pd.DataFrame | None = None) -> list[dict]:
    """The details file of ``events`` as written, read back."""
    pieces = layers.details_payload(layers.detail_columns(events, disputes))
    return layers.read_details(b"".join(bytes(p) for p in pieces))


def test_text_stays_plain_text_in_the_details():
    """The component writes these with textContent: the details carry the text as it is."""
    hostile = "<img src=x onerror=alert(1)>"
    details = details_of(events_frame(notes=hostile, actor2='"B" \\ \n',
                                      source="A; B", source_url="https://a.kz/1 https://b.kz/2"))
    assert details == [{
        "event_id_cnty": "T1", "notes": hostile, "actors": 'Rioters (Kazakhstan) vs "B" \\ \n',
        "sources": json.dumps([["A", "https://a.kz/1"], ["B", "https://b.kz/2"]]),
        "disputes": "", "precision": "exact position; day known",
        "foot": "A; B https://a.kz/1 https://b.kz/2"}]


def test_details_hold_each_events_card_text_in_the_rows_order():
    events = pd.concat([
        events_frame(),
        events_frame(event_id_cnty="T2", notes="ünï ☃ 𝄞 \u2028", actor1="", geo_precision=2,
                     time_precision=2, source="s2", source_url=""),
        events_frame(event_id_cnty="T3", notes="", source="", source_url="")],
        ignore_index=True)
    disputes = pd.DataFrame([{"event_id_cnty": "T2", "field": "fatalities", "value": "4",
                              "source": "Other <b>", "source_url": "https://o.kz/1 https://o.kz/2",
                              "note": "n2"}])
    details = details_of(events, disputes)
    rows = layers.event_rows(events, {}, FIRST, disputes)
    assert [d["event_id_cnty"] for d in details] == [r["event_id_cnty"] for r in rows]
    t2 = details[1]
    assert t2["notes"] == "ünï ☃ 𝄞 \u2028" and t2["actors"] == ""
    assert json.loads(t2["disputes"]) == [["fatalities", "4", "Other <b>", "https://o.kz/1", "n2"]]
    assert t2["precision"] == ("placed at the city: exact position not published; "
                               "day approximate (within a few days)")
    assert json.loads(t2["sources"]) == [["s2", ""]] and t2["foot"] == "s2 "
    assert json.loads(details[2]["sources"]) == [] and details[2]["notes"] == ""
    assert details_of(events.iloc[:0]) == []


def test_event_rows_carry_the_contract_fields_and_day_number():
    row = layers.event_rows(events_frame(), {"Riots": "#E69F00"}, FIRST)[0]
    assert {"event_id_cnty", "event_date", "admin1", "event_type", "location", "latitude",
            "longitude", "day", "fatalities"} <= set(row)
    assert row["event_date"] == "2022-01-05" and row["day"] == 4
    assert row["color"][:3] == [0xE6, 0x9F, 0x00]
    assert row["fatalities"] == "unknown"  # blank is unknown, never shown as 0
    # The card's long text is in the details file, not in every row.
    assert not {"notes", "sources", "disputes", "title", "body"} & set(row)


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
    protest = next(r for r in rows if r["event_type"] == "Protests")
    assert "1 event: Protests" in protest["body"]
    assert {"event_id_cnty", "event_date", "admin1", "latitude", "longitude"} <= set(riots)


def test_rows_reused_from_earlier_filter_sets_are_the_rows_built_afresh():
    """A filter set's event rows taken partly from earlier sets (same dataset) equal the rows
    built from scratch, in the same order, with the same per-row facts."""
    from kzunrest import select
    from kzunrest.dataset import read_dataset
    from kzunrest.vocab import type_colors

    ds = read_dataset(layers.PROJECT_ROOT / "data")
    colors = type_colors(ds.event_types)
    sets = [select.Filters(types=("Protests",)), select.Filters(regions=("Almaty",)),
            select.Filters(), select.Filters(precise_only=True)]
    for filters in sets:
        events = select.select_events(ds.events, filters)
        reused, reused_meta = layers.reused_event_table(ds, events, colors)
        fresh, fresh_meta = layers.event_table(events, colors, ds.first_day, ds.disputes)
        assert json.loads(layers.jsonrows.json_list(reused)) == json.loads(
            layers.jsonrows.json_list(fresh))
        pd.testing.assert_frame_equal(reused_meta, fresh_meta)


def test_groups_from_cells_numbered_over_the_whole_dataset_are_the_same_groups():
    from kzunrest import select
    from kzunrest.dataset import read_dataset
    from kzunrest.vocab import type_colors

    ds = read_dataset(layers.PROJECT_ROOT / "data")
    colors = type_colors(ds.event_types)
    numbered = ds.events.assign(**{layers.CELL_COLUMN: layers.map_cells(ds.events)})
    for filters in (select.Filters(), select.Filters(types=("Protests",)),
                    select.Filters(regions=("Almaty", "Mangystau"))):
        positions = select.select_positions(ds.events, filters)
        assert layers.grouped_event_rows(numbered.iloc[positions], colors, ds.first_day) == \
            layers.grouped_event_rows(ds.events.iloc[positions], colors, ds.first_day)
