"""The standalone HTML snapshot of the map (kzunrest.snapshot)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import pydeck as pdk
import pytest

from kzunrest import layers
from kzunrest.dataset import read_dataset
from kzunrest.snapshot import snapshot_html
from tests.conftest import DATA


@pytest.fixture(scope="module")
def ds():
    return read_dataset(DATA)


def deck_json(html: str) -> dict:
    return json.loads(re.search(r"const jsonInput = (.*);\n", html).group(1))


def test_snapshot_inlines_the_map_data(ds, tmp_path):
    with open(DATA / "events.csv", encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    day = dt.date.fromisoformat(first["event_date"])
    static = tmp_path / "static"
    files = layers.build_map_files(ds, ds.events, static_dir=static)
    deck = layers.build_deck(ds, files, day, layers=layers.TOGGLEABLE)
    before = deck.to_json()

    html = snapshot_html(deck, tmp_path / "map.html", static_dir=static)

    assert first["event_id_cnty"] in html
    assert "/app/static/" not in html
    assert (tmp_path / "map.html").read_text(encoding="utf-8") == html
    assert deck.to_json() == before, "the passed deck was changed"
    doc = deck_json(html)
    by_id = {layer["id"]: layer for layer in doc["layers"]}
    assert by_id["regions"]["data"]["type"] == "FeatureCollection"
    assert len(by_id["regions"]["data"]["features"]) == len(ds.regions)
    assert first["event_id_cnty"] in {row["event_id_cnty"] for row in by_id["events"]["data"]}
    assert "const tooltip = {'html'" in html  # the map's tooltip, kept


def test_snapshot_applies_the_day_filter_it_cannot_ship(tmp_path):
    # pydeck's page bundle has no DataFilterExtension: the rows of other days must go.
    rows = [{"day": d, "position": [70.0 + d, 45.0]} for d in (1, 2, 3)]
    url = layers.publish(json.dumps(rows).encode(), "json", tmp_path)
    layer = pdk.Layer("ScatterplotLayer", id="events", data=url, get_position="position",
                      get_filter_value="day", filter_range=[1.5, 2.5],
                      extensions=[{"@@type": "DataFilterExtension", "filterSize": 1}])
    html = snapshot_html(pdk.Deck(layers=[layer], map_provider=None), static_dir=tmp_path)
    (only,) = deck_json(html)["layers"]
    assert only["data"] == [rows[1]]
    assert "DataFilterExtension" not in html and "filterRange" not in only


PAYLOAD = "</script><img src=x onerror=alert(1)>"


def test_snapshot_data_cannot_close_the_script(tmp_path):
    layer = pdk.Layer("ScatterplotLayer", id="events", data=[{"notes": PAYLOAD}],
                      get_position=[70, 45])
    deck = pdk.Deck(layers=[layer], map_provider=None, tooltip=False)
    html = snapshot_html(deck, static_dir=tmp_path)
    assert PAYLOAD not in html
    assert deck_json(html)["layers"][0]["data"][0]["notes"] == PAYLOAD


def test_snapshot_escapes_what_the_tooltip_shows(tmp_path):
    # The app's deck component escapes tooltip values; pydeck's page does not, so we do.
    row = {"title": PAYLOAD, "body": "a & b", "foot": "", "notes": PAYLOAD}
    layer = pdk.Layer("ScatterplotLayer", id="events", data=[row], get_position=[70, 45])
    deck = pdk.Deck(layers=[layer], map_provider=None, tooltip=layers.TOOLTIP)
    (shown,) = deck_json(snapshot_html(deck, static_dir=tmp_path))["layers"][0]["data"]
    assert shown["title"] == "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert shown["body"] == "a &amp; b"
    assert shown["notes"] == PAYLOAD  # not in the tooltip: left as it is
    assert layer.data == [row]


def test_snapshot_refuses_a_url_outside_the_static_folder(tmp_path):
    layer = pdk.Layer("GeoJsonLayer", id="regions", data=f"{layers.STATIC_URL}/../secret.json")
    with pytest.raises(ValueError, match="outside"):
        snapshot_html(pdk.Deck(layers=[layer], map_provider=None), static_dir=tmp_path)
