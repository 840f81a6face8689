"""Run pages under AppTest and read the map's layers back, as the browser would see them."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from kzunrest.layers import STATIC_DIR, STATIC_URL

ROOT = Path(__file__).resolve().parent.parent


def run_app(timeout: float = 60, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def deck_spec(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def layer(spec: dict, layer_id: str) -> dict | None:
    return next((lyr for lyr in spec["layers"] if lyr["id"] == layer_id), None)


def fetch(url: str):
    """What the browser fetches for a layer's data URL (a file under static/)."""
    assert url.startswith(STATIC_URL + "/")
    return json.loads((STATIC_DIR / url[len(STATIC_URL) + 1:]).read_text(encoding="utf-8"))


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
