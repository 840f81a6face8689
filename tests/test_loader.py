"""The loader: our schema, ACLED exports, generic CSVs; every problem names line and column."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from kzunrest.errors import DataError
from kzunrest.loader import COLUMNS, read_events

HEADER = ",".join(COLUMNS)


def own_row(**over) -> str:
    row = {
        "event_id_cnty": "KAZ1", "event_date": "2022-01-02", "event_time": "10:00",
        "time_precision": "1", "event_type": "Protests", "sub_event_type": "Peaceful protest",
        "actor1": "Protesters (Kazakhstan)", "actor2": "", "admin1": "West Square",
        "location": "Zhanaozen", "latitude": "43.3412", "longitude": "52.8619",
        "geo_precision": "1", "fatalities": "", "notes": "Rally at the akimat.",
        "source": "TASS", "source_url": "https://tass.com/world/1384189",
    }
    row.update(over)
    return ",".join(row[c] for c in COLUMNS)


def own_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def problems_of(data: bytes, folder) -> list[str]:
    with pytest.raises(DataError) as info:
        read_events(data, folder=folder)
    return [str(p) for p in info.value.problems]


def test_own_schema_loads_with_typed_columns(tiny_folder):
    result = read_events(own_file(own_row(), own_row(event_id_cnty="KAZ2", fatalities="3")),
                         folder=tiny_folder)
    ev = result.events
    assert result.source_format == "kzunrest"
    assert list(ev.columns) == COLUMNS + ["geocoded"]
    assert ev["event_date"].dtype == "datetime64[ns]"
    assert ev["fatalities"].tolist() == [pd.NA, 3]
    assert ev.index.tolist() == [2, 3]  # the file's line numbers


@pytest.mark.parametrize(
    ("override", "line_fragment", "column", "message"),
    [
        ({"latitude": "95"}, "line 3", "latitude", "between -90 and 90"),
        ({"longitude": "200"}, "line 3", "longitude", "between -180 and 180"),
        ({"latitude": "north"}, "line 3", "latitude", "not a number"),
        ({"event_date": "2022-13-01"}, "line 3", "event_date", "not a date"),
        ({"event_date": "05/01/2022"}, "line 3", "event_date", "not a date"),
        ({"event_date": ""}, "line 3", "event_date", "date is missing"),
        ({"event_time": "25:00"}, "line 3", "event_time", "not a time"),
        ({"fatalities": "-1"}, "line 3", "fatalities", "not a whole number"),
        ({"fatalities": "2.5"}, "line 3", "fatalities", "not a whole number"),
        ({"geo_precision": "4"}, "line 3", "geo_precision", "must be 1, 2 or 3"),
        ({"time_precision": ""}, "line 3", "time_precision", "missing"),
        ({"event_type": "Parade"}, "line 3", "event_type", "unknown event type"),
        ({"sub_event_type": "Armed clash"}, "line 3", "sub_event_type", "not a sub-type"),
        ({"event_id_cnty": "KAZ1"}, "line 3", "event_id_cnty", "more than once"),
        ({"admin1": "Atlantis"}, "line 3", "admin1", "unknown region"),
        ({"admin1": "East Square"}, "line 3", "admin1", "coordinates lie in West Square"),
        ({"latitude": "20", "longitude": "20"}, "line 3", "latitude", "outside"),
        ({"source_url": "javascript:alert(1)"}, "line 3", "source_url", "http(s)"),
        ({"latitude": ""}, "line 3", "latitude", "latitude is missing"),
    ],
)
def test_each_rule_names_line_column_and_value(tiny_folder, override, line_fragment, column,
                                               message):
    bad = own_row(event_id_cnty="KAZ9", **override) if "event_id_cnty" not in override \
        else own_row(**override)
    found = problems_of(own_file(own_row(), bad), tiny_folder)
    matching = [p for p in found if line_fragment in p and f"'{column}'" in p and message in p]
    assert matching, found


def test_all_problems_are_reported_at_once(tiny_folder):
    data = own_file(own_row(latitude="95"), own_row(event_id_cnty="KAZ2", event_date="x"),
                    own_row(event_id_cnty="KAZ3", fatalities="-4"))
    found = problems_of(data, tiny_folder)
    assert [p.split(",")[0] for p in found] == ["line 2", "line 3", "line 4"]


def test_line_numbers_count_multiline_fields(tiny_folder):
    data = own_file(own_row(notes='"first\nsecond"'), own_row(event_id_cnty="KAZ2",
                                                              latitude="91"))
    assert problems_of(data, tiny_folder)[0].startswith("line 4")


def test_a_bad_latitude_on_line_3_is_named(tiny_folder):
    data = b"date,lat,lon\n2022-01-02,43.3,52.8\n2022-01-03,143.3,52.8\n"
    assert problems_of(data, tiny_folder) == [
        "line 3, column 'lat', value '143.3': latitude must be between -90 and 90"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02\x03PK", "binary"),
        ("date,place\n2022-01-02,Жанаозен\n".encode("cp1251"), "not UTF-8"),
        (b"date,lat,lon\n", "no rows"),
        (b"foo,bar\n1,2\n", "no date column"),
        (b"date,foo\n2022-01-02,2\n", "no coordinate columns"),
        (b"date,lat,lon\n2022-01-02,43.3\n", "expected 3 fields"),
        (b"date,lat,lat\n2022-01-02,43.3,1\n", "appears twice"),
        (b"PAR1garbage", "Parquet"),
    ],
)
def test_unusable_files_get_a_clear_message(tiny_folder, data, message):
    found = problems_of(data, tiny_folder)
    assert any(message in p for p in found), found


def test_huge_field_is_an_error_not_a_crash(tiny_folder):
    data = b"date,lat,lon,notes\n2022-01-02,43.3,52.8," + b"x" * 200_000 + b"\n"
    assert any("longer than" in p for p in problems_of(data, tiny_folder))


def test_generic_csv_reports_its_column_mapping(tiny_folder):
    data = b"Date,Y,X,Category,Description\n2022-01-05T14:00:00,43.3,52.8,march,Rally\n"
    result = read_events(data, folder=tiny_folder)
    assert result.source_format == "generic"
    assert "'Y' → latitude" in result.notices[0] and "'X' → longitude" in result.notices[0]
    row = result.events.iloc[0]
    assert row["event_time"] == "14:00"
    assert row["admin1"] == "West Square"


def test_unknown_generic_types_fall_back_with_a_notice(tiny_folder):
    data = b"date,lat,lon,type\n2022-01-05,43.3,52.8,march\n2022-01-05,43.3,52.8,Protests\n"
    result = read_events(data, folder=tiny_folder)
    assert result.events["event_type"].tolist() == ["Unclassified", "Protests"]
    assert any("march" in n and "Unclassified" in n for n in result.notices)


@pytest.mark.parametrize("name", ["Zhanaozen", "Janaozen", "Жанаозен", "Жаңаөзен"])
def test_geocoding_matches_latin_cyrillic_and_variants(tiny_folder, name):
    data = f"date,place\n2022-01-02,{name}\n".encode()
    ev = read_events(data, folder=tiny_folder).events
    assert ev["geocoded"].tolist() == [True]
    assert ev.iloc[0]["latitude"] == pytest.approx(43.341, abs=1e-3)
    assert ev.iloc[0]["admin1"] == "West Square"


def test_geocoding_real_regions_and_renamed_cities():
    from tests.conftest import DATA

    data = ("date,place\n2022-01-04,Uralsk\n2022-01-04,Oskemen\n2022-01-04,Nur-Sultan\n"
            "2022-01-04,Усть-Каменогорск\n").encode()
    ev = read_events(data, folder=DATA).events
    assert ev["admin1"].tolist() == ["West Kazakhstan Region", "East Kazakhstan Region",
                                     "Nur-Sultan", "East Kazakhstan Region"]


def test_ambiguous_place_is_an_error_unless_the_region_settles_it():
    from tests.conftest import DATA

    found = problems_of(b"date,place\n2022-01-04,Aksu\n", DATA)
    assert "ambiguous" in found[0] and "Pavlodar Region" in found[0]
    ok = read_events(b"date,place,region\n2022-01-04,Aksu,Pavlodar\n", folder=DATA).events
    assert ok.iloc[0]["admin1"] == "Pavlodar Region"
    assert ok.iloc[0]["longitude"] == pytest.approx(76.93, abs=0.01)


def test_unknown_place_is_named(tiny_folder):
    found = problems_of(b"date,place\n2022-01-04,Atlantis\n", tiny_folder)
    assert found == ["line 2, column 'place', value 'Atlantis': place not found in the "
                     "gazetteer (GeoNames and places.csv); give latitude and longitude"]


def test_parquet_loads_like_csv(tiny_folder):
    frame = pd.DataFrame({"date": pd.to_datetime(["2022-01-02"]), "lat": [43.3], "lon": [52.8]})
    buf = io.BytesIO()
    frame.to_parquet(buf)
    ev = read_events(buf.getvalue(), folder=tiny_folder).events
    assert ev.iloc[0]["event_date"] == pd.Timestamp("2022-01-02")


OLD_ACLED = ("data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,"
             "event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,"
             "interaction,region,country,admin1,admin2,admin3,location,latitude,longitude,"
             "geo_precision,source,source_scale,notes,fatalities,timestamp,iso3")


@pytest.mark.parametrize(("admin1", "expected"), [("West Kazakhstan", "West Kazakhstan Region"),
                                                   ("Almaty City", "Almaty"),
                                                   ("Astana", "Nur-Sultan")])
def test_a_pre_2023_acled_export_loads_with_region_spellings_mapped(admin1, expected):
    from tests.conftest import DATA

    places = {"West Kazakhstan Region": ("Oral", "51.246", "51.4256"),
              "Almaty": ("Almaty", "43.2525", "76.9115"),
              "Nur-Sultan": ("Nur-Sultan", "51.1801", "71.446")}
    town, lat, lon = places[expected]
    row = (f"8754321,398,KAZ9001,9001,05 January 2022,2022,1,Protests,Peaceful protest,"
           f"Protesters (Kazakhstan),,6,,,0,60,Caucasus and Central Asia,Kazakhstan,{admin1},,,"
           f"{town},{lat},{lon},1,Test,National,Rally.,0,1641400000,KAZ")
    result = read_events(f"{OLD_ACLED}\n{row}\n".encode(), folder=DATA)
    assert result.source_format == "acled"
    ev = result.events.iloc[0]
    assert ev["admin1"] == expected
    assert ev["event_date"] == pd.Timestamp("2022-01-05")
    assert ev["fatalities"] == 0
