"""The deck.gl bundle of the installed pydeck, served by the app, and fetched early.

The bundle is served from ``static/vendor/`` under a content-hashed name (never committed), so
the map works with the network cut and a proxy may cache it for ever.

On a cold start the browser took 2-3 s to fetch and evaluate it (4.2 MB), and it only began
once the map component was mounted, after the whole first script run. :func:`preload` mounts
a zero-size component at the top of the run, before the page reads any data, whose only job is
to ``import()`` the bundle; the map component's own ``import()`` of the same URL then finds
the module already evaluated or on its way (one module map per page: evaluated once).

This module imports nothing heavy (no pandas, no pydeck), so app.py can call it before the
data modules are imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from functools import cache
from pathlib import Path

import streamlit as st

from kzunrest.settings import STATIC_DIR, STATIC_URL

# Found without importing pydeck (find_spec of a top-level package does not run it).
PYDECK_BUNDLE = (Path(importlib.util.find_spec("pydeck").origin).parent / "nbextension"
                 / "static" / "index.js")


@cache
def bundle_url(static_dir: Path = STATIC_DIR) -> str:
    """Copy pydeck's deck.gl bundle under a name made of its hash (once) and return its URL
    (relative to the page, as the components import it)."""
    payload = PYDECK_BUNDLE.read_bytes()
    name = f"deckgl-{hashlib.sha256(payload).hexdigest()[:16]}.js"
    target = static_dir / "vendor" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(PYDECK_BUNDLE, tmp)
        tmp.replace(target)
    return f"{STATIC_URL.lstrip('/')}/vendor/{name}"


# The URL is resolved exactly as map_component.js resolves it, so both import() calls name the
# same module. A failed fetch is left to the map's own import(), which reports it.
# Its element takes no room: without the rule, the sidebar's gap above it moved the page links
# down by 1rem (.st-key-<key> is the class Streamlit gives a keyed element's container).
_KEY = "deck_preload"
_PRELOAD = st.components.v2.component(
    "kzunrest_deck_preload", html="",
    css=f".st-key-{_KEY} {{ display: none; }}", isolate_styles=False,
    js="export default function ({ data }) {"
       " if (!globalThis.createDeck)"
       " import(new URL(data.bundle, document.baseURI).href).catch(() => {}); }",
)


def preload() -> None:
    """Start fetching and evaluating the bundle now (a page that will show a map). In the
    sidebar: an element in the main column would push the page down by its gap."""
    with st.sidebar:
        _PRELOAD(key=_KEY, data={"bundle": bundle_url()})
