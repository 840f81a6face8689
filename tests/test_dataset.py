"""A dataset folder brings its own calendar, camera, country and CRS."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kzunrest import viewport
from kzunrest.dataset import calendar_of, read_dataset, read_settings
from kzunrest.errors import DataError
from tests.conftest import DATA


def events(*dates: str) -> pd.DataFrame:
    return pd.DataFrame({"event_date": pd.to_datetime(list(dates))})


@pytest.mark.parametrize(("dates", "settings", "expected"), [
    (["2023-03-04", "2023-03-01"], {}, ("2023-03-01", "2023-03-04", "2023-03-01")),
    (["2023-03-04"], {}, ("2023-03-04", "2023-03-04", "2023-03-04")),
    (["2023-03-04", "2023-03-01"], {"default_day": "2023-03-02"},
     ("2023-03-01", "2023-03-04", "2023-03-02")),
    (["2023-03-04"], {"first_day": "2023-02-20", "last_day": "2023-03-31"},
     ("2023-02-20", "2023-03-31", "2023-02-20")),
    # A default day outside the calendar is brought inside it.
    (["2023-03-04", "2023-03-01"], {"default_day": "2023-04-01"},
     ("2023-03-01", "2023-03-04", "2023-03-04")),
    ([], {"first_day": "2023-01-01", "last_day": "2023-01-02"},
     ("2023-01-01", "2023-01-02", "2023-01-01")),
])
def test_calendar_from_events_or_settings(dates, settings, expected):
    cal = calendar_of(events(*dates), settings)
    assert (cal.first_day, cal.last_day, cal.default_day) == tuple(
        dt.date.fromisoformat(d) for d in expected)


@pytest.mark.parametrize(("dates", "settings", "message"), [
    ([], {}, "no dated events"),
    (["2023-03-04"], {"first_day": "2023-03-09"}, "is after last day"),
])
def test_calendar_that_cannot_be_made(dates, settings, message):
    with pytest.raises(ValueError, match=message):
        calendar_of(events(*dates), settings)


def test_a_2023_folder_has_its_own_calendar_camera_country_and_crs(folder_2023):
    ds = read_dataset(folder_2023)
    assert (ds.first_day, ds.last_day, ds.default_day) == (
        dt.date(2023, 3, 3), dt.date(2023, 3, 7), dt.date(2023, 3, 3))
    assert ds.days()[0] == dt.date(2023, 3, 3) and len(ds.days()) == 5
    # The two squares span 50-70 E, 40-50 N: the camera is centred on them.
    assert ds.initial_view.longitude == 60.0 and 44 < ds.initial_view.latitude < 46
    assert ds.view_for(600, 350).zoom == pytest.approx(ds.initial_view.zoom - 1, abs=0.01)
    # No settings: the country of most GeoNames towns inside the squares (50-70 E, 40-50 N
    # holds Tashkent and the Fergana valley).
    assert ds.country == "UZ"
    assert "+lat_0=45.0" in ds.crs and "+lon_0=60.0" in ds.crs


def test_settings_name_the_country_crs_and_default_day(folder_2023):
    (folder_2023 / "settings.csv").write_text(
        "setting,value\ndefault_day,2023-03-04\ncountry,UZ\ncrs,EPSG:32642\n")
    ds = read_dataset(folder_2023)
    assert (ds.default_day, ds.country, ds.crs) == (dt.date(2023, 3, 4), "UZ", "EPSG:32642")


@pytest.mark.parametrize(("text", "line", "message"), [
    ("setting,value\nfirst_day,2023-13-01\n", 2, "not a date"),
    ("setting,value\ncolour,red\n", 2, "unknown setting"),
    ("setting,value\ncountry,KZ\ncountry,UZ\n", 3, "given twice"),
    ("name,value\ncountry,KZ\n", 1, "required column is missing"),
])
def test_bad_settings_name_line_and_reason(tmp_path, text, line, message):
    (tmp_path / "settings.csv").write_text(text)
    with pytest.raises(DataError) as err:
        read_settings(tmp_path)
    assert err.value.problems[0].line == line and message in err.value.problems[0].message


def test_bundled_data_opens_on_2_january_from_its_settings():
    settings = read_settings(DATA)
    assert (settings["default_day"], settings["country"]) == ("2022-01-02", "KZ")
    assert settings["title"] == "Kazakhstan, January 2022"
    ds = read_dataset(DATA)
    assert (ds.first_day, ds.default_day, ds.last_day) == (
        dt.date(2022, 1, 1), dt.date(2022, 1, 2), dt.date(2022, 1, 25))


def test_an_upload_of_another_year_brings_its_calendar(folder_2023):
    bundled = read_dataset(DATA)
    other = read_dataset(folder_2023)
    swapped = bundled.with_events(other.load)
    assert (swapped.first_day, swapped.last_day) == (dt.date(2023, 3, 3), dt.date(2023, 3, 7))
    inside = bundled.with_events(type(bundled.load)(**{
        **bundled.load.__dict__, "events": bundled.events.head(3)}))
    assert inside.calendar == bundled.calendar  # a subset keeps the folder's calendar


def test_fit_bounds_fills_the_tighter_side():
    wide = viewport.fit_bounds((0, 0, 40, 1), 1200, 700, padding=0)
    tall = viewport.fit_bounds((0, 0, 1, 40), 1200, 700, padding=0)
    assert wide.zoom > tall.zoom
    # At the fitted zoom 40° of longitude span the 1200 px.
    assert 512 * 2 ** wide.zoom * 40 / 360 == pytest.approx(1200, rel=0.01)


def test_the_country_of_the_bundled_regions_is_inferred_as_kazakhstan():
    from kzunrest.gazetteer import infer_country
    from kzunrest.regions import read_regions

    assert infer_country(read_regions(DATA / "regions_2022.geojson")) == "KZ"
