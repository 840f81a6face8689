"""Run pages under AppTest and read the map's layers back, as the browser would see them."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from kzunrest.layers import STATIC_DIR, STATIC_URL, read_details

ROOT = Path(__file__).resolve().parent.parent


def run_app(timeout: float = 60, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def deck_spec(at: AppTest) -> dict:
    """The pydeck JSON of a page's st.pydeck_chart (pages where nothing animates)."""
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def map_data(at: AppTest) -> dict:
    """What the map component received: spec (deck, timing, days, summary, legend), the
    playback (day index, Play, speed, mode), seq and the bundle's URL."""
    # The page's other component (ui/lang.py's <html lang>) carries no spec.
    found = [el for el in at.get("bidi_component")
             if el.proto.json and '"spec"' in el.proto.json]
    assert len(found) == 1, f"{len(found)} map components"
    return decode(json.loads(found[0].proto.json))


def decode(sent: dict) -> dict:
    """The component's data as map_component.js reads it: the spec and the words arrive as
    JSON text, the camera beside the spec (kzunrest/ui/map_component.py's ``wire``)."""
    spec, text = sent["spec"], sent.get("text")
    spec = json.loads(spec) if isinstance(spec, str) else spec
    if sent.get("camera"):
        spec = {**spec, "deck": {**spec["deck"], "initialViewState": sent["camera"]}}
    return {**sent, "spec": spec, "text": json.loads(text) if isinstance(text, str) else text}


def day_index(data: dict, day: str) -> int:
    return data["spec"]["days"].index(day)


def shown_rows(data: dict, layer_id: str, day: str | None = None,
               mode: str | None = None) -> list[dict]:
    """The rows of a layer the browser draws on ``day`` (default: the day it opens on), by the
    rules map_component.js applies (see kzunrest/map_spec.py); trail rows included."""
    spec = data["spec"]
    lyr = next((t for t in spec["deck"]["layers"] if t["id"] == layer_id), None)
    if lyr is None:
        return []
    d = day_index(data, day) if day else data["playback"]["day"]
    mode = mode or data["playback"]["mode"]
    rule = spec["timing"].get(layer_id)
    rows = fetch(lyr["data"]) if isinstance(lyr["data"], str) else lyr["data"]
    if isinstance(rows, dict):  # GeoJSON
        rows = [f["properties"] for f in rows["features"]]
    if rule is None:
        return rows
    if rule["by"] == "inline":
        return rule["rows"][d]
    off = spec["offset"]
    if rule["by"] == "period":
        return [r for r in rows if r["start"] - off <= d <= r["last"] - off]
    show = rule["show"]
    if show == "on" or (show == "trail" and mode == "day"):
        return [r for r in rows if r["day"] - off == d]
    return [r for r in rows if r["day"] - off <= d]


def layer(spec: dict, layer_id: str) -> dict | None:
    return next((lyr for lyr in spec["layers"] if lyr["id"] == layer_id), None)


def fetch(url: str):
    """What the browser fetches for a layer's data URL (a file under static/)."""
    assert url.startswith(STATIC_URL + "/")
    return json.loads((STATIC_DIR / url[len(STATIC_URL) + 1:]).read_text(encoding="utf-8"))


def card_details(data: dict) -> dict[str, dict]:
    """Per event id, the card's text the component reads from the spec's details file
    (``notes``, ``actors``, ``sources`` and ``disputes`` parsed from JSON, ``precision``,
    ``foot``), as map_component.js does."""
    details = data["spec"]["details"]
    url = details["data"]
    assert url.startswith(STATIC_URL + "/")
    rows = read_details((STATIC_DIR / url[len(STATIC_URL) + 1:]).read_bytes())
    return {r["event_id_cnty"]: {**r, "sources": json.loads(r["sources"] or "[]"),
                                 "disputes": json.loads(r["disputes"] or "[]")} for r in rows}


def visible_rows(spec: dict, layer_id: str) -> list[dict]:
    """Rows a layer draws: its data filtered by its GPU filter range, as deck.gl does."""
    lyr = layer(spec, layer_id)
    if lyr is None:
        return []
    data = lyr["data"]
    rows = fetch(data) if isinstance(data, str) else data
    if isinstance(rows, dict):  # GeoJSON
        rows = [f["properties"] for f in rows["features"]]
    if "filterRange" not in lyr:
        return rows
    accessor = lyr["getFilterValue"].removeprefix("@@=")
    rng = lyr["filterRange"]
    if accessor.startswith("["):
        keys = [k.strip().removeprefix("properties.") for k in accessor.strip("[]").split(",")]
        return [r for r in rows if all(lo <= r[k] <= hi for k, (lo, hi) in
                                       zip(keys, rng, strict=True))]
    key = accessor.removeprefix("properties.")
    return [r for r in rows if rng[0] <= r[key] <= rng[1]]
