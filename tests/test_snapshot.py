"""The standalone HTML page that plays the map offline (kzunrest.snapshot)."""

from __future__ import annotations

import json
import re

import pytest

from kzunrest import layers, map_spec
from kzunrest.dataset import read_dataset
from kzunrest.snapshot import snapshot_html
from tests.conftest import DATA

PAYLOAD = "</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def ds():
    return read_dataset(DATA)


def page_data(page: str) -> dict:
    return json.loads(re.search(r"mount\(\{data: (.*),\n  parentElement", page, re.S).group(1))


def map_data(ds, static, basemap="offline") -> dict:
    files = layers.build_map_files(ds, ds.events, static_dir=static)
    spec = map_spec.build_map_spec(ds, files, ds.events, shown=layers.TOGGLEABLE,
                                   basemap=basemap, view=layers.view_state(67, 48, 4),
                                   first=ds.first_day, last=ds.last_day)
    return {"spec": spec, "seq": 1, "controls": True, "fit": None, "height": "600px",
            "playback": {"day": 4, "playing": False, "speed": "fast", "mode": "cumulative"}}


def test_the_page_carries_every_day_and_its_data_inline(ds, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "blank-style.json").write_bytes((layers.STATIC_DIR / "blank-style.json").read_bytes())
    data = map_data(ds, static)
    page = snapshot_html(data, tmp_path / "map.html", static_dir=static)
    assert (tmp_path / "map.html").read_text(encoding="utf-8") == page
    assert "/app/static/" not in page  # no file the app alone serves
    shipped = page_data(page)
    assert shipped["spec"]["days"] == data["spec"]["days"] and shipped["playback"]["day"] == 4
    by_id = {t["id"]: t for t in shipped["spec"]["deck"]["layers"]}
    assert len(by_id["regions"]["data"]["features"]) == len(ds.regions)
    assert {r["event_id_cnty"] for r in by_id["events"]["data"]} >= {"KAZ0001", "KAZ0083"}
    # Every event's card text, inline in the details' field order.
    details = shipped["spec"]["details"]
    notes = {r[details["fields"].index("event_id_cnty")]: r[details["fields"].index("notes")]
             for r in details["data"]}
    assert notes == dict(zip(ds.events["event_id_cnty"], ds.events["notes"], strict=True))
    assert shipped["spec"]["deck"]["mapStyle"]["version"] == 8  # the offline style, inline
    assert "createDeck" in page  # deck.gl's bundle is inside: nothing to fetch
    assert "export default" not in page.split("<script type=\"module\">")[1]


def test_data_text_cannot_close_the_script(tmp_path):
    rows = [{"title": PAYLOAD, "day": 0, "longitude": 70, "latitude": 45}]
    url = layers.publish(json.dumps(rows).encode(), "json", tmp_path)
    data = {"spec": {"deck": {"layers": [{"id": "events", "data": url}]}}, "playback": {}}
    page = snapshot_html(data, static_dir=tmp_path, title=PAYLOAD)
    assert PAYLOAD not in page
    assert page_data(page)["spec"]["deck"]["layers"][0]["data"][0]["title"] == PAYLOAD


def test_the_page_refuses_a_url_outside_the_static_folder(tmp_path):
    data = {"spec": {"deck": {"layers": [{"id": "x",
                                          "data": f"{layers.STATIC_URL}/../secret.json"}]}}}
    with pytest.raises(ValueError, match="outside"):
        snapshot_html(data, static_dir=tmp_path)
