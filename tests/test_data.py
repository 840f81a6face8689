"""The bundled dataset, tested as data: valid, sourced, placed, consistent, documented."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kzunrest import regions as regions_mod
from kzunrest.dataset import read_dataset
from kzunrest.gazetteer import read_gazetteer
from kzunrest.loader import COLUMNS, OPTIONAL_COLUMNS
from kzunrest.schemas import FILE_SCHEMAS
from tests.conftest import DATA


@pytest.fixture(scope="module")
def ds():
    return read_dataset(DATA)


def test_the_bundled_dataset_validates(ds):
    assert len(ds.events) > 0


def test_every_event_has_an_http_source(ds):
    # Several addresses are separated by single spaces, in the order of the `source` names.
    assert ds.events["source_url"].str.match(r"^https?://\S+( https?://\S+)*$").all()
    assert (ds.events["source"] != "").all()
    assert (ds.events["notes"] != "").all()


def test_each_point_lies_in_its_region(ds):
    ev = ds.events
    km = regions_mod.distance_to_region_km(ev["longitude"], ev["latitude"], ev["admin1"],
                                           ds.regions)
    far = ev.loc[km > regions_mod.BORDER_TOLERANCE_KM, ["event_id_cnty", "location", "admin1"]]
    assert far.empty, far


def test_coordinates_come_from_the_gazetteer(ds):
    """Every event sits on a gazetteer place that carries its location's name; an event known
    only to its region (precision 3) sits on a gazetteer town of that region."""
    gaz = read_gazetteer(DATA / "places.csv")
    towns = {(round(p.latitude, 2), round(p.longitude, 2)) for p in gaz.places()}
    wrong = []
    for ev in ds.events.itertuples():
        places = gaz.candidates(ev.location)
        named = any(abs(p.latitude - ev.latitude) < 0.01 and abs(p.longitude - ev.longitude)
                    < 0.01 for p in places)
        on_a_town = (round(ev.latitude, 2), round(ev.longitude, 2)) in towns
        if not (named or (ev.geo_precision == 3 and on_a_town)):
            wrong.append((ev.event_id_cnty, ev.location, ev.latitude, ev.longitude))
    assert not wrong


def test_no_duplicate_events(ds):
    """ACLED's convention: one row per location, day, (sub-)event type and actors; a row known
    only to a span or to the region (precision 2-3) is not the same place and day as an incident."""
    key = ["location", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
           "time_precision", "geo_precision"]
    if "event_date_end" in ds.events.columns:
        key.append("event_date_end")
    assert not ds.events.duplicated(key).any(), ds.events[ds.events.duplicated(key, keep=False)]
    assert ds.events["event_id_cnty"].is_unique


def test_fatalities_are_whole_and_known_only_where_given(ds):
    fat = ds.events["fatalities"].dropna()
    assert (fat >= 0).all()


def test_dates_lie_in_january_2022(ds):
    ev = ds.events
    assert ev["event_date"].min() >= pd.Timestamp("2022-01-01")
    assert ev["event_date"].max() <= pd.Timestamp("2022-01-25")


def test_contingents_arrive_before_they_leave(ds):
    c = ds.contingents
    arrival = c["arrival_date"].fillna(c["left_home_date"])
    assert arrival.notna().all()
    assert (arrival <= c["departure_date"]).all()
    assert set(c["country"]) == {"Russia", "Belarus", "Armenia", "Tajikistan", "Kyrgyzstan"}


def test_emergency_covers_the_17_units_with_known_names(ds):
    assert set(ds.emergency["admin1"]) == set(ds.regions["admin1"])
    assert (ds.emergency["start_date"] <= ds.emergency["end_date"]).all()


def test_context_rows_are_sourced(ds):
    for frame in (ds.contingents, ds.sites, ds.emergency, ds.blackout, ds.figures,
                  ds.milestones, ds.story):
        assert frame["source_url"].str.match(r"^https?://").all()


def test_story_has_10_to_15_steps_with_known_layers(ds):
    assert 10 <= len(ds.story) <= 15
    known = {"events", "spread", "emergency", "blackout", "csto-arcs", "csto-sites"}
    for layers in ds.story["layers"]:
        assert set(filter(None, layers.split("|"))) <= known


def test_regions_file_has_the_17_units_of_january_2022(ds):
    assert len(ds.regions) == 17
    assert {"Nur-Sultan", "Almaty", "Shymkent", "Mangystau Region"} <= set(ds.regions["admin1"])
    assert not {"Abay Region", "Jetisu Region", "Ulytau Region"} & set(ds.regions["admin1"])
    assert ds.regions.is_valid.all()


def test_every_file_and_column_is_documented():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    files = {"events.csv": COLUMNS + OPTIONAL_COLUMNS} | {
        n: list(schema.columns) for n, schema in FILE_SCHEMAS.items()}
    files |= {"regions_2022.geojson": ["admin1", "admin1_now", "pcode"]}
    missing = []
    for name, columns in files.items():
        section = re.search(rf"### `{re.escape(name)}`(.*?)(?=\n### |\Z)", readme, re.S)
        if section is None:
            missing.append(name)
            continue
        missing += [f"{name}:{c}" for c in columns if f"`{c}`" not in section.group(1)]
    assert not missing


def test_coverage_meets_the_dataset_targets(ds):
    """At least 150 events, in all 17 units, 35 localities, and every day from 2 to 19 Jan."""
    ev = ds.events
    assert len(ev) >= 150
    assert set(ev["admin1"]) == set(ds.regions["admin1"])
    assert ev["location"].nunique() >= 35
    days = set(ev["event_date"].dt.day[ev["event_date"].dt.month == 1])
    assert set(range(2, 20)) <= days


# Official death tolls per first-level unit: the lowest total still standing (retracted figures
# do not bind). Almaty: Prosecutor General, 14 Mar 2022 (Interfax); the rest: Prosecutor General,
# 5 Jan 2023 (08info.kz / Egemen Qazaqstan; Zhambyl's figure is for Taraz). The national toll
# moved from 225 to 238; the rows must stay within it and add up to a plausible share of it.
PUBLISHED_DEATHS = {"Almaty": 139, "Kyzylorda Region": 26, "Shymkent": 20, "Zhambyl Region": 17}
NATIONAL_DEATHS = (200, 260)


@pytest.fixture(scope="module")
def deaths(ds):
    return ds.events[ds.events["fatalities"].notna()]


def test_every_death_row_names_its_sources(deaths):
    names = deaths["source"].str.split(";").map(lambda parts: [p for p in parts if p.strip()])
    assert names.map(len).gt(0).all()
    assert deaths["source_url"].str.strip().ne("").all()


def test_no_region_exceeds_its_published_toll(deaths):
    by_region = deaths.groupby("admin1")["fatalities"].sum()
    over = {r: (by_region.get(r, 0), total) for r, total in PUBLISHED_DEATHS.items()
            if by_region.get(r, 0) > total}
    assert not over, over


def test_national_deaths_lie_within_the_official_range(deaths):
    low, high = NATIONAL_DEATHS
    assert low <= deaths["fatalities"].sum() <= high


def test_disputes_name_existing_events(ds):
    disputes = pd.read_csv(DATA / "disputes.csv", dtype=str, keep_default_na=False)
    assert set(disputes.columns) >= {"event_id_cnty", "field", "value", "source", "source_url"}
    unknown = set(disputes["event_id_cnty"]) - set(ds.events["event_id_cnty"])
    assert not unknown, unknown
    assert disputes["source_url"].str.match(r"^https?://\S+( https?://\S+)*$").all()


def test_issue_12_targets(ds):
    """220 events or more, 40 of them violent, 30% with two or more independent publishers."""
    ev = ds.events
    assert len(ev) >= 220
    violent = ev["event_type"].isin(["Battles", "Riots", "Violence against civilians"])
    assert violent.sum() >= 40
    publishers = ev["source"].str.split(";").map(
        lambda parts: {p.strip().split(" (")[0] for p in parts if p.strip()})
    assert publishers.map(len).ge(2).mean() >= 0.30
