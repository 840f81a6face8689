"""A standalone HTML page of the map as it is: the day's layers with their data inline.

Built from the deck's public JSON (``Deck.to_json``) and pydeck's page template
(``pydeck.io.html.render_json_to_html``): no private field of pydeck is read.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pydeck as pdk
from pydeck.io.html import render_json_to_html

from kzunrest import layers
from kzunrest.i18n import ENGLISH, Text


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


def _accessor(spec: str) -> Callable[[dict], list]:
    """A row -> values function for a pydeck accessor such as ``@@=day``,
    ``@@=properties.day`` or ``@@=[properties.start, properties.last]``."""
    text = spec.removeprefix("@@=").strip()
    paths = [p.strip().split(".") for p in text.strip("[]").split(",")]
    if not all(part.isidentifier() for path in paths for part in path):
        raise ValueError(f"cannot evaluate the filter accessor {spec!r} outside the browser")

    def values(row: dict) -> list:
        out = []
        for path in paths:
            value = row
            for part in path:
                value = value[part]
            out.append(value)
        return out

    return values


def _filtered(layer: dict, data):
    """The rows a DataFilterExtension would keep, for a page that lacks the extension.

    pydeck's standalone bundle has no DataFilterExtension, and the map filters days on the GPU
    with it; a snapshot shows one day, so the filter is applied here once and dropped.
    ``layer`` is the layer as in the deck's JSON (``getFilterValue``, ``filterRange``).
    """
    uses = [e for e in layer.get("extensions") or []
            if isinstance(e, dict) and e.get("@@type") == "DataFilterExtension"]
    if not uses:
        return data, False
    values = _accessor(layer["getFilterValue"])
    ranges = layer["filterRange"]
    ranges = ranges if isinstance(ranges[0], list | tuple) else [ranges]

    def keep(row: dict) -> bool:
        return all(lo <= v <= hi for v, (lo, hi) in zip(values(row), ranges, strict=True))

    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return {**data, "features": [f for f in data["features"] if keep(f)]}, True
    return [row for row in data if keep(row)], True


def _tooltip_fields(tooltip) -> set[str] | None:
    """Fields the page's tooltip writes as HTML: those named in its template, or every field
    (``None``) for pydeck's default tooltip; none when the tooltip is off or plain text."""
    if tooltip is True:
        return None
    if isinstance(tooltip, dict) and "html" in tooltip:
        return {name.split(".")[-1] for name in re.findall(r"{([\w.]+)}", tooltip["html"])}
    return set()


def _escaped(data, fields: set[str] | None):
    """``data`` with the tooltip's fields HTML-escaped, in rows and in GeoJSON properties.

    Streamlit's deck component escapes tooltip values; pydeck's standalone page puts them in
    ``innerHTML`` as they are, so a note holding markup would run on hover without this.
    """
    def clean(row):
        if not isinstance(row, dict):
            return row
        out = {k: html.escape(v) if isinstance(v, str) and (fields is None or k in fields)
               else v for k, v in row.items()}
        if isinstance(row.get("properties"), dict):
            out["properties"] = clean(row["properties"])
        return out

    if fields is not None and not fields:
        return data
    if isinstance(data, dict) and isinstance(data.get("features"), list):
        return {**data, "features": [clean(f) for f in data["features"]]}
    if isinstance(data, list):
        return [clean(row) for row in data]
    return data


def snapshot_html(deck: pdk.Deck, out: Path | None = None, *,
                  tooltip: dict | bool = layers.TOOLTIP,
                  static_dir: Path = layers.STATIC_DIR, offline: bool = False,
                  text: Text = ENGLISH) -> str:
    """A standalone HTML page of ``deck``, with the data of its static files written inline.

    The map page's layers load ``/app/static/...`` URLs that only the running app serves; here
    each is replaced by the file's JSON (as is an offline basemap style) in the deck's JSON,
    so the passed deck is unchanged. Day filters run on the GPU in the app; here they are
    applied to the inlined rows (pydeck's page bundle lacks the extension). Text in the data
    cannot close the page's ``<script>``: every ``<`` in the deck's JSON is written as
    ``\\u003c``. ``tooltip`` is the map's (a deck's JSON does not carry it); the fields it
    shows are HTML-escaped, since this page (unlike the app's) would otherwise render their
    markup. Written to ``out`` when given. deck.gl loads from its CDN unless ``offline``
    (pydeck then embeds its 4 MB bundle in the page). The page's language and title follow
    ``text``.
    """
    spec = json.loads(deck.to_json())
    fields = _tooltip_fields(tooltip)
    for layer in spec.get("layers", []):
        data, was_filtered = _filtered(layer, _inlined(layer.get("data"), static_dir))
        layer["data"] = _escaped(data, fields)
        if was_filtered:
            for name in ("extensions", "getFilterValue", "filterRange"):
                layer.pop(name, None)
    if "mapStyle" in spec:
        spec["mapStyle"] = _inlined(spec["mapStyle"], static_dir)
    safe = json.dumps(spec, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
    page = render_json_to_html(safe, tooltip=tooltip, offline=offline)
    title = html.escape(text.gettext("kzunrest map"))
    page = page.replace("<title>pydeck</title>", f"<title>{title}</title>", 1)
    lang = text.lang if text.lang in ("en", "kk", "ru") else "en"
    page = page.replace("<html>", f'<html lang="{lang}">', 1)
    if out is not None:
        Path(out).write_text(page, encoding="utf-8")
    return page
