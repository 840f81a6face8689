"""Downloads: formula cells neutralised, GeoJSON points round-trip."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from kzunrest.exports import events_csv, events_geojson, neutralise
from tests.test_layers import events_frame


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil")', "+1", "-2+3", "@SUM(A1)",
                                  "\t=1"])
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_csv_neutralises_text_but_keeps_numbers_and_dates():
    frame = events_frame(notes='=HYPERLINK("http://evil","click")', fatalities=2)
    text = events_csv(frame).decode()
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back.loc[0, "notes"] == "'=HYPERLINK(\"http://evil\",\"click\")"
    assert back.loc[0, "event_date"] == "2022-01-05"
    assert back.loc[0, "fatalities"] == "2"
    assert back.loc[0, "latitude"] == "43.25"


def test_geojson_has_one_point_per_event():
    doc = json.loads(events_geojson(pd.concat([events_frame(), events_frame(
        event_id_cnty="T2")])))
    assert [f["geometry"]["type"] for f in doc["features"]] == ["Point", "Point"]
    assert doc["features"][0]["geometry"]["coordinates"] == [76.91, 43.25]
    assert doc["features"][0]["properties"]["fatalities"] is None
