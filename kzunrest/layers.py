"""The map's rows and pydeck layers.

Heavy data (events, region shapes, hatching) goes to content-hashed files under ``static/``
that the browser fetches once; kzunrest/map_spec.py assembles the deck and says how each layer
follows the day. Text stays plain text in the rows (``title``, ``body``, ``foot``, ``notes``,
``sources``): the map component writes it with textContent, so data never becomes markup
(tests/test_browser.py proves it with an <img onerror> payload).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from kzunrest import select
from kzunrest.dataset import Dataset
from kzunrest.settings import PROJECT_ROOT
from kzunrest.vocab import type_colors

STATIC_DIR = PROJECT_ROOT / "static"
STATIC_URL = "/app/static"
LAYER_IDS = ["regions", "events", "spread", "emergency", "blackout", "csto-arcs", "csto-sites"]
TOGGLEABLE = LAYER_IDS[1:]
# The camera comes from the dataset (its regions' bounds, Dataset.initial_view); it never
# changes between frames, so the user's own zoom and pan survive playback.
BASEMAPS = {
    "carto-light": "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json",
    "offline": f"{STATIC_URL}/blank-style.json",
}
ONSET_CMAP = "YlOrRd_r"  # early onset dark red, later onset pale
EMERGENCY_COLOR = [178, 24, 43, 230]
BLACKOUT_LINE = [30, 30, 60, 150]  # hatching: thin lines, so the colours beneath stay true
HATCH_SPACING = 0.35  # degrees between hatch lines
STIPPLE_SPACING = 0.45  # degrees between the dots of a region-only event
PHASE_COLORS = {"arriving": [0, 158, 115], "present": [213, 94, 0], "leaving": [120, 120, 120]}
SITE_COLOR = [120, 40, 160, 230]
PRECISION_TEXT = {1: "exact position", 2: "placed at the city: exact position not published",
                  3: "area only: exact position not published"}
TIME_PRECISION_TEXT = {1: "day known", 2: "day approximate (within a few days)",
                       3: "known only to a span of days"}
@dataclass(frozen=True)
class MapFiles:
    """URLs of the static files one dataset and filter set needs."""

    regions: str
    events: str
    spread: str
    emergency: str
    blackout: str
    onset_legend: tuple[tuple[str, str], ...]  # (day label, hex colour), earliest first
    # How sure each event is (empty when there is nothing of the kind, or events are grouped):
    spans: str = ""  # events known only to a span of days (event_date_end), drawn over it
    halos: str = ""  # events placed at their town only (geo_precision 2): a ~25 km halo
    areas: str = ""  # events known only to their region (geo_precision 3): the region tinted
    disputed: str = ""  # events with a competing version in disputes.csv: a dark ring


def rgb_hex(rgb: list[int]) -> str:
    """``[r, g, b(, a)]`` as ``#rrggbb``.

    >>> rgb_hex([178, 24, 43, 230])
    '#b2182b'
    """
    return "#" + "".join(f"{int(v):02x}" for v in rgb[:3])


def hex_to_rgb(color: str, alpha: int = 255) -> list[int]:
    c = color.lstrip("#")
    return [int(c[i: i + 2], 16) for i in (0, 2, 4)] + [alpha]


def publish(payload: bytes, suffix: str, static_dir: Path = STATIC_DIR) -> str:
    """Write ``payload`` under a name made of its hash (once) and return its URL."""
    digest = hashlib.sha256(payload).hexdigest()[:16]
    folder = static_dir / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.{suffix}"
    if not target.exists():
        # A temp name of this process's own: replicas behind `make serve` (or containers
        # sharing a volume) may write the same file at the same moment.
        tmp = folder / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_bytes(payload)
        tmp.replace(target)  # atomic: a browser never fetches half a file
    return f"{STATIC_URL}/generated/{target.name}"


def _dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _tip(title: str, body: list[str], foot: str = "") -> dict[str, str]:
    """Plain-text tooltip fields; lines of ``body`` show on separate lines (pre-line)."""
    return {"title": title, "body": "\n".join(line for line in body if line), "foot": foot}


# Beyond this many events, the browser gets one point per place, day and type (with its
# count) instead of one per event: a million points would be a file of hundreds of MB.
MAX_POINTS = 50_000


def event_rows(events: pd.DataFrame, colors: dict[str, str], first: dt.date,
               disputes: pd.DataFrame | None = None) -> list[dict]:
    """Rows of the events layer: position, day number (from ``first``), colour, radius,
    tooltip text.

    Built from whole columns (one conversion per column, not per row), so 10^5 events take
    about a second.
    """
    if events.empty:
        return []
    date, fat = events["event_date"], events["fatalities"]
    known = fat.notna().to_numpy()
    fat_int = fat.fillna(0).astype("int64").to_numpy()
    fat_text = np.where(known, fat_int.astype(str), "unknown").tolist()
    # Radius grows with the toll, so the deadliest events stand out; 0 and unknown alike.
    radius = (6 + 3 * np.minimum(fat_int, 30).astype(float) ** 0.5).round(2).tolist()
    long_date = date.dt.strftime("%a %d %b %Y").tolist()
    iso = date.dt.strftime("%Y-%m-%d").tolist()
    day = select.day_number(date, first).astype(int).tolist()
    end = events["event_date_end"] if "event_date_end" in events else pd.Series(pd.NaT,
                                                                                index=events.index)
    last = select.day_number(end.fillna(date), first).astype(int).tolist()
    span_text = end.where(end > date).dt.strftime(" to %a %d %b").fillna("").tolist()
    versions = competing_versions(disputes)
    rgb = {t: hex_to_rgb(colors.get(t, "#8C8C8C"), 220) for t in events["event_type"].unique()}
    columns = [events[c].tolist() for c in ("event_id_cnty", "event_time", "admin1",
                                            "event_type", "sub_event_type", "location", "notes",
                                            "source", "source_url", "actor1", "actor2",
                                            "geo_precision", "time_precision")]
    lat = events["latitude"].astype(float).round(5).tolist()
    lon = events["longitude"].astype(float).round(5).tolist()
    rows = []
    for (eid, etime, admin1, etype, sub, loc, notes, source, url, a1, a2, gp, tp, y, x, when,
         iso_d, d, last_d, span, ft, rad) in zip(*columns, lat, lon, long_date, iso, day, last,
                                                 span_text, fat_text, radius, strict=True):
        rows.append({
            "event_id_cnty": eid, "event_date": iso_d, "admin1": admin1, "event_type": etype,
            "location": loc, "latitude": y, "longitude": x, "day": d, "color": rgb[etype],
            "start": d, "last": last_d, "gp": int(gp), "disputes": versions.get(eid, []),
            "radius": rad, "sources": source_links(source, url), "notes": notes,
            "actors": f"{a1} vs {a2}" if a2 else a1, "fatalities": ft,
            "precision": f"{PRECISION_TEXT.get(int(gp), '')}; "
                         f"{TIME_PRECISION_TEXT.get(int(tp), '')}".strip("; "),
            **_tip(f"{when}{span} {etime} · {loc}" if etime else f"{when}{span} · {loc}",
                   [admin1, f"{etype}: {sub}", f"Fatalities: {ft}", notes,
                    "Disputed: other sources give another version (click for it)"
                    if eid in versions else ""],
                   f"{source} {url}"),
        })
    return rows


def competing_versions(disputes: pd.DataFrame | None) -> dict[str, list[list[str]]]:
    """Per event id, its competing versions: ``[field, value, source, first url, note]``."""
    if disputes is None or disputes.empty:
        return {}
    out: dict[str, list[list[str]]] = {}
    for d in disputes.itertuples(index=False):
        url = (str(d.source_url).split() or [""])[0]
        out.setdefault(d.event_id_cnty, []).append(
            [d.field, str(d.value), d.source, url, str(getattr(d, "note", "") or "")])
    return out


def precision_files(ds: Dataset, events: pd.DataFrame, rows: list[dict],
                    static_dir: Path = STATIC_DIR) -> dict[str, str]:
    """The files that say how sure each event is (see :class:`MapFiles`); the event rows of
    a span of days go to ``spans`` and are left out of the day-by-day points."""
    spans = [r for r in rows if r["last"] > r["start"]]
    halos = [r for r in rows if r["gp"] == 2 and r["last"] == r["start"]]
    disputed = [r for r in rows if r["disputes"]]
    geoms = dict(zip(ds.regions["admin1"], ds.regions.geometry, strict=True))
    areas, seen = [], set()
    for r in rows:
        key = (r["admin1"], r["start"], r["last"], r["event_type"])
        if r["gp"] == 3 and r["admin1"] in geoms and key not in seen:
            seen.add(key)
            # Stippled, not tinted: dots in the event's colour leave the spread's colours true.
            areas += [{"position": pt, "color": r["color"][:3] + [200], "start": r["start"],
                       "last": r["last"]} for pt in stipple(geoms[r["admin1"]])]
    out = {}
    for name, data, suffix in (("spans", spans, "json"), ("halos", halos, "json"),
                               ("disputed", disputed, "json"), ("areas", areas, "json")):
        out[name] = publish(_dumps(data), suffix, static_dir) if data else ""
    return out


def source_links(names: str, urls: str) -> list[list[str]]:
    """``[name, url]`` pairs of an event's sources: ACLED separates names with ";", we
    separate addresses with whitespace. Unmatched names or addresses are kept as they are.

    >>> source_links("Vlast.kz; Reuters", "https://a.kz/1 https://r.com/2")
    [['Vlast.kz', 'https://a.kz/1'], ['Reuters', 'https://r.com/2']]
    >>> source_links("Tengrinews", "https://t.kz/1 https://t.kz/2")
    [['Tengrinews', 'https://t.kz/1'], ['Tengrinews', 'https://t.kz/2']]
    """
    name_list = [n.strip() for n in str(names or "").split(";") if n.strip()]
    url_list = str(urls or "").split()
    if len(name_list) == len(url_list):
        return [[n, u] for n, u in zip(name_list, url_list, strict=True)]
    label = "; ".join(name_list) or "source"
    return [[label, u] for u in url_list] or ([[label, ""]] if name_list else [])


def grouped_event_rows(events: pd.DataFrame, colors: dict[str, str],
                       first: dt.date) -> list[dict]:
    """One row per place (to about 1 km), day and type, with the number of events: what the
    map draws when there are more than ``MAX_POINTS`` events."""
    frame = pd.DataFrame({
        "latitude": events["latitude"].astype(float).round(2),
        "longitude": events["longitude"].astype(float).round(2),
        "event_date": events["event_date"], "event_type": events["event_type"],
        "admin1": events["admin1"], "location": events["location"],
        "event_id_cnty": events["event_id_cnty"], "fatalities": events["fatalities"],
    })
    groups = frame.groupby(["latitude", "longitude", "event_date", "event_type"], sort=False,
                           observed=True).agg(
        events=("event_id_cnty", "size"), first_id=("event_id_cnty", "first"),
        admin1=("admin1", "first"), location=("location", "first"),
        deaths=("fatalities", "sum")).reset_index()
    day = select.day_number(groups["event_date"], first).astype(int).tolist()
    rgb = {t: hex_to_rgb(colors.get(t, "#8C8C8C"), 220) for t in groups["event_type"].unique()}
    radius = (5 + 2.5 * np.log2(groups["events"].to_numpy())).round(2).tolist()
    rows = []
    for g, d, rad in zip(groups.itertuples(index=False), day, radius, strict=True):
        rows.append({
            "event_id_cnty": g.first_id, "event_date": f"{g.event_date:%Y-%m-%d}",
            "admin1": g.admin1, "event_type": g.event_type, "location": g.location,
            "latitude": g.latitude, "longitude": g.longitude, "day": d,
            "color": rgb[g.event_type], "radius": rad, "events": int(g.events),
            **_tip(f"{g.event_date:%a %d %b %Y} · {g.location}",
                   [g.admin1, f"{g.events:,} events: {g.event_type}",
                    f"Deaths in events with a reported number: {int(g.deaths)}"],
                   "Grouped by place and day; the table on the Analysis page lists each one."),
        })
    return rows


def _region_features(regions: gpd.GeoDataFrame, props: dict[str, dict]) -> dict:
    feats = []
    for admin1, geom in zip(regions["admin1"], regions.geometry, strict=True):
        if admin1 in props:
            feats.append({"type": "Feature", "properties": props[admin1],
                          "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


def onset_colors(onset: pd.Series) -> dict[str, str]:
    """Hex colour per region from its onset day on a sequential scale."""
    if onset.empty:
        return {}
    days = select.day_number(onset, onset.min())
    lo, hi = int(days.min()), max(int(days.max()), int(days.min()) + 1)
    cmap = matplotlib.colormaps[ONSET_CMAP]
    return {r: matplotlib.colors.to_hex(cmap(0.85 * (int(d) - lo) / (hi - lo)))
            for r, d in days.items()}


_PER_DATASET: dict[tuple, tuple[weakref.ref, object]] = {}
_PER_DATASET_MAX = 64


def per_dataset(ds: Dataset, key: tuple, build: Callable[[], object]):
    """``build()`` once per dataset object and ``key``, for what does not depend on the
    filters (boundaries, periods, CSTO rows): a filter change then only redoes the events'
    part. Keyed on the object's identity (a Dataset is never mutated once read); a weak
    reference, so an analyst's upload is not kept alive by it."""
    k = (id(ds), *key)
    hit = _PER_DATASET.get(k)
    if hit is not None and hit[0]() is ds:
        return hit[1]
    value = build()
    if len(_PER_DATASET) >= _PER_DATASET_MAX:
        _PER_DATASET.pop(next(iter(_PER_DATASET)))
    _PER_DATASET[k] = (weakref.ref(ds), value)
    return value


def build_map_files(ds: Dataset, events: pd.DataFrame,
                    static_dir: Path = STATIC_DIR) -> MapFiles:
    """Write (once per content) the static files the map's layers load."""
    regions_url, emergency_url, blackout_url = per_dataset(
        ds, ("fixed-files", str(static_dir)), lambda: _fixed_files(ds, static_dir))
    colors_by_type = type_colors(ds.event_types)
    if len(events) > MAX_POINTS:
        rows, sure = grouped_event_rows(events, colors_by_type, ds.first_day), {}
    else:
        rows = event_rows(events, colors_by_type, ds.first_day, getattr(ds, "disputes", None))
        sure = precision_files(ds, events, rows, static_dir)
        rows = [r for r in rows if r["last"] == r["start"]]  # spans are drawn over their days
    events_url = publish(_dumps(rows), "json", static_dir)

    onset = select.onset_by_region(events)
    colors = onset_colors(onset)
    doubt = onset_disputes(events, getattr(ds, "disputes", None))
    spread = {r: {"admin1": r, "day": select.day_number(t, ds.first_day),
                  "fill": hex_to_rgb(colors[r], 150),
                  **_tip(r, [f"first event {t:%a %d %b}", doubt.get(r, "")])}
              for r, t in onset.items()}
    spread_url = publish(_dumps(_region_features(ds.regions, spread)), "geojson", static_dir)
    legend = tuple((f"{t:%d %b}", colors[r]) for r, t in onset.items())
    # Only the most recent legend entry per day is useful to a viewer.
    seen, dedup = set(), []
    for label, color in legend:
        if label not in seen:
            seen.add(label)
            dedup.append((label, color))
    return MapFiles(regions_url, events_url, spread_url, emergency_url, blackout_url,
                    tuple(dedup), **sure)


def onset_disputes(events: pd.DataFrame, disputes: pd.DataFrame | None) -> dict[str, str]:
    """Per region whose first event's date is disputed, a line saying so: the spread follows
    the dataset's date, and says that other sources give another."""
    if disputes is None or disputes.empty or events.empty:
        return {}
    first = events.loc[events.groupby("admin1")["event_date"].idxmin()]
    dated = disputes[disputes["field"] == "event_date"]
    out = {}
    for ev in first.itertuples(index=False):
        other = dated[dated["event_id_cnty"] == ev.event_id_cnty]["value"].tolist()
        if other:
            out[ev.admin1] = (f"date disputed: other sources say "
                              f"{', '.join(pd.Timestamp(v).strftime('%d %b') for v in other)}")
    return out


def _fixed_files(ds: Dataset, static_dir: Path) -> tuple[str, str, str]:
    """The regions, state of emergency and blackout files: the same for every filter set."""
    names = {r: {"admin1": r, **_tip(r, [])} for r in ds.regions["admin1"]}
    regions_url = publish(_dumps(_region_features(ds.regions, names)), "geojson", static_dir)
    emergency_url = publish(_dumps(_period_features(ds.regions, ds.emergency,
                                                    "State of emergency", ds.first_day)),
                            "geojson", static_dir)
    blackout_url = publish(_dumps(hatched(_period_features(ds.regions, ds.blackout,
                                                           "Internet shutdown", ds.first_day))),
                           "geojson", static_dir)
    return regions_url, emergency_url, blackout_url


def _period_features(regions: gpd.GeoDataFrame, periods: pd.DataFrame, title: str,
                     first: dt.date) -> dict:
    """Polygons with a [first day, last day] pair for the GPU filter; national = whole country."""
    country = shapely.union_all(regions.geometry.values)
    geoms = dict(zip(regions["admin1"], regions.geometry, strict=True))
    feats = []
    for _, p in periods.iterrows():
        admin1 = p.get("admin1", "") or ""
        geom = geoms.get(admin1, country) if admin1 else country
        start = select.day_number(p["start_date"], first)
        if pd.isna(p["end_date"]):
            last = 10_000
        else:
            last = (select.day_number(p["end_date"], first)
                    - (1 if p.get("end_time") == "00:00" else 0))
        when = (f"{p['start_date']:%d %b} {p.get('start_time') or ''} to "
                + (f"{p['end_date']:%d %b} {p.get('end_time') or ''}" if not pd.isna(
                    p["end_date"]) else "unknown"))
        extra = p.get("curfew") or p.get("description") or ""
        tip = _tip(f"{title}: {admin1 or 'nationwide'}", [when, extra])
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                      "properties": {"admin1": admin1, "start": start, "last": last,
                                     **tip}})
    return {"type": "FeatureCollection", "features": feats}


def stipple(geom, spacing: float = STIPPLE_SPACING) -> list[list[float]]:
    """Points of a regular grid (``spacing`` degrees, rows offset by half a step) inside
    ``geom``: the pattern of an event known only to its region.

    >>> len(stipple(shapely.box(0, 0, 1, 1), spacing=0.5))
    4
    """
    x0, y0, x1, y1 = geom.bounds
    pts = []
    for i, y in enumerate(np.arange(y0 + spacing / 2, y1, spacing)):
        shift = spacing / 2 if i % 2 else 0
        xs = np.arange(x0 + spacing / 4 + shift, x1, spacing)
        inside = shapely.contains_xy(geom, xs, np.full_like(xs, y))
        pts += [[round(float(x), 3), round(float(y), 3)] for x in xs[inside]]
    return pts


def hatch_lines(geom, spacing: float = HATCH_SPACING):
    """Diagonal lines ``spacing`` degrees apart, clipped to ``geom``.

    >>> lines = hatch_lines(shapely.box(0, 0, 1, 1), spacing=0.5)
    >>> lines.geom_type, round(lines.length, 2)
    ('MultiLineString', 2.83)
    """
    x0, y0, x1, y1 = geom.bounds
    span = (x1 - x0) + (y1 - y0)
    offsets = np.arange(spacing / 2, span, spacing)
    # Lines y = x - x0 + y0 - span + c, rising at 45 degrees across the bounding box.
    lines = [shapely.LineString([(x0, y0 - span + c), (x1, y0 - span + c + (x1 - x0))])
             for c in offsets + (y1 - y0)]
    clipped = shapely.intersection(shapely.MultiLineString(lines), geom)
    parts = [g for g in getattr(clipped, "geoms", [clipped]) if g.geom_type == "LineString"]
    return shapely.MultiLineString(parts)


def hatched(collection: dict) -> dict:
    """The period features with their polygons replaced by hatching (same properties)."""
    feats = []
    for f in collection["features"]:
        geom = hatch_lines(shapely.geometry.shape(f["geometry"]))
        feats.append({**f, "geometry": shapely.geometry.mapping(geom)})
    return {**collection, "features": feats}


def csto_arc_labels(rows: list[dict], regions: gpd.GeoDataFrame) -> list[dict]:
    """A country label per arc where it enters the regions' bounding box, so the label is on
    screen even when the origin (Minsk, Yerevan) is far off to the west."""
    x0, y0, x1, y1 = regions.total_bounds
    box = shapely.box(x0 + 0.5, y0 + 0.5, x1 - 0.5, y1 - 0.5)
    out = []
    for r in rows:
        line = shapely.LineString([r["from"], r["to"]])
        inside = line.intersection(box)
        if inside.is_empty:
            at = r["to"]
        else:
            start = shapely.Point(r["from"])
            # The end of the clipped part nearest the origin: where the arc enters the view.
            ends = [shapely.Point(c) for c in (inside.coords[0], inside.coords[-1])] if \
                inside.geom_type == "LineString" else [shapely.Point(r["to"])]
            nearest = min(ends, key=start.distance)
            at = [nearest.x, nearest.y]
        out.append({"position": [round(at[0], 3), round(at[1], 3)], "text": r["country"],
                    "size": 13})
    return out


def build_highlight_layer(events: pd.DataFrame) -> pdk.Layer:
    """Rings around the events picked in the events table (a handful, sent inline)."""
    rows = [{"event_id_cnty": e.event_id_cnty, "position": [e.longitude, e.latitude],
             **_tip(f"{e.event_date:%a %d %b %Y} · {e.location}", [e.notes])}
            for e in events.itertuples()]
    return pdk.Layer("ScatterplotLayer", id="events-highlight", data=rows,
                     get_position="position", filled=False, stroked=True,
                     get_line_color=[0, 0, 0, 255], line_width_min_pixels=3, get_radius=14,
                     radius_units="'pixels'", pickable=True)


def csto_arc_rows(contingents: pd.DataFrame, day: dt.date) -> list[dict]:
    rows = []
    for _, c in select.contingents_on(contingents, day).iterrows():
        people = "not published" if pd.isna(c["personnel"]) else f"{int(c['personnel']):,}"
        arrived = (f"{c['arrival_date']:%d %b}" if not pd.isna(c["arrival_date"])
                   else f"left home {c['left_home_date']:%d %b} (landing not reported)")
        tip = _tip(f"{c['country']} ({c['phase']})",
                   [f"{c['origin_name']} → {c['destination_name']}", f"Personnel: {people}",
                    c["personnel_note"],
                    f"In Kazakhstan: {arrived} to {c['departure_date']:%d %b}"])
        rows.append({"country": c["country"], "phase": c["phase"],
                     "from": [float(c["origin_lon"]), float(c["origin_lat"])],
                     "to": [float(c["destination_lon"]), float(c["destination_lat"])],
                     "color": PHASE_COLORS[c["phase"]] + [230],
                     "width": 5 if c["phase"] != "present" else 3, **tip})
    return rows


def build_csto_arcs_layer(rows: list[dict]) -> pdk.Layer:
    return pdk.Layer("ArcLayer", id="csto-arcs", data=rows,
                     get_source_position="from", get_target_position="to",
                     get_source_color="color", get_target_color="color", get_width="width",
                     width_units="'pixels'", get_height=0.5, pickable=True)


def csto_site_rows(sites: pd.DataFrame, contingents: pd.DataFrame, day: dt.date) -> list[dict]:
    here = select.sites_on(sites, contingents, day)
    return [{"name": s["name"], "contingent": s["contingent"],
             "position": [float(s["longitude"]), float(s["latitude"])],
             **_tip(s["name"], [f"Guarded by: {s['contingent']}", f"Task: {s['task']}"],
                    PRECISION_TEXT.get(int(s["geo_precision"]), ""))}
            for _, s in here.iterrows()]


def build_csto_sites_layer(rows: list[dict]) -> pdk.Layer:
    return pdk.Layer("ScatterplotLayer", id="csto-sites", data=rows,
                     get_position="position", get_fill_color=SITE_COLOR,
                     get_line_color=[255, 255, 255], stroked=True, line_width_min_pixels=2,
                     get_radius=7, radius_units="'pixels'", pickable=True)


def view_state(longitude: float, latitude: float, zoom: float) -> pdk.ViewState:
    """A camera; the same values give the same view, so the map keeps the user's pan."""
    return pdk.ViewState(longitude=round(float(longitude), 4),
                         latitude=round(float(latitude), 4), zoom=round(float(zoom), 2),
                         pitch=0, bearing=0)
