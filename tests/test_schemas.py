"""One schema system: every dataset file checked by pandera, every message naming line, column
and value; several sources per event, spans of days, and disputed facts (issue 12)."""

from __future__ import annotations

import pandas as pd
import pytest

from kzunrest import select
from kzunrest.dataset import read_dataset
from kzunrest.errors import DataError
from kzunrest.loader import COLUMNS, read_events
from kzunrest.schemas import FILE_SCHEMAS, read_checked
from kzunrest.tables import read_table_bytes
from tests.test_loader import own_file, own_row


def problems_of(data: bytes, folder) -> list[str]:
    with pytest.raises(DataError) as info:
        read_events(data, folder=folder)
    return [str(p) for p in info.value.problems]


def test_several_sources_and_urls_per_event_are_accepted(tiny_folder):
    row = own_row(source="TASS; Reuters",
                  source_url="https://tass.com/a http://reuters.com/b")
    ev = read_events(own_file(row), folder=tiny_folder).events
    assert ev.iloc[0]["source_url"].split() == ["https://tass.com/a", "http://reuters.com/b"]


def test_every_url_of_a_row_must_be_http(tiny_folder):
    found = problems_of(own_file(own_row(source_url="https://tass.com/a ftp://x.org/b")),
                        tiny_folder)
    assert found == ["line 2, column 'source_url', value 'https://tass.com/a ftp://x.org/b': "
                     "not http(s) addresses (several are separated by spaces)"]


@pytest.mark.parametrize(
    ("sources", "expected"),
    [("TASS", 1), ("TASS; Reuters", 2), ("TASS;Reuters;AP", 3), ("TASS; tass", 1),
     ("", 0), ("Reuters; ", 1)],
)
def test_independent_sources_counts_distinct_publishers(sources, expected):
    assert select.independent_sources(pd.DataFrame({"source": [sources]})).tolist() == [expected]


def test_two_or_more_independent_sources_filter():
    events = pd.DataFrame({"event_id_cnty": ["A", "B", "C"],
                           "source": ["TASS; Reuters", "TASS; TASS", "AP"]})
    assert select.select_well_sourced(events)["event_id_cnty"].tolist() == ["A"]


def span_file(*ends: str) -> bytes:
    header = ",".join(COLUMNS + ["event_date_end"])
    rows = [own_row(event_id_cnty=f"KAZ{i}") + f",{end}" for i, end in enumerate(ends)]
    return ("\n".join([header, *rows]) + "\n").encode()


def test_an_event_known_to_a_span_of_days_keeps_its_end(tiny_folder):
    ev = read_events(span_file("2022-01-05", ""), folder=tiny_folder).events
    assert ev["event_date_end"].tolist()[0] == pd.Timestamp("2022-01-05")
    assert pd.isna(ev["event_date_end"].tolist()[1])


@pytest.mark.parametrize(
    ("end", "message"),
    [("2022-01-01", "the span ends before event_date"), ("5 Jan", "not a date")],
)
def test_a_span_must_end_on_a_date_after_it_starts(tiny_folder, end, message):
    found = problems_of(span_file(end), tiny_folder)
    assert any(p.startswith("line 2, column 'event_date_end'") and message in p
               for p in found), found


def write_disputes(folder, rows: str) -> None:
    (folder / "disputes.csv").write_text("event_id_cnty,field,value,source,source_url,note\n"
                                         + rows)


def test_disputes_load_into_the_dataset(data_copy):
    first = pd.read_csv(data_copy / "events.csv", dtype=str)["event_id_cnty"].iloc[0]
    write_disputes(data_copy, f"{first},event_date,2022-01-02,Reuters,https://reuters.com/x,"
                              "reports at the time\n")
    ds = read_dataset(data_copy)
    assert ds.disputes[["event_id_cnty", "field", "value"]].values.tolist() == [
        [first, "event_date", "2022-01-02"]]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("NOPE1,event_date,2022-01-02,Reuters,https://reuters.com/x,",
         "line 2, column 'event_id_cnty', value 'NOPE1': disputes.csv: no event in events.csv "
         "has this id"),
        ("{id},weather,cold,Reuters,https://reuters.com/x,",
         "line 2, column 'field', value 'weather': disputes.csv: not a field that can be "
         "disputed"),
        ("{id},fatalities,3,Reuters,javascript:x,",
         "line 2, column 'source_url', value 'javascript:x': disputes.csv: not http(s)"),
        ("{id},fatalities,,Reuters,https://reuters.com/x,",
         "line 2, column 'value', value '': disputes.csv: the value is missing"),
    ],
)
def test_a_bad_dispute_is_named(data_copy, row, expected):
    first = pd.read_csv(data_copy / "events.csv", dtype=str)["event_id_cnty"].iloc[0]
    write_disputes(data_copy, row.format(id=first) + "\n")
    with pytest.raises(DataError) as info:
        read_dataset(data_copy)
    assert any(str(p).startswith(expected) for p in info.value.problems), info.value.problems


def test_without_a_disputes_file_the_dataset_has_none(data_copy):
    (data_copy / "disputes.csv").unlink(missing_ok=True)
    assert read_dataset(data_copy).disputes.empty


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("event_types.csv", "event_type,sub_event_type,color\nProtests,Peaceful protest,red\n",
         "line 2, column 'color', value 'red': not a #rrggbb colour"),
        ("admin1_aliases.csv", "alias,admin1\nAlmaty City,Almaty\nAlmaty City,Almaty\n",
         "line 3, column 'alias', value 'Almaty City': the alias appears more than once"),
        ("places.csv", "name,alternate_names,latitude,longitude,source\nX,,91,10,https://a.b\n",
         "line 2, column 'latitude', value '91': latitude must be between -90 and 90"),
        ("csto_sites.csv", "site_id,name,city,latitude,longitude,geo_precision,contingent,task,"
         "start_date,end_date,source_url\nS1,A,,43,76,4,,,2022-01-07,,https://a.b\n",
         "line 2, column 'geo_precision', value '4': must be 1, 2 or 3"),
        ("emergency.csv", "admin1,start_date,start_time,end_date,end_time,curfew,source_url\n"
         "Almaty,2022-01-05,25:00,,,,https://a.b\n",
         "line 2, column 'start_time', value '25:00': not a time"),
        ("figures.csv", "announced_date,announced_time,metric,value,value_note,announced_by,"
         "status,source_url\n5 Jan 2022,,deaths,225,,PGO,reported,https://a.b\n",
         "line 2, column 'announced_date', value '5 Jan 2022': not a date: write it as "
         "YYYY-MM-DD"),
    ],
)
def test_each_dataset_file_is_checked_by_its_schema(tmp_path, file, content, expected):
    path = tmp_path / file
    path.write_text(content)
    with pytest.raises(DataError) as info:
        read_checked(path)
    found = [str(p) for p in info.value.problems]
    assert len(found) == 1 and found[0].startswith(expected), found


def test_every_bundled_file_passes_its_schema():
    from tests.conftest import DATA

    for name in FILE_SCHEMAS:
        if (DATA / name).exists():
            read_checked(DATA / name)


def test_line_numbers_are_physical_with_multiline_quoted_fields():
    data = b'a,b\n1,"two\nlines"\n2,"x ""quoted"", y"\n3,"three\n\nlines"\n4,5"6\n'
    frame = read_table_bytes(data, "f.csv")
    assert frame.index.tolist() == [2, 4, 5, 8]
    assert frame["b"].tolist() == ["two\nlines", 'x "quoted", y', "three\n\nlines", '5"6']
