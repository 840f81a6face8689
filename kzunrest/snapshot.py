"""A standalone HTML page that plays the map offline: the map component's own code, the deck.gl
bundle shipped inside pydeck, and the map's spec with every data file written inline.

The page runs the same JavaScript as the app (kzunrest/ui/map_component.js), so it has the
same Play, slider, keys, legend, tooltips and cards, and writes data text with textContent as
the app does. Nothing is fetched when it opens (but a ``carto-light`` basemap's tiles).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pydeck

from kzunrest import layers

UI = Path(__file__).parent / "ui"
PYDECK_BUNDLE = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"


def _static_file(url: str, static_dir: Path) -> Path:
    """The file behind a ``/app/static/...`` URL, refusing anything outside ``static_dir``."""
    root = Path(static_dir).resolve()
    path = (root / url[len(layers.STATIC_URL):].lstrip("/")).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{url!r} points outside {root}")
    if not path.is_file():
        raise FileNotFoundError(f"{url!r}: no file at {path}")
    return path


def _inlined(value, static_dir: Path):
    if isinstance(value, str) and value.startswith(layers.STATIC_URL + "/"):
        return json.loads(_static_file(value, static_dir).read_text(encoding="utf-8"))
    return value


def _script_safe(text: str) -> str:
    """JSON that cannot close the page's <script> (every ``<`` written as ``\\u003c``)."""
    return text.replace("<", "\\u003c")


def _inlined_details(details: dict | None, static_dir: Path) -> dict | None:
    """The events' details file as rows (one list of the fields per event), which the
    component takes in place of its URL."""
    if not details or not isinstance(details.get("data"), str):
        return details
    rows = layers.read_details(_static_file(details["data"], static_dir).read_bytes())
    return {**details, "data": [[r[f] for f in details["fields"]] for r in rows]}


def inline_spec(spec: dict, static_dir: Path = layers.STATIC_DIR) -> dict:
    """A copy of the map's spec with each layer's data file, the events' details and the
    offline style inline."""
    deck = spec["deck"]
    return {**spec, "details": _inlined_details(spec.get("details"), static_dir),
            "deck": {**deck, "mapStyle": _inlined(deck.get("mapStyle"), static_dir),
                     "layers": [{**t, "data": _inlined(t.get("data"), static_dir)}
                                for t in deck["layers"]]}}


def snapshot_html(data: dict, out: Path | None = None, *,
                  static_dir: Path = layers.STATIC_DIR, title: str = "kzunrest map",
                  lang: str = "en") -> str:
    """The page for the map component's ``data`` (spec, playback, fit, ...), as a string;
    written to ``out`` when given.

    >>> page = snapshot_html({"spec": {"deck": {"layers": []}}, "playback": {}})
    >>> "createDeck" in page and "/app/static/" not in page
    True
    """
    payload = {**data, "spec": inline_spec(data["spec"], static_dir), "bundle": None,
               "height": "calc(100vh - 70px)"}
    js = (UI / "map_component.js").read_text(encoding="utf-8")
    js = js.replace("export default mount;", "")
    css = (UI / "map_component.css").read_text(encoding="utf-8")
    # The bundle holds no "</script": checked here, so a new pydeck cannot break the page.
    bundle = PYDECK_BUNDLE.read_text(encoding="utf-8")
    if "</script" in bundle.lower():
        raise RuntimeError("pydeck's bundle contains '</script'; it cannot be inlined as is")
    page = f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body {{ margin: 0; padding: 8px; font-family: sans-serif; }}
{css}</style></head>
<body><main id="map"></main>
<script>{bundle}</script>
<script type="module">
{js}
mount({{data: {_script_safe(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))},
  parentElement: document.getElementById("map"), setStateValue() {{}}, setTriggerValue() {{}}}});
</script>
</body></html>
"""
    if out is not None:
        Path(out).write_text(page, encoding="utf-8")
    return page
