"""Hostile input: broken dataset folders, big and odd files, uploads over the limit. Every
case ends in a clear message, no traceback, and the bundled data unchanged."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kzunrest.errors import DataError
from kzunrest.loader import read_events
from tests.apptest_helpers import ROOT
from tests.conftest import DATA


def bundled_digest() -> str:
    h = hashlib.sha256()
    for path in sorted(DATA.iterdir()):
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module", autouse=True)
def bundled_data_is_never_modified():
    before = bundled_digest()
    yield
    assert bundled_digest() == before


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("emergency.csv", "admin1,start_date\nAlmaty,yesterday\n", "required column is missing"),
        ("figures.csv", None, "the file is missing"),
        ("milestones.csv", "date,time,title,description,source_url\n2022-13-45,,t,d,"
                           "https://x.org\n", "not a date"),
        ("events.csv", "\x00\x01garbage", "binary"),
        ("story.csv", "step,date,title,caption,longitude,latitude,zoom,layers,source_url\n"
                      "1,2022-01-02,t,c,east,43,7,events,javascript:alert(1)\n",
         "not a number"),
    ],
)
def test_a_broken_dataset_folder_shows_its_problems_not_a_traceback(data_copy, monkeypatch,
                                                                    file, content, message):
    path = data_copy / file
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content.encode("latin-1"))
    monkeypatch.setenv("KZUNREST_DATA", str(data_copy))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "cannot be used" in at.error[0].value
    problems = at.dataframe[0].value
    assert problems["message"].str.contains(message).any(), problems


def test_the_cli_reports_a_broken_folder_without_a_traceback(data_copy, capsys, monkeypatch):
    from kzunrest.__main__ import main

    (data_copy / "regions_2022.geojson").unlink()
    monkeypatch.setenv("KZUNREST_DATA", str(data_copy))
    assert main(["validate", str(data_copy / "events.csv")]) == 1
    out = capsys.readouterr().out
    assert "regions_2022.geojson" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("date,place\n2022-01-05,Алматы\n".encode("utf-16-le"), "binary"),
        ("date,place\n2022-01-05,Алматы\n".encode("koi8-r"), "not UTF-8"),
        (b"\xef\xbb\xbf" + b"date,lat,lon\n" + b"2022-01-05,43.2,76.9\n" * 2 + b"\xff\n",
         "not UTF-8"),
        (b"date,lat,lon\n2022-01-05," + b"9" * 5000 + b",76.9\n", "not a number"),
        (b"date,lat,lon\n" + b"2022-01-05,43.2,76.9,extra\n", "expected 3 fields"),
    ],
)
def test_odd_files_get_a_clear_message(data, message):
    with pytest.raises(DataError) as info:
        read_events(data, folder=DATA, name="odd")
    assert any(message in str(p) for p in info.value.problems), info.value.problems


@pytest.mark.slow
def test_a_million_row_file_loads():
    rng = np.random.default_rng(42)
    n = 1_000_000
    frame = pd.DataFrame({
        "date": pd.Timestamp("2022-01-02") + pd.to_timedelta(rng.integers(0, 18, n), "D"),
        "lat": 43.25 + rng.normal(0, 0.01, n).round(5),
        "lon": 76.91 + rng.normal(0, 0.01, n).round(5),
    })
    data = frame.to_csv(index=False, date_format="%Y-%m-%d").encode()
    result = read_events(data, folder=DATA, name="million.csv")
    assert len(result.events) == n
    assert set(result.events["admin1"]) <= {"Almaty", "Almaty Region"}


@pytest.mark.slow
def test_every_problem_of_a_bad_million_row_file_is_counted():
    rows = ["2022-01-05,43.2,76.9"] * 999_998 + ["2022-01-05,143.2,76.9", "x,43.2,76.9"]
    data = ("date,lat,lon\n" + "\n".join(rows) + "\n").encode()
    with pytest.raises(DataError) as info:
        read_events(data, folder=DATA, name="big.csv")
    assert [p.line for p in info.value.problems] == [1_000_000, 1_000_001]
