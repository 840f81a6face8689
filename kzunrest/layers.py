"""The map's rows and pydeck layers.

Heavy data (events, region shapes, hatching) goes to content-hashed files under ``static/``
that the browser fetches once; kzunrest/map_spec.py assembles the deck and says how each layer
follows the day. Text stays plain text in the rows and in the events' details file (notes,
sources, actors: :func:`details_payload`): the map component writes it with textContent, so
data never becomes markup (tests/test_browser.py proves it with an <img onerror> payload).
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
import numpy as np
import pandas as pd
import pyarrow as pa
import pydeck as pdk
import shapely

from kzunrest import dataset_cache, jsonrows, select
from kzunrest.dataset import Dataset
from kzunrest.settings import PROJECT_ROOT, STATIC_DIR, STATIC_URL  # noqa: F401 - PROJECT_ROOT: as before
from kzunrest.vocab import type_colors

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
    # The card's text and the tooltip's last lines of each event drawn one by one
    # (:func:`details_payload`); empty when there are none, or events are grouped.
    details: str = ""
    # The outlines as straight segments, each drawn once (see :func:`edge_rows`): the regions'
    # borders, and the state of emergency's outlines per period.
    borders: str = ""
    emergency_lines: str = ""


def rgb_hex(rgb: list[int]) -> str:
    """``[r, g, b(, a)]`` as ``#rrggbb``.

    >>> rgb_hex([178, 24, 43, 230])
    '#b2182b'
    """
    return "#" + "".join(f"{int(v):02x}" for v in rgb[:3])


def hex_to_rgb(color: str, alpha: int = 255) -> list[int]:
    c = color.lstrip("#")
    return [int(c[i: i + 2], 16) for i in (0, 2, 4)] + [alpha]


def publish(payload: bytes | list, suffix: str, static_dir: Path = STATIC_DIR) -> str:
    """Write ``payload`` (bytes, or a list of bytes-like pieces written in order) under a
    name made of its hash (once) and return its URL."""
    pieces = payload if isinstance(payload, list) else [payload]
    h = hashlib.sha256()
    for piece in pieces:
        h.update(piece)
    digest = h.hexdigest()[:16]
    folder = static_dir / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.{suffix}"
    if not target.exists():
        # A temp name of this process's own: replicas behind `make serve` (or containers
        # sharing a volume) may write the same file at the same moment.
        tmp = folder / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
        tmp.replace(target)  # atomic: a browser never fetches half a file
    return f"{STATIC_URL}/generated/{target.name}"


def published(url: str, static_dir: Path = STATIC_DIR) -> bool:
    """Whether the file behind a URL of :func:`publish` is (still) on disk."""
    prefix = f"{STATIC_URL}/generated/"
    return url.startswith(prefix) and (static_dir / "generated" / url[len(prefix):]).is_file()


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
    tooltip text (the rows of :func:`event_table`, as dicts)."""
    if events.empty:
        return []
    rows, _ = event_table(events, colors, first, disputes)
    return json.loads(jsonrows.json_list(rows))


def event_table(events: pd.DataFrame, colors: dict[str, str], first: dt.date,
                disputes: pd.DataFrame | None = None) -> tuple[pa.Array, pd.DataFrame]:
    """Each event's row of the events layer as JSON text, and per row what decides which
    file it goes to (``start``, ``last``, ``gp``, ``disputed``, ``admin1``, ``event_type``).

    A row holds what drawing and the first lines of the tooltip need: the id, date, region,
    type and place, the position, day number (from ``first``), colour, radius (growing with
    the toll, so the deadliest events stand out; 0 and unknown alike) and deaths. The long
    text of the tooltip and card is in the details file (:func:`detail_columns`), fetched
    beside the rows. Written column by column
    (:mod:`kzunrest.jsonrows`): 50,000 events in well under a second, where a dict per row
    and json.dumps took seconds.
    """
    date, fat = events["event_date"], events["fatalities"]
    known = fat.notna().to_numpy()
    fat_int = fat.fillna(0).astype("int64").to_numpy()
    fat_text = jsonrows.when(known, jsonrows.json_ints(fat_int), "unknown")  # no escaping
    radius = (6 + 3 * np.minimum(fat_int, 30).astype(float) ** 0.5).round(2)
    day = select.day_number(date, first).astype(int).to_numpy()
    end = events["event_date_end"] if "event_date_end" in events else pd.Series(
        pd.NaT, index=events.index, dtype="datetime64[ns]")
    last = select.day_number(end.fillna(date), first).astype(int).to_numpy()
    # Dates as text once per distinct day (strftime over every row cost a quarter second).
    iso = jsonrows.per_value(date, lambda d: json.dumps(f"{d:%Y-%m-%d}"))
    versions = competing_versions(disputes)
    ids = events["event_id_cnty"]
    disputed = ids.isin(list(versions)).to_numpy() if versions else np.zeros(len(ids), bool)
    rgb = {t: json.dumps(hex_to_rgb(colors.get(t, "#8C8C8C"), 220)) for t in
           events["event_type"].unique()}
    gp = events["geo_precision"].astype("int64").to_numpy()
    esc = {c: jsonrows.escaped(events[c]) for c in (
        "event_id_cnty", "admin1", "event_type", "location")}
    q = jsonrows.quoted
    rows = jsonrows.row_objects([
        ("event_id_cnty", q(esc["event_id_cnty"])), ("event_date", iso),
        ("admin1", q(esc["admin1"])), ("event_type", q(esc["event_type"])),
        ("location", q(esc["location"])),
        ("latitude", jsonrows.json_floats(events["latitude"].astype(float).round(5))),
        ("longitude", jsonrows.json_floats(events["longitude"].astype(float).round(5))),
        ("day", jsonrows.json_ints(day)),
        ("color", jsonrows.per_value(events["event_type"], rgb.__getitem__)),
        ("start", jsonrows.json_ints(day)), ("last", jsonrows.json_ints(last)),
        ("gp", jsonrows.json_ints(gp)), ("radius", jsonrows.json_floats(radius)),
        ("fatalities", q(fat_text)),
    ])
    meta = pd.DataFrame({"start": day, "last": last, "gp": gp, "disputed": disputed,
                         "admin1": events["admin1"].to_numpy(),
                         "event_type": events["event_type"].to_numpy()})
    return rows, meta


# The card's text and the tooltip's last lines, per event, in the details file (one per
# filter set, beside the rows): plain UTF-8 text, never JSON-escaped, so writing it is a copy
# of the columns (escaping and joining 1 KB of text per event cost most of a filter change at
# 30,000 events). ``sources`` and ``disputes`` hold JSON text ("" when there are none).
DETAIL_FIELDS = ("event_id_cnty", "notes", "actors", "sources", "disputes", "precision", "foot")


def detail_columns(events: pd.DataFrame, disputes: pd.DataFrame | None = None
                   ) -> list[pa.Array]:
    """Per :data:`DETAIL_FIELDS`, each event's text (in the order of ``events``): notes,
    actors ("A vs B"), sources as JSON ``[[name, url], ...]``, competing versions as JSON
    ``[[field, value, source, url, note], ...]`` or "", how sure the position and day are,
    and the tooltip's foot (the source names and addresses)."""
    j, w = jsonrows.join, jsonrows.when
    text = {c: jsonrows.arrow_text(events[c]) for c in (
        "event_id_cnty", "notes", "actor1", "actor2", "source", "source_url")}
    versions = competing_versions(disputes)
    ids = events["event_id_cnty"]
    disputed = ids.isin(list(versions)).to_numpy() if versions else np.zeros(len(ids), bool)
    contested = np.full(len(ids), "", dtype=object)
    for i in np.flatnonzero(disputed):
        contested[i] = json.dumps(versions[ids.iloc[i]], ensure_ascii=False)
    gp = events["geo_precision"].astype("int64").to_numpy()
    tp = events["time_precision"].astype("int64").to_numpy()
    precision = jsonrows.per_value((gp, tp), lambda p: f"{PRECISION_TEXT.get(int(p[0]), '')}; "
                                   f"{TIME_PRECISION_TEXT.get(int(p[1]), '')}".strip("; "))
    sources = jsonrows.per_value((events["source"], events["source_url"]), lambda p: json.dumps(
        source_links(*p), ensure_ascii=False))
    return [text["event_id_cnty"], text["notes"],
            j(text["actor1"], w(jsonrows.nonblank(text["actor2"]), j(" vs ", text["actor2"]))),
            sources, pa.array(contested, type=jsonrows.TEXT), precision,
            j(text["source"], " ", text["source_url"])]


def details_payload(columns: list[pa.Array]) -> list:
    """The details file: little-endian uint32 ``n`` (events) and ``k`` (fields), then per
    field ``n + 1`` uint32 offsets into its text, then each field's UTF-8 text; as pieces to
    :func:`publish` (the text is Arrow's own buffer, not copied). The map component reads it
    with a TextDecoder; :func:`read_details` reads it in Python."""
    n = len(columns[0]) if columns else 0
    head, texts = [np.array([n, len(columns)], dtype="<u4").tobytes()], []
    for col in columns:
        offsets = np.frombuffer(col.buffers()[1], dtype=np.int64)[col.offset:col.offset + n + 1]
        if len(offsets) and offsets[-1] - offsets[0] >= 2**32:
            raise ValueError("details: a field's text is 4 GB or more")
        head.append((offsets - offsets[0]).astype("<u4").tobytes())
        data = col.buffers()[2]
        texts.append(memoryview(data)[offsets[0]:offsets[-1]] if n and data is not None
                     else b"")
    return head + texts


def read_details(payload: bytes) -> list[dict[str, str]]:
    """The events' details as written by :func:`details_payload` (fields named by
    :data:`DETAIL_FIELDS`), one dict per event."""
    n, k = np.frombuffer(payload, dtype="<u4", count=2)
    at, offsets, starts = 8, [], []
    for _ in range(k):
        offsets.append(np.frombuffer(payload, dtype="<u4", count=n + 1, offset=at))
        at += 4 * (n + 1)
    for off in offsets:
        starts.append(at)
        at += int(off[-1])
    return [{name: payload[s + int(off[i]):s + int(off[i + 1])].decode("utf-8")
             for name, off, s in zip(DETAIL_FIELDS, offsets, starts, strict=False)}
            for i in range(n)]


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


def precision_files(ds: Dataset, rows: pa.Array, meta: pd.DataFrame, colors: dict[str, str],
                    static_dir: Path = STATIC_DIR) -> dict[str, str]:
    """The files that say how sure each event is (see :class:`MapFiles`), from the rows and
    meta of :func:`event_table`; the rows of a span of days go to ``spans`` and are left out
    of the day-by-day points."""
    start, last, gp = meta["start"].to_numpy(), meta["last"].to_numpy(), meta["gp"].to_numpy()
    geoms = dict(zip(ds.regions["admin1"], ds.regions.geometry, strict=True))
    areas = []
    regional = meta[(gp == 3) & meta["admin1"].isin(list(geoms)).to_numpy()]
    for admin1, first_day, last_day, etype in regional[
            ["admin1", "start", "last", "event_type"]].drop_duplicates().itertuples(index=False):
        # Stippled, not tinted: dots in the event's colour leave the spread's colours true.
        color = hex_to_rgb(colors.get(etype, "#8C8C8C"), 220)[:3] + [200]
        areas += [{"position": pt, "color": color, "start": int(first_day),
                   "last": int(last_day)} for pt in stipple(geoms[admin1])]
    out = {}
    for name, keep in (("spans", last > start), ("halos", (gp == 2) & (last == start)),
                       ("disputed", meta["disputed"].to_numpy())):
        out[name] = publish(jsonrows.json_chunks(rows, keep), "json", static_dir) \
            if keep.any() else ""
    out["areas"] = publish(_dumps(areas), "json", static_dir) if areas else ""
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


GROUPED_FOOT = "Grouped by place and day; the table on the Analysis page lists each one."


def grouped_event_rows(events: pd.DataFrame, colors: dict[str, str],
                       first: dt.date) -> list[dict]:
    """One row per place (to about 1 km), day and type, with the number of events: what the
    map draws when there are more than ``MAX_POINTS`` events (the rows of
    :func:`grouped_event_table`, as dicts)."""
    return json.loads(jsonrows.json_list(grouped_event_table(events, colors, first)))


CELL_COLUMN = "_cell"


def map_cells(events: pd.DataFrame) -> np.ndarray:
    """Each event's group on the grouped map, as an integer: its place rounded to about 1 km,
    its day and its type (each key factorized into the codes so far)."""
    cells, size = np.zeros(len(events), dtype=np.int64), 1
    for column in (events["latitude"].to_numpy(dtype=float).round(2),
                   events["longitude"].to_numpy(dtype=float).round(2),
                   events["event_date"], events["event_type"]):
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        if size * len(uniques) >= 2**62:  # renumber before the product could overflow
            cells = pd.factorize(cells)[0]
            size = int(cells.max()) + 1
        cells, size = cells * len(uniques) + codes, size * len(uniques)
    return cells


def grouped_event_table(events: pd.DataFrame, colors: dict[str, str],
                        first: dt.date) -> pa.Array:
    """:func:`grouped_event_rows` as JSON text per row, written column by column (a dict
    per group cost half a second for the 20,000 groups of 10^6 events)."""
    # Events without a position or day belong to no group (as groupby drops them).
    placed = (events["latitude"].notna() & events["longitude"].notna()
              & events["event_date"].notna()).to_numpy()
    if not placed.all():
        events = events[placed]
    lat = events["latitude"].to_numpy(dtype=float).round(2)
    lon = events["longitude"].to_numpy(dtype=float).round(2)
    # The group of each event, numbered in order of first appearance (as groupby with
    # sort=False orders them). A pandas groupby over the four columns cost 350 ms at 10^6
    # events; a frame may bring each event's cell (CELL_COLUMN, numbered over the whole
    # dataset once), which leaves one factorize of integers per filter set.
    cells = (events[CELL_COLUMN].to_numpy() if CELL_COLUMN in events.columns else
             map_cells(events))
    gid, _ = pd.factorize(cells)
    if len(gid) == 0:
        return pa.array([], type=jsonrows.TEXT)
    # A group's first event is where the running maximum of the numbers first reaches it.
    top = np.maximum.accumulate(gid)
    firsts = np.flatnonzero(np.r_[True, top[1:] > top[:-1]])
    count = np.bincount(gid)
    deaths = np.bincount(gid, weights=events["fatalities"].fillna(0).to_numpy(dtype=float))
    head = events[["event_date", "event_type", "admin1", "location", "event_id_cnty"]].iloc[
        firsts]
    groups = pd.DataFrame({
        "latitude": lat[firsts], "longitude": lon[firsts],
        "event_date": head["event_date"].to_numpy(), "event_type": head["event_type"],
        "admin1": head["admin1"], "location": head["location"],
        "first_id": head["event_id_cnty"], "events": count,
        "deaths": deaths.round().astype("int64")}, index=head.index)
    date, etype, count = groups["event_date"], groups["event_type"], groups["events"]
    rgb = {t: json.dumps(hex_to_rgb(colors.get(t, "#8C8C8C"), 220)) for t in etype.unique()}
    radius = (5 + 2.5 * np.log2(count.to_numpy())).round(2)
    e_admin1, e_type, e_location = (jsonrows.escaped(groups[c]) for c in (
        "admin1", "event_type", "location"))
    j, q = jsonrows.join, jsonrows.quoted
    return jsonrows.row_objects([
        ("event_id_cnty", jsonrows.json_strings(groups["first_id"])),
        ("event_date", jsonrows.per_value(date, lambda d: json.dumps(f"{d:%Y-%m-%d}"))),
        ("admin1", q(e_admin1)), ("event_type", q(e_type)), ("location", q(e_location)),
        ("latitude", jsonrows.json_floats(groups["latitude"])),
        ("longitude", jsonrows.json_floats(groups["longitude"])),
        ("day", jsonrows.json_ints(select.day_number(date, first).astype(int))),
        ("color", jsonrows.per_value(etype, rgb.__getitem__)),
        ("radius", jsonrows.json_floats(radius)),
        ("events", jsonrows.json_ints(count)),
        ("title", q(j(jsonrows.escaped(jsonrows.per_value(date, lambda d: f"{d:%a %d %b %Y}")),
                      " · ", e_location))),
        # The tooltip's lines, a blank region left out (as "\\n".join of non-blank lines).
        ("body", q(j(jsonrows.when(jsonrows.nonblank(groups["admin1"]), j(e_admin1, "\\n")),
                     jsonrows.per_value(count, lambda n: f"{n:,} event{'' if n == 1 else 's'}: "),
                     e_type,
                     "\\nDeaths in events with a reported number: ",
                     jsonrows.json_ints(groups["deaths"])))),
        ("foot", json.dumps(GROUPED_FOOT)),
    ])


def _region_features(regions: gpd.GeoDataFrame, props: dict[str, dict],
                     shapes: list[dict] | None = None) -> dict:
    """``shapes``: the regions' GeoJSON geometries, if already made (:func:`_shapes`)."""
    if shapes is None:
        shapes = [shapely.geometry.mapping(geom) for geom in regions.geometry]
    feats = []
    for admin1, shape in zip(regions["admin1"], shapes, strict=True):
        if admin1 in props:
            feats.append({"type": "Feature", "properties": props[admin1], "geometry": shape})
    return {"type": "FeatureCollection", "features": feats}


def _shapes(ds: Dataset) -> list[dict]:
    """The regions' GeoJSON geometries, once per dataset (30 ms a filter change)."""
    return per_dataset(ds, ("region-shapes",), lambda: [
        shapely.geometry.mapping(geom) for geom in ds.regions.geometry])


def onset_colors(onset: pd.Series) -> dict[str, str]:
    """Hex colour per region from its onset day on a sequential scale."""
    if onset.empty:
        return {}
    days = select.day_number(onset, onset.min())
    lo, hi = int(days.min()), max(int(days.max()), int(days.min()) + 1)
    import matplotlib  # here: a restart whose map files are kept never needs it (0.7 s)

    cmap = matplotlib.colormaps[ONSET_CMAP]
    return {r: matplotlib.colors.to_hex(cmap(0.85 * (int(d) - lo) / (hi - lo)))
            for r, d in days.items()}


_PER_DATASET: dict[tuple, tuple[weakref.ref, object]] = {}
_PER_DATASET_MAX = 64


def per_dataset(ds: Dataset, key: tuple, build: Callable[[], object],
                valid: Callable[[object], bool] = lambda value: True):
    """``build()`` once per dataset object and ``key``, for what does not depend on the
    filters (boundaries, periods, CSTO rows): a filter change then only redoes the events'
    part. Keyed on the object's identity (a Dataset is never mutated once read); a weak
    reference, so an analyst's upload is not kept alive by it. A dataset read through the
    disk cache also keeps the value there (JSON: tuples come back as lists), so a restart
    does not build it again; ``valid`` may refuse a kept value."""
    k = (id(ds), *key)
    hit = _PER_DATASET.get(k)
    if hit is not None and hit[0]() is ds:
        return hit[1]
    value = dataset_cache.disk_memo(ds, f"per_dataset {key!r}", build, valid)
    if len(_PER_DATASET) >= _PER_DATASET_MAX:
        _PER_DATASET.pop(next(iter(_PER_DATASET)))
    _PER_DATASET[k] = (weakref.ref(ds), value)
    return value


# Rows of the events layer already written for a dataset, reused by its later filter sets:
# a row depends only on its event (and the dataset's colours, first day and disputes).
_ROW_MEMO: dict[int, tuple[weakref.ref, list]] = {}
ROW_MEMO_ROWS = 2 * MAX_POINTS  # about 1.4 KB of JSON each: some 140 MB at most


def reused_event_table(ds: Dataset, events: pd.DataFrame, colors: dict[str, str]
                       ) -> tuple[pa.Array, pd.DataFrame]:
    """:func:`event_table` for ``events``, rows of ``ds.events`` (its index labels name
    them), taking the rows built for earlier filter sets of ``ds`` and building only the
    others: narrowing a filter then costs a copy instead of 0.4 s per 30,000 events."""
    hit = _ROW_MEMO.get(id(ds))
    if hit is None or hit[0]() is not ds:
        for k in [k for k, (ref, _) in _ROW_MEMO.items() if ref() is None]:
            del _ROW_MEMO[k]
        hit = (weakref.ref(ds), [])
        _ROW_MEMO[id(ds)] = hit
    segments = hit[1]
    labels = events.index
    todo = np.ones(len(labels), dtype=bool)
    wanted, rows, metas = [], [], []
    for seg_labels, seg_rows, seg_meta in segments:
        if not todo.any():
            break
        open_at = np.flatnonzero(todo)
        loc = seg_labels.get_indexer(labels[open_at])
        found = loc >= 0
        if found.any():
            wanted.append(open_at[found])
            rows.append(seg_rows.take(pa.array(loc[found])))
            metas.append(seg_meta.iloc[loc[found]])
            todo[open_at[found]] = False
    if todo.any():
        rest = np.flatnonzero(todo)
        new_rows, new_meta = event_table(events.iloc[rest], colors, ds.first_day,
                                         getattr(ds, "disputes", None))
        wanted.append(rest)
        rows.append(new_rows)
        metas.append(new_meta)
        segments.insert(0, (labels[rest], new_rows, new_meta))
        while sum(len(seg[0]) for seg in segments) > ROW_MEMO_ROWS and len(segments) > 1:
            segments.pop()
    if len(rows) == 1 and wanted[0].size == len(labels):  # all new: already in order
        return rows[0], metas[0].reset_index(drop=True)
    order = np.argsort(np.concatenate(wanted), kind="stable")
    all_rows = pa.concat_arrays(rows).take(pa.array(order))
    return all_rows, pd.concat(metas, ignore_index=True).iloc[order].reset_index(drop=True)


def build_map_files(ds: Dataset, events: pd.DataFrame, static_dir: Path = STATIC_DIR, *,
                    reuse_rows: bool = False) -> MapFiles:
    """Write (once per content) the static files the map's layers load. With
    ``reuse_rows``, ``events`` are rows of ``ds.events`` and the events' rows built for
    earlier filter sets are reused (:func:`reused_event_table`)."""
    (regions_url, emergency_url, blackout_url, borders_url,
     emergency_lines_url) = per_dataset(
        ds, ("fixed-files", str(static_dir)), lambda: _fixed_files(ds, static_dir),
        valid=lambda urls: len(urls) == 5 and all(published(u, static_dir) for u in urls))
    colors_by_type = type_colors(ds.event_types)
    if len(events) > MAX_POINTS:
        payload = jsonrows.json_chunks(grouped_event_table(events, colors_by_type,
                                                           ds.first_day))
        sure = {}
    elif events.empty:
        payload, sure = _dumps([]), precision_files(ds, *_no_rows(), colors_by_type,
                                                    static_dir)
    else:
        rows, meta = (reused_event_table(ds, events, colors_by_type) if reuse_rows else
                      event_table(events, colors_by_type, ds.first_day,
                                  getattr(ds, "disputes", None)))
        sure = precision_files(ds, rows, meta, colors_by_type, static_dir)
        sure["details"] = publish(details_payload(detail_columns(
            events, getattr(ds, "disputes", None))), "bin", static_dir)
        # Spans of days are drawn over their days (the spans file), not as day points.
        payload = jsonrows.json_chunks(rows,
                                       meta["last"].to_numpy() == meta["start"].to_numpy())
    events_url = publish(payload, "json", static_dir)

    onset = select.onset_by_region(events)
    colors = onset_colors(onset)
    doubt = onset_disputes(events, getattr(ds, "disputes", None))
    spread = {r: {"admin1": r, "day": select.day_number(t, ds.first_day),
                  "fill": hex_to_rgb(colors[r], 150),
                  **_tip(r, [f"first event {t:%a %d %b}", doubt.get(r, "")])}
              for r, t in onset.items()}
    spread_url = publish(_dumps(_region_features(ds.regions, spread, _shapes(ds))), "geojson",
                         static_dir)
    legend = tuple((f"{t:%d %b}", colors[r]) for r, t in onset.items())
    # Only the most recent legend entry per day is useful to a viewer.
    seen, dedup = set(), []
    for label, color in legend:
        if label not in seen:
            seen.add(label)
            dedup.append((label, color))
    return MapFiles(regions_url, events_url, spread_url, emergency_url, blackout_url,
                    tuple(dedup), **sure, borders=borders_url,
                    emergency_lines=emergency_lines_url)


def _no_rows() -> tuple[pa.Array, pd.DataFrame]:
    meta = pd.DataFrame({"start": np.array([], int), "last": np.array([], int),
                         "gp": np.array([], int), "disputed": np.array([], bool),
                         "admin1": np.array([], object), "event_type": np.array([], object)})
    return pa.array([], type=jsonrows.TEXT), meta


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


def _fixed_files(ds: Dataset, static_dir: Path) -> tuple[str, str, str, str, str]:
    """The regions, state of emergency, blackout, borders and emergency outline files: the
    same for every filter set."""
    names = {r: {"admin1": r, **_tip(r, [])} for r in ds.regions["admin1"]}
    regions_url = publish(_dumps(_region_features(ds.regions, names)), "geojson", static_dir)
    emergency = _period_features(ds.regions, ds.emergency, "State of emergency", ds.first_day)
    emergency_url = publish(_dumps(emergency), "geojson", static_dir)
    blackout_url = publish(_dumps(hatch_rows(hatched(_period_features(
        ds.regions, ds.blackout, "Internet shutdown", ds.first_day)))), "json", static_dir)
    borders_url = publish(_dumps(edge_rows(ds.regions.geometry)), "json", static_dir)
    emergency_lines_url = publish(_dumps(period_edge_rows(emergency)), "json", static_dir)
    return regions_url, emergency_url, blackout_url, borders_url, emergency_lines_url


# On a software GPU (SwiftShader, what a browser without a usable GPU runs) every frame's cost
# is in the vertex shaders, about 60 us a vertex for deck.gl's PathLayer: the regions'
# outlines (8,000 vertices) and the emergency's cost most of a frame. A LineLayer segment is
# a far simpler shader, and a border two regions share is drawn once instead of twice.
def edge_rows(geoms) -> list[dict]:
    """Each edge of the polygons' rings once, as ``{"s": [lon, lat], "t": [lon, lat]}``
    (coordinates to 5 decimals, about 1 m): an edge two polygons share comes once.

    >>> rows = edge_rows([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> len(rows)  # 4 + 4 edges, the shared one once
    7
    """
    seen: dict[tuple, None] = {}
    for geom in geoms:
        for poly in getattr(geom, "geoms", [geom]):
            for ring in (poly.exterior, *poly.interiors):
                pts = [(round(c[0], 5), round(c[1], 5)) for c in ring.coords]  # 2D or 3D
                for a, b in zip(pts, pts[1:], strict=False):
                    if a != b:
                        seen.setdefault((a, b) if a <= b else (b, a))
    return [{"s": list(a), "t": list(b)} for a, b in seen]


def period_edge_rows(collection: dict) -> list[dict]:
    """The edges of period features (:func:`_period_features`), each drawn at most once a
    day: a row per edge and run of days (``start``, ``last``) in which any of the features it
    bounds is in force, so a border two regions in force share is drawn once.

    >>> left = {"geometry": shapely.geometry.mapping(shapely.box(0, 0, 1, 1)),
    ...         "properties": {"start": 0, "last": 5}}
    >>> right = {"geometry": shapely.geometry.mapping(shapely.box(1, 0, 2, 1)),
    ...          "properties": {"start": 3, "last": 9}}
    >>> rows = period_edge_rows({"features": [left, right]})
    >>> [(r["start"], r["last"]) for r in rows if r["s"] == [1.0, 0.0] and r["t"] == [1.0, 1.0]]
    [(0, 9)]
    """
    spans: dict[tuple, list[tuple[int, int]]] = {}
    for f in collection["features"]:
        p = f["properties"]
        for row in edge_rows([shapely.geometry.shape(f["geometry"])]):
            spans.setdefault((tuple(row["s"]), tuple(row["t"])), []).append(
                (int(p["start"]), int(p["last"])))
    rows = []
    for (s, t), periods in spans.items():
        merged: list[list[int]] = []
        for start, last in sorted(periods):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([start, last])
        rows += [{"s": list(s), "t": list(t), "start": a, "last": b} for a, b in merged]
    return rows


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


def hatch_rows(collection: dict) -> list[dict]:
    """The hatching of :func:`hatched` as straight segments with their period, one row per
    line of each feature (as ``{"s", "t", "start", "last"}``, what a LineLayer draws): a
    feature's lines were each an instance of deck.gl's PathLayer, drawn one by one on a
    software GPU; as segments they are one draw (map_component.js). A path of two points
    with flat ends covers the same pixels as the segment. Features that overlap in time keep
    their own lines (drawn twice, darker), as before.

    >>> lines = hatch_lines(shapely.box(0, 0, 1, 1), spacing=0.5)
    >>> rows = hatch_rows({"features": [{"geometry": shapely.geometry.mapping(lines),
    ...                                  "properties": {"start": 2, "last": 4}}]})
    >>> len(rows) == len(lines.geoms), rows[0]["start"], rows[0]["last"]
    (True, 2, 4)
    """
    rows = []
    for f in collection["features"]:
        p = f["properties"]
        for line in getattr(shapely.geometry.shape(f["geometry"]), "geoms", []):
            pts = [list(c[:2]) for c in line.coords]
            rows += [{"s": a, "t": b, "start": p["start"], "last": p["last"]}
                     for a, b in zip(pts, pts[1:], strict=False)]
    return rows


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
