"""The map as the browser plays it: pydeck layers grouped by day, and a summary per day.

Python describes the map once per dataset, filter set and layer choice (the deck's JSON from
pydeck, with the heavy rows in content-hashed files); the browser component
(``kzunrest/ui/map_component.js``) splits each timed layer's rows into one deck.gl layer per
day or period and, on each frame, only flips those layers' ``visible`` and ``opacity``. So a
frame of Play costs the server nothing and the GPU buffers are never rebuilt.

How a layer follows the day is declared in ``timing`` (layer id -> rule):

- ``{"by": "day", "show": "trail"}``: rows whose ``day`` equals the day are drawn bright;
  earlier ones fade as a trail in cumulative mode, and are hidden in "this day" mode;
- ``{"by": "day", "show": "upto"}``: rows from their ``day`` on (the spread of the unrest);
- ``{"by": "day", "show": "on"}``: rows of that day only (the day's place names);
- ``{"by": "period"}``: rows whose ``start`` <= day <= ``last`` (state of emergency, blackout,
  events known only to a span of days).

Rows of GeoJSON files carry these fields under ``properties``. The CSTO rows change with the
day (arriving, present, leaving) and are few, so they are sent inline, one list per day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk

from kzunrest import layers, select
from kzunrest.dataset import Dataset
from kzunrest.i18n import ENGLISH, Text, term
from kzunrest.names import Names

SPEEDS_MS = {"slow": 2000, "normal": 1000, "fast": 500}  # milliseconds per day of Play
MODES = ("cumulative", "day")
TRAIL_OPACITY = 0.3
CLICKABLE = ("events", "events-span", "spread", "regions")  # only these take a click
# Drawn only when deck.gl picks (hover, click), never on screen: what another layer draws.
PICK_ONLY = ("regions", "emergency")
REGION_LINE = [80, 80, 80, 200]
DISPUTED_RING = [25, 25, 25, 230]
# A place whose position is only known to the town (geo_precision 2) gets a halo of about
# this radius; one known only to its region (3) is drawn at the region's centre, hollow.
HALO_METERS = 25_000


@dataclass(frozen=True)
class Playback:
    """Where playback starts: the day (an index into the calendar), Play, speed and mode."""

    day: int
    playing: bool = False
    speed: str = "normal"
    mode: str = "cumulative"


def day_summaries(ds: Dataset, events: pd.DataFrame, days: list[dt.date],
                  text: Text = ENGLISH, names: Names | None = None) -> list[dict]:
    """Per day: events that day and so far, regions reached, CSTO contingents in the country,
    state of emergency and internet shutdown in force. One pass over the events; the rest
    does not depend on the filters and is computed once per dataset and calendar."""
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in days])
    per_day = events["event_date"].value_counts().reindex(index, fill_value=0)
    before = int((events["event_date"] < index[0]).sum()) if len(index) else 0
    so_far = per_day.cumsum() + before
    onset = select.onset_by_region(events)
    regions = np.searchsorted(np.sort(onset.to_numpy()), index.to_numpy(), side="right")
    context = layers.per_dataset(ds, ("day-context", tuple(days), text.lang),
                                 lambda: _day_context(ds, days, text, names))
    # Plain integers first: a Series' .iloc per day and figure cost more than the counting.
    today, so_far = per_day.to_numpy().tolist(), so_far.to_numpy().tolist()
    return [{**context[i], "today": int(today[i]), "so_far": int(so_far[i]),
             "regions": int(regions[i])} for i in range(len(days))]


def _day_context(ds: Dataset, days: list[dt.date], text: Text,
                 names: Names | None) -> list[dict]:
    """What each day's summary says that the events do not decide (CSTO, emergency,
    blackout), in the summary's key order."""
    out = []
    for d in days:
        here = select.contingents_on(ds.contingents, d)
        emergency = select.active_on(ds.emergency, d, "start_date", "end_date", "end_time")
        blackout = select.active_on(ds.blackout, d, "start_date", "end_date", "end_time")
        out.append({
            "date": d.isoformat(), "label": text.date(d, "day"),
            "today": 0, "so_far": 0, "regions": 0, "regions_total": int(len(ds.regions)),
            "contingents": int(len(here)),
            "emergency": int(len(emergency)),
            "blackout": [term(text, p) if p == "nationwide" else
                         (names.region(p, text.lang) if names else p)
                         for p in _places(blackout)],
        })
    return out


def _places(periods: pd.DataFrame) -> list[str]:
    """Where periods (of blackout) apply: "nationwide", or the region names."""
    names = ["nationwide" if not a else a for a in periods.get("admin1", pd.Series()).fillna("")]
    return list(dict.fromkeys(sorted(names, key=lambda n: n != "nationwide")))


def _templates(layers_: list[pdk.Layer]) -> list[dict]:
    """The layers' JSON as pydeck writes it (``@@type``, ``@@=`` accessors), each layer's
    own: the same JSON a Deck writes, without a Deck (each Deck tries to import pydeck's
    Jupyter widget five times, a failed import each time, ~1 ms a Deck)."""
    return [json.loads(layer.to_json()) for layer in layers_]


# The deck's own JSON (camera, views, basemap style) per basemap style and camera.
_DECKS: dict[tuple[str, str], str] = {}


def _deck_json(map_style: str, view: pdk.ViewState) -> dict:
    """The deck without its layers, as pydeck writes it (a fresh dict each call): made once
    per basemap style and camera (see :func:`_templates` on what a Deck costs)."""
    key = (map_style, view.to_json())
    if key not in _DECKS:
        _DECKS[key] = pdk.Deck(layers=[], initial_view_state=view, map_style=map_style,
                               map_provider="carto").to_json()
    return json.loads(_DECKS[key])


def _label_layer(layer_id: str, data) -> pdk.Layer:
    # characterSet "auto": Kazakh and Russian letters are drawn, not only ASCII.
    return pdk.Layer("TextLayer", id=layer_id, data=data, get_position="position",
                     get_text="text", get_size="size", size_units="'pixels'",
                     character_set="'auto'", font_family="'DejaVu Sans, Arial, sans-serif'",
                     font_settings={"sdf": True}, outline_width=3,
                     outline_color=[255, 255, 255, 230], get_color=[40, 40, 40, 255],
                     get_text_anchor="'middle'", get_alignment_baseline="'center'",
                     pickable=False)


# " Region" (облысы, область) is implied on a map of regions; labels stay short, collide less.
REGION_WORDS = (" Region", " облысы", " область")


def region_labels(ds: Dataset, lang: str = "en", names: Names | None = None) -> list[dict]:
    """A name per region at a point inside it (offline, the basemap has none)."""
    points = ds.regions.geometry.representative_point()

    def short(name: str) -> str:
        shown = names.region(name, lang) if names else name
        for word in REGION_WORDS:
            shown = shown.removesuffix(word)
        return shown

    return [{"position": [round(p.x, 4), round(p.y, 4)], "text": short(name), "size": 11}
            for name, p in zip(ds.regions["admin1"], points, strict=True)]


def locality_labels(events: pd.DataFrame, first: dt.date, lang: str = "en",
                    names: Names | None = None) -> list[dict]:
    """The day's places, one label per place and day (drawn on that day only)."""
    if events.empty:
        return []
    places = events.drop_duplicates(["event_date", "location"])
    day = select.day_number(places["event_date"], first)
    return [{"position": [round(float(x), 4), round(float(y), 4) - 0.25],
             "text": names.place(str(name), lang) if names else str(name),
             "size": 11, "day": int(d)}
            for x, y, name, d in zip(places["longitude"], places["latitude"],
                                     places["location"], day, strict=True)]


def csto_by_day(ds: Dataset, days: list[dt.date]) -> tuple[list[list[dict]], list[list[dict]]]:
    """The CSTO arc and site rows of every day (arriving, present and leaving change daily);
    they do not depend on the filters: computed once per dataset and calendar."""
    def build():
        arcs = [layers.csto_arc_rows(ds.contingents, d) for d in days]
        sites = [layers.csto_site_rows(ds.sites, ds.contingents, d) for d in days]
        return arcs, sites

    return layers.per_dataset(ds, ("csto-by-day", tuple(days)), build)


def build_map_spec(ds: Dataset, files: layers.MapFiles, events: pd.DataFrame, *,
                   shown: list[str], basemap: str, view: pdk.ViewState,
                   first: dt.date, last: dt.date,
                   highlight: pd.DataFrame | None = None, text: Text = ENGLISH,
                   names: Names | None = None) -> dict:
    """Everything the browser needs to play the map over ``first``..``last``.

    ``shown`` are the toggleable layers the viewer chose (``regions`` is always drawn).
    """
    days = [d for d in ds.days() if first <= d <= last]
    offset = select.day_number(first, ds.first_day)  # the files count from the dataset's
    # The regions take hovers and clicks through their transparent fill, which is drawn only
    # when deck.gl picks (``pick_only``); their borders are drawn once, as segments.
    stack: list[tuple[pdk.Layer, dict | None]] = [
        (pdk.Layer("GeoJsonLayer", id="regions", data=files.regions, stroked=False,
                   filled=True, get_fill_color=[0, 0, 0, 0], pickable=True), None),
        (_edges_layer("region-borders", files.borders, REGION_LINE, 1), None)]
    if "spread" in shown:
        stack.append((pdk.Layer("GeoJsonLayer", id="spread", data=files.spread, filled=True,
                                stroked=False, get_fill_color="properties.fill",
                                pickable=True), {"by": "day", "show": "upto"}))
    if "blackout" in shown:
        # Hatched, not shaded: a shade over the spread's colours turned them brown. The
        # hatch lines as segments (layers.hatch_rows), 1 pixel wide as the paths were.
        stack.append((_edges_layer("blackout", files.blackout, layers.BLACKOUT_LINE, 1),
                      {"by": "period"}))
    if "emergency" in shown:
        # Drawn as segments (emergency-lines); the outlines as paths only take the hovers
        # (each region's own tooltip).
        stack.append((pdk.Layer("GeoJsonLayer", id="emergency", data=files.emergency,
                                filled=False, stroked=True, get_line_color=layers.EMERGENCY_COLOR,
                                line_width_min_pixels=3, pickable=True), {"by": "period"}))
        stack.append((_edges_layer("emergency-lines", files.emergency_lines,
                                   layers.EMERGENCY_COLOR, 3), {"by": "period"}))
    arcs, sites = csto_by_day(ds, days)
    if "csto-arcs" in shown:
        stack.append((layers.build_csto_arcs_layer([]), {"by": "inline", "rows": arcs}))
        labels = layers.per_dataset(ds, ("csto-labels", tuple(days)), lambda: [
            layers.csto_arc_labels(a, ds.regions) for a in arcs])
        stack.append((_label_layer("csto-labels", []), {"by": "inline", "rows": labels}))
    if "events" in shown:
        stack += uncertainty_layers(files)
        common = dict(get_position=["longitude", "latitude"], get_fill_color="color",
                      get_radius="radius", radius_units="'pixels'", radius_min_pixels=3,
                      stroked=True, get_line_color=[255, 255, 255, 200],
                      line_width_min_pixels=1)
        stack.append((pdk.Layer("ScatterplotLayer", id="events", data=files.events,
                                pickable=True, **common), {"by": "day", "show": "trail"}))
        stack.append((type_marks(ds, files.events), {"by": "day", "show": "trail"}))
        if files.disputed:
            # A dark ring round every event that sources tell differently (its card says how).
            stack.append((pdk.Layer("ScatterplotLayer", id="events-disputed",
                                    data=files.disputed, get_position=["longitude", "latitude"],
                                    get_radius="radius + 4", radius_units="'pixels'",
                                    filled=False, stroked=True, get_line_color=DISPUTED_RING,
                                    line_width_min_pixels=2, pickable=False),
                          {"by": "period"}))
    if "csto-sites" in shown:
        stack.append((layers.build_csto_sites_layer([]), {"by": "inline", "rows": sites}))
    # Label rows join their layer's JSON after pydeck wrote it: its encoder (indented, in
    # Python) took longer over these few hundred rows than over everything else.
    inline: dict[str, list[dict]] = {}
    if basemap == "offline":
        inline["region-labels"] = layers.per_dataset(
            ds, ("region-labels", text.lang), lambda: region_labels(ds, text.lang, names))
        stack.append((_label_layer("region-labels", []), None))
        inline["place-labels"] = locality_labels(events, first, text.lang, names)
        stack.append((_label_layer("place-labels", []),
                      {"by": "day", "show": "on", "inline": True}))
    if highlight is not None and len(highlight):
        stack.append((layers.build_highlight_layer(highlight), None))

    spec = _deck_json(layers.BASEMAPS.get(basemap, layers.BASEMAPS["carto-light"]), view)
    spec["layers"] = [{**t, "data": inline[t["id"]]} if t.get("id") in inline else t
                      for t in _templates([layer for layer, _ in stack])]
    return {
        "deck": spec,
        "timing": {layer.id: rule for layer, rule in stack if rule},
        "offset": int(offset),
        "days": [d.isoformat() for d in days],
        "summary": day_summaries(ds, events, days, text, names),
        "legend": legend(ds, files, shown, text),
        "clickable": [c for c in CLICKABLE if c in shown or c == "regions"],
        "pick_only": [c for c in PICK_ONLY if c in shown or c == "regions"],
        "speeds": SPEEDS_MS,
        "trail_opacity": TRAIL_OPACITY,
        # The events' card text, fetched beside the layers (layers.details_payload).
        "details": {"data": files.details, "fields": list(layers.DETAIL_FIELDS)}
        if files.details and "events" in shown else None,
    }


def _edges_layer(layer_id: str, data: str, color: list[int], width: int) -> pdk.Layer:
    """Outlines as straight segments (layers.edge_rows), ``width`` pixels wide: on a
    software GPU far cheaper than the same outlines as paths (see layers.edge_rows)."""
    return pdk.Layer("LineLayer", id=layer_id, data=data, get_source_position="s",
                     get_target_position="t", get_color=color, get_width=width,
                     width_units="'pixels'", pickable=False)


def uncertainty_layers(files: layers.MapFiles) -> list[tuple[pdk.Layer, dict]]:
    """How sure each event is, drawn under the points: the region tinted when only the region
    is known, a halo of about 25 km when only the town is, and a faint ring on every day of a
    span when only the span of days is known. These take no clicks (the points do)."""
    out = []
    if files.areas:
        out.append((pdk.Layer("ScatterplotLayer", id="events-area", data=files.areas,
                              get_position="position", get_fill_color="color", get_radius=1.6,
                              radius_units="'pixels'", stroked=False, pickable=False),
                    {"by": "period"}))
    if files.halos:
        out.append((pdk.Layer("ScatterplotLayer", id="events-halo", data=files.halos,
                              get_position=["longitude", "latitude"], get_radius=HALO_METERS,
                              radius_units="'meters'", radius_min_pixels=8,
                              get_fill_color="[color[0], color[1], color[2], 50]",
                              stroked=False, pickable=False), {"by": "day", "show": "trail"}))
    if files.spans:
        out.append((pdk.Layer("ScatterplotLayer", id="events-span", data=files.spans,
                              get_position=["longitude", "latitude"], get_radius="radius + 2",
                              radius_units="'pixels'", filled=True,
                              get_fill_color="[color[0], color[1], color[2], 70]",
                              stroked=True, get_line_color="color", line_width_min_pixels=2,
                              pickable=True), {"by": "period"}))
    return out


def legend(ds: Dataset, files: layers.MapFiles, shown: list[str],
           text: Text = ENGLISH) -> list[dict]:
    """The keys of what is drawn, as data (the component writes them with textContent).
    Event types carry their mark (:func:`type_marks`), so a key reads without colour."""
    _ = text.gettext
    parts = []
    if "events" in shown:
        colors = ds.event_types.drop_duplicates("event_type")
        marks = type_mark_letters(ds)
        parts.append({"title": _("Events"), "kind": "dot",
                      "items": [[term(text, t), c, "", marks.get(t, "")]
                                for t, c in zip(colors["event_type"], colors["color"],
                                                strict=True)]})
    if "events" in shown:
        sure = [[_("exact place"), "#555555", "dot"]]
        if files.halos:
            sure.append([_("town only (about 25 km)"), "#555555", "halo"])
        if files.areas:
            sure.append([_("region only (stippled)"), "#555555", "area"])
        if files.spans:
            sure.append([_("only a span of days known"), "#555555", "ring"])
        if files.disputed:
            sure.append([_("disputed: sources differ"), layers.rgb_hex(DISPUTED_RING),
                         "darkring"])
        parts.append({"title": _("How sure"), "kind": "mixed", "items": sure})
    if "spread" in shown and files.onset_legend:
        parts.append({"title": _("First event in the region"), "kind": "fill",
                      "items": [list(x) for x in files.onset_legend]})
    if "emergency" in shown:
        parts.append({"title": _("State of emergency"), "kind": "outline",
                      "items": [[_("region outlined"), layers.rgb_hex(layers.EMERGENCY_COLOR)]]})
    if "blackout" in shown:
        parts.append({"title": _("Internet shutdown"), "kind": "hatch",
                      "items": [[_("hatched"), layers.rgb_hex(layers.BLACKOUT_LINE)]]})
    if "csto-arcs" in shown:
        parts.append({"title": _("CSTO contingents"), "kind": "line",
                      "items": [[term(text, p), layers.rgb_hex(c)]
                                for p, c in layers.PHASE_COLORS.items()]})
    if "csto-sites" in shown:
        parts.append({"title": _("CSTO sites"), "kind": "dot",
                      "items": [[_("guarded site"), layers.rgb_hex(layers.SITE_COLOR)]]})
    return parts


# Event types read by a mark as well as by colour (WCAG 1.4.1): ACLED's six types by their
# initial; another dataset's types get letters in order of their vocabulary.
TYPE_MARKS = {"Protests": "P", "Riots": "R", "Battles": "B", "Violence against civilians": "V",
              "Explosions/Remote violence": "E", "Strategic developments": "S",
              "Unclassified": "?"}
_SPARE_MARKS = "ACDFGHJKLMNOQTUWXYZ"


def type_mark_letters(ds: Dataset) -> dict[str, str]:
    """A one-letter mark per event type of the dataset."""
    spare = iter(_SPARE_MARKS)
    return {t: TYPE_MARKS.get(t) or next(spare, "•")
            for t in dict.fromkeys(ds.event_types["event_type"])}


def type_marks(ds: Dataset, events_url: str) -> pdk.Layer:
    """A TextLayer that writes each event's type mark on its point (same rows as the events
    layer, so it follows the day and the trail the same way). One function, so the lead's
    layer work and this stay apart."""
    letters = type_mark_letters(ds)
    cases = " : ".join(f"event_type === {json.dumps(t)} ? {json.dumps(m)}"
                       for t, m in letters.items())
    return pdk.Layer("TextLayer", id="type-marks", data=events_url,
                     get_position=["longitude", "latitude"], get_text=f"{cases} : ''",
                     get_size=11, size_units="'pixels'", character_set="'auto'",
                     font_family="'DejaVu Sans, Arial, sans-serif'", font_weight=700,
                     get_color=[255, 255, 255, 255], outline_width=2,
                     outline_color=[0, 0, 0, 200], font_settings={"sdf": True},
                     get_text_anchor="'middle'", get_alignment_baseline="'center'",
                     pickable=False)
