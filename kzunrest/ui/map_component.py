"""The map component (Streamlit components v2): a pydeck spec played in the browser.

The deck.gl bundle comes from the installed pydeck package and is served by the app itself
(kzunrest/ui/deck_bundle.py, which also starts loading it early).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from kzunrest.ui.deck_bundle import bundle_url

HERE = Path(__file__).parent
_component = st.components.v2.component(
    "kzunrest_map",
    html="",
    css=(HERE / "map_component.css").read_text(encoding="utf-8"),
    js=(HERE / "map_component.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def _ignore() -> None:
    """State callbacks are required to declare the states; the values are read after."""


def component_data(spec: dict, *, seq: int, day: int, playing: bool = False,
                   speed: str = "normal", mode: str = "cumulative", controls: bool = True,
                   height: str = "560px", fit: list[float] | None = None,
                   text: dict | None = None, keys: str | None = None) -> dict:
    """What the component receives (the HTML snapshot gets the same).

    ``fit`` (min lon, min lat, max lon, max lat) asks the browser to fit the camera to its own
    map size; otherwise the spec's camera holds. ``seq`` changes when Python sets the day,
    playback or camera itself (a link opened, a story step); between changes the browser
    keeps the viewer's own. ``text`` is what the component says, in the viewer's language
    (ui/map_text.py); English without it. ``keys="story"`` makes ←/→ on a map without
    controls step the story (the ``step`` trigger, -1 or 1).
    """
    return {"spec": spec, "seq": seq, "bundle": bundle_url(), "controls": controls,
            "height": height, "fit": fit, "text": text or {}, "keys": keys,
            "playback": {"day": day, "playing": playing, "speed": speed, "mode": mode}}


def wire(data: dict, spec_json: str, text_json: str, camera: dict | None = None) -> dict:
    """:func:`component_data`'s ``data`` as the component is sent it: the spec and the words as
    JSON text made once per map (ui/data.py's MapSpec), and the camera beside them (the
    browser puts it into the spec; None keeps the spec's own). Streamlit encodes a
    component's data twice a rerun (the message, and sorted for the element's identity):
    as objects, this spec cost more than the rest of a pause's rerun."""
    return {**data, "spec": spec_json, "text": text_json, "camera": camera}


def map_component(data: dict, *, key: str,
                  on_playback: Callable[[], None] | None = None,
                  on_camera: Callable[[], None] | None = None,
                  on_region: Callable[[], None] | None = None,
                  on_step: Callable[[], None] | None = None):
    """Mount the map with :func:`component_data`'s ``data`` (or its :func:`wire` form).

    Returns the component's state: ``playback`` (date, playing, speed, mode as last reported
    by the browser), ``camera``, the ``region`` clicked and the story ``step`` asked by a
    key (triggers, for one run).
    """
    return _component(
        key=key, data=data,
        on_playback_change=on_playback or _ignore,
        on_camera_change=on_camera or _ignore,
        on_region_change=on_region or _ignore,
        on_step_change=on_step or _ignore,
        height="content",
    )
