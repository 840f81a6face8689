"""Read an event file (ours, a raw ACLED export, or any CSV with dates and places) into a frame.

Every problem is collected and raised together as a :class:`~kzunrest.errors.DataError`, each
naming the file's 1-based line, the column and the value; nothing is dropped silently. The
file is read by :mod:`kzunrest.tables` (pyarrow, physical line numbers), its values checked by
a pandera schema (:mod:`kzunrest.schemas`, messages set in the checks), and a generic file's
columns and dates are guessed by :mod:`kzunrest.importer`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from kzunrest import importer, schemas, vocab
from kzunrest import regions as regions_mod
from kzunrest.errors import DataError, Problem
from kzunrest.gazetteer import read_gazetteer
from kzunrest.tables import one_chunk, read_table_bytes

if TYPE_CHECKING:
    import pandera.pandas as pa

COLUMNS = [
    "event_id_cnty", "event_date", "event_time", "time_precision", "event_type",
    "sub_event_type", "actor1", "actor2", "admin1", "location", "latitude", "longitude",
    "geo_precision", "fatalities", "notes", "source", "source_url",
]
# Optional columns: kept when the file has them (issue 12: events known to a span of days).
OPTIONAL_COLUMNS = ["event_date_end"]
TEXT_COLUMNS = ["event_type", "sub_event_type", "actor1", "actor2", "admin1", "location",
                "notes", "source", "source_url"]
# Columns that only an ACLED export has: any two of them mark a file as ACLED's.
ACLED_MARKERS = {"disorder_type", "inter1", "interaction", "iso", "iso3", "data_id",
                 "event_id_no_cnty", "civilian_targeting", "source_scale", "assoc_actor_1",
                 "timestamp", "year"}
OWN_MARKERS = {"event_id_cnty", "event_date", "event_type", "sub_event_type", "admin1",
               "location", "latitude", "longitude", "geo_precision", "source_url"}


@dataclass
class LoadResult:
    """A validated event frame and what the loader did to get it."""

    events: pd.DataFrame
    source_format: str  # "kzunrest", "acled" or "generic"
    column_map: dict[str, str] = field(default_factory=dict)  # our field -> file's column
    notices: list[str] = field(default_factory=list)
    # Rows left out on request (outside every region), each with its line and value.
    left_out: list[Problem] = field(default_factory=list)
    column_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def geocoded(self) -> int:
        return int(self.events["geocoded"].sum())


@dataclass(frozen=True)
class _Context:
    pairs: frozenset  # (event_type, sub_event_type)
    types: frozenset
    aliases: dict
    region_names: frozenset
    regions: object  # GeoDataFrame
    places_csv: Path
    utc_offsets: dict  # admin1 -> hours east of UTC in the dataset's period


@functools.lru_cache(maxsize=4)
def _context(folder: Path, mtime: float) -> _Context:
    types = vocab.read_event_types(folder)
    regions = regions_mod.read_regions(folder / "regions_2022.geojson")
    names = frozenset(regions["admin1"])
    aliases = {k: v for k, v in vocab.read_aliases(folder).items() if v in names}
    aliases.update({n: n for n in names})
    offsets = {}
    if (folder / "utc_offsets.csv").exists():
        frame = schemas.read_checked(folder / "utc_offsets.csv")
        offsets = dict(zip(frame["admin1"], frame["utc_offset"], strict=True))
    return _Context(frozenset(zip(types.event_type, types.sub_event_type, strict=True)),
                    frozenset(types.event_type), aliases, names, regions,
                    folder / "places.csv", offsets)


def read_events(source: Path | str | bytes, *, folder: Path, name: str | None = None,
                columns: dict[str, str] | None = None, drop_outside: bool = False,
                day_first: bool | None = None) -> LoadResult:
    r"""Load and validate an event file.

    ``source`` is a path or the file's bytes (an upload); ``folder`` is the dataset folder whose
    vocabularies, regions and ``places.csv`` apply. ``columns`` names the file's column for
    any of our fields (``{"event_date": "datetime_UTC"}``; the short names of
    :data:`kzunrest.importer.FIELD_NAMES` work too), overriding the guesses; with
    ``drop_outside`` rows whose coordinates lie outside every region are left out (listed in
    ``left_out``) instead of refusing the file; ``day_first`` settles dates like 1/2/2022.
    Raises :class:`DataError` listing every problem. A row's line number is kept as the
    frame's index name ``line``.

    >>> read_events(b"date,lat,lon\n2022-01-05,43.25,76.91\n", folder=Path("data")).events[
    ...     "admin1"].tolist()
    ['Almaty']
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or str(path)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise DataError([Problem(None, None, None, f"cannot read the file: {err.strerror}")],
                            name) from None
    else:
        data, name = bytes(source), name or "upload"
    folder = Path(folder)
    ctx = _context(folder, _folder_mtime(folder))
    raw = read_table_bytes(data, name)
    fmt, colmap, notices, reasons = _map_columns(raw, name, columns)
    norm = _normalize(raw, fmt, colmap)
    dates = importer.parse_dates(
        norm["event_date"], formats={"kzunrest": "iso", "acled": "acled"}.get(fmt, "any"),
        day_first=day_first, utc_column="utc" in importer._norm(
            colmap.get("event_date", "")).split("_"))
    notices += dates.notes
    if fmt == "generic":
        _fallback_types(norm, ctx, notices, colmap)
    schema = events_schema(fmt, ctx, dates, "event_date_end" in norm.columns)
    problems = schemas.failures(norm, schema, rename=colmap)
    frame = _typed(norm, dates, fmt)
    _map_regions(frame, ctx)
    problems += _geocode(frame, norm, colmap, ctx)
    left_out: list[Problem] = []
    problems += _place_in_regions(frame, norm, colmap, ctx, drop_outside, left_out)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        raise DataError(problems, name)
    if left_out:
        frame = frame.drop(index=[p.line for p in left_out])
        notices.append(f"{len(left_out)} row(s) outside the regions left out: "
                       + "; ".join(f"line {p.line} ({p.value})" for p in left_out[:20])
                       + (" …" if len(left_out) > 20 else ""))
    if dates.utc.any():
        _to_local_time(frame, dates, ctx, notices)
    keep = COLUMNS + [c for c in OPTIONAL_COLUMNS if c in frame.columns] + ["geocoded"]
    return LoadResult(one_chunk(frame[keep]), fmt, colmap, notices, left_out, reasons)


def summarize(result: LoadResult, name: str) -> str:
    """A few lines for the command line: rows, dates, regions, geocoded rows."""
    ev = result.events
    lines = [f"{name}: OK ({result.source_format} format)", f"  rows: {len(ev)}"]
    if result.source_format == "generic":
        lines.append("  columns: " + ", ".join(
            f"{src!r} → {dst} ({result.column_reasons.get(dst, '')})"
            for dst, src in result.column_map.items()))
    if len(ev):
        lines.append(f"  dates: {ev.event_date.min():%Y-%m-%d} to {ev.event_date.max():%Y-%m-%d}"
                     f" ({ev.event_date.nunique()} days)")
        by_region = ev["admin1"].value_counts()
        lines.append(f"  regions: {len(by_region)}: "
                     + ", ".join(f"{r} {n}" for r, n in by_region.items()))
        lines.append(f"  localities: {ev['location'].nunique()}")
        types = ev["event_type"].value_counts()
        lines.append(f"  types: {len(types)}: " + ", ".join(f"{t} {n}" for t, n in
                                                         types.head(12).items()))
    lines.append(f"  geocoded from place names: {result.geocoded}")
    lines += [f"  left out (outside the regions): {p}" for p in result.left_out]
    lines += [f"  note: {n}" for n in result.notices]
    return "\n".join(lines)


# --- reading -------------------------------------------------------------------------------

def _folder_mtime(folder: Path) -> float:
    files = [folder / "event_types.csv", folder / "admin1_aliases.csv",
             folder / "regions_2022.geojson", folder / "places.csv",
             folder / "utc_offsets.csv"]
    missing = [f.name for f in files[:3] if not f.exists()]
    if missing:
        raise DataError([Problem(None, None, f, "the dataset folder lacks this file")
                         for f in missing], str(folder))
    return max(f.stat().st_mtime for f in files if f.exists())


def _map_columns(raw: pd.DataFrame, name: str, given: dict[str, str] | None
                 ) -> tuple[str, dict[str, str], list[str], dict[str, str]]:
    """Decide the file's format and which of its columns feeds each of our fields."""
    header = list(raw.columns)
    lower = {h.lower(): h for h in header}
    given = {importer.FIELD_NAMES.get(k, k): v for k, v in (given or {}).items() if v}
    problems = [Problem(1, column, column, "no such column; the file has: " + ", ".join(header))
                for column in given.values() if column not in raw.columns]
    problems += [Problem(None, None, target, "not a field that can be named; use one of: "
                         + ", ".join(sorted(importer.FIELD_NAMES)))
                 for target in given if target not in COLUMNS]
    if problems:
        raise DataError(problems, name)
    if len(ACLED_MARKERS & set(lower)) >= 2 and "event_id_cnty" in lower:
        fmt = "acled"
    elif OWN_MARKERS <= set(lower):
        fmt = "kzunrest"
    else:
        fmt = "generic"
    reasons: dict[str, str] = {}
    if fmt in ("acled", "kzunrest"):
        colmap = {c: lower[c] for c in COLUMNS + OPTIONAL_COLUMNS if c in lower}
        colmap.update(given)
        notices = [f"read as {'an ACLED export' if fmt == 'acled' else 'kzunrest schema'}"]
    else:
        guess = importer.guess_columns(raw, given)
        colmap, reasons = guess.columns, guess.reasons
        unused = [h for h in header if h not in colmap.values()]
        notices = ["read as a generic CSV; columns chosen: " + guess.describe()
                   + (f"; not used: {', '.join(unused)}" if unused else "")]
    problems = []
    hint = ("name it with `validate --column date=COLUMN` or pick it on the Data page")
    if "event_date" not in colmap:
        problems.append(Problem(1, None, ", ".join(header)[:200],
                                "no date column found: no column is named like a date "
                                "(date, datetime, time, day...) or holds dates in an accepted "
                                f"format ({importer.ACCEPTED}); {hint}"))
    has_coords = "latitude" in colmap and "longitude" in colmap
    if not has_coords and "location" not in colmap:
        problems.append(Problem(1, None, ", ".join(header)[:200],
                                "no coordinate columns (lat/latitude/y and lon/lng/longitude/x, "
                                "or decimal numbers within their ranges) and no place column "
                                "(location/place/city) to geocode; "
                                + hint.replace("date=", "latitude=")))
    if fmt != "generic":
        missing = [c for c in ("event_id_cnty", "event_type", "sub_event_type") if c not in colmap]
        problems += [Problem(1, c, None, "required column is missing") for c in missing]
    if problems:
        raise DataError(problems, name)
    return fmt, colmap, notices, reasons


# --- parsing -------------------------------------------------------------------------------

def _normalize(raw: pd.DataFrame, fmt: str, colmap: dict[str, str]) -> pd.DataFrame:
    """Our columns as the file's stripped text ("" where the file has no such column)."""
    out = pd.DataFrame(index=raw.index)
    blank = pd.Series("", index=raw.index, dtype="str")
    for target in COLUMNS + OPTIONAL_COLUMNS:
        if target in colmap:
            out[target] = raw[colmap[target]].astype("str").str.strip()
        elif target in COLUMNS:
            out[target] = blank
    if fmt == "generic":
        ids = out["event_id_cnty"]
        out["event_id_cnty"] = ids.where(ids != "", "ROW" + raw.index.astype(str))
    return out


def _date_message(fmt: str) -> str:
    if fmt == "kzunrest":
        return (f"not a date: write it as {schemas.ISO_DATE} (e.g. 2022-01-05), the one "
                "format of the kzunrest schema")
    if fmt == "acled":
        return ("not a date: an ACLED export writes 05 January 2022; YYYY-MM-DD and "
                "D.M.YYYY are accepted too")
    return f"not a date in any accepted format ({importer.ACCEPTED})"


def events_schema(fmt: str, ctx: _Context, dates: importer.Dates, with_end: bool
                  ) -> pa.DataFrameSchema:
    """The checks of an event file, on its text as written (see :mod:`kzunrest.schemas`)."""
    import pandera.pandas as pa  # here: reading a cached dataset never checks it

    generic = fmt == "generic"
    parsed = dates.values
    aliases = ctx.aliases

    def known_region(s: pd.Series) -> np.ndarray:
        return schemas.by_value(s, lambda a: a in aliases or a.title() in aliases)

    def pair_ok(df: pd.DataFrame) -> pd.Series:
        types = df["event_type"].isin(ctx.types | {vocab.FALLBACK_TYPE})
        pairs = pd.MultiIndex.from_frame(df[["event_type", "sub_event_type"]])
        known = pairs.isin(list(ctx.pairs)) | (df["sub_event_type"] == vocab.FALLBACK_TYPE)
        return ~types | known

    columns = [
        schemas.unique_text("event_id_cnty", "the id appears more than once"),
        schemas._column("event_date", [
            pa.Check(lambda s: s.str.strip() != "", error="the date is missing"),
            schemas.check(lambda s: parsed[s.index].notna().to_numpy(), _date_message(fmt))],
            "date", False),
        schemas.time("event_time"),
        schemas.whole("time_precision", required=not generic, one_of=(1, 2, 3)),
        schemas.text("event_type", True) if generic else schemas.text(
            "event_type", True, one_of=ctx.types | {vocab.FALLBACK_TYPE},
            message="unknown event type (see data/event_types.csv)"),
        schemas.text("sub_event_type"),
        schemas.text("actor1"), schemas.text("actor2"),
        schemas._column("admin1", [schemas.check(
            known_region, "unknown region (not one of the units of the regions file nor a "
            "known spelling of one; see admin1_aliases.csv)")], "text", False),
        schemas.text("location"),
        schemas.number("latitude", -90, 90, message="latitude must be between -90 and 90"),
        schemas.number("longitude", -180, 180,
                       message="longitude must be between -180 and 180"),
        schemas.whole("geo_precision", one_of=(1, 2, 3)),
        schemas.whole("fatalities"),
        schemas.text("notes"), schemas.text("source"), schemas.urls("source_url"),
    ]
    checks = [
        schemas.row_check("latitude", lambda df: ~((df["latitude"] == "")
                                                    & (df["longitude"] != "")),
                          "latitude is missing but longitude given"),
        schemas.row_check("longitude", lambda df: ~((df["longitude"] == "")
                                                     & (df["latitude"] != "")),
                          "longitude is missing but latitude given"),
    ]
    if not generic:
        checks.append(schemas.row_check(
            "sub_event_type", pair_ok,
            "not a sub-type of the row's event_type (see data/event_types.csv)"))
    if with_end:
        columns.append(schemas.date("event_date_end"))

        def end_after_start(df: pd.DataFrame) -> pd.Series:
            end = schemas.to_date(df["event_date_end"])
            return end.isna() | parsed.isna() | (end >= parsed)

        checks.append(schemas.row_check("event_date_end", end_after_start,
                                        "the span ends before event_date"))
    return schemas.table_schema("events", columns, checks)


def _typed(norm: pd.DataFrame, dates: importer.Dates, fmt: str) -> pd.DataFrame:
    """The frame in our types; values that failed a check become missing (they are reported
    already, and the file is refused)."""
    out = pd.DataFrame(index=norm.index)
    out["event_id_cnty"] = norm["event_id_cnty"]
    out["event_date"] = dates.values.dt.normalize().astype("datetime64[ns]")
    times = norm["event_time"]
    if dates.has_time.any():  # a datetime column gives the time too
        stamps = dates.values[dates.has_time & (times == "")]
        times = times.copy()
        times[stamps.index] = stamps.dt.strftime("%H:%M").fillna("")
    out["event_time"] = times.where(schemas.matches(times, schemas._TIME), "")
    for target in ("time_precision", "geo_precision", "fatalities"):
        number = schemas.to_whole(norm[target])
        if target != "fatalities" and fmt == "generic":
            number = number.fillna(1)  # a generic file's row is taken as exact unless it says
        out[target] = number
    for target in ("latitude", "longitude"):
        out[target] = schemas.to_float(norm[target])
    for target in TEXT_COLUMNS:
        out[target] = norm[target]
    admin = norm["admin1"]
    out["admin1"] = admin  # mapped to January 2022 names in _place_in_regions
    if "event_date_end" in norm.columns:
        out["event_date_end"] = schemas.to_date(norm["event_date_end"])
    out["geocoded"] = False
    return out


def _fallback_types(norm: pd.DataFrame, ctx: _Context, notices: list[str],
                    colmap: dict[str, str]) -> None:
    """A generic file's types. A column that uses our vocabulary keeps it (an unknown value is
    then a slip, shown as the fallback type); a column with its own categories (a label of
    another project) keeps its labels as written. Blank types become the fallback type."""
    etype, sub = norm["event_type"], norm["sub_event_type"]
    blank = etype == ""
    known = etype.isin(ctx.types)
    unknown = ~known & ~blank
    if unknown.any():
        names = sorted(set(etype[unknown]))
        if known.any():
            notices.append(f"{int(unknown.sum())} rows with types outside the vocabulary "
                           f"({', '.join(names[:8])}) shown as {vocab.FALLBACK_TYPE!r}")
            norm.loc[unknown, "event_type"] = vocab.FALLBACK_TYPE
        else:
            notices.append(f"types taken from {colmap.get('event_type')!r} as written: "
                           + ", ".join(names[:12]) + (" …" if len(names) > 12 else ""))
    if blank.any():
        notices.append(f"{int(blank.sum())} rows without a type shown as "
                       f"{vocab.FALLBACK_TYPE!r}")
        norm.loc[blank, "event_type"] = vocab.FALLBACK_TYPE
    pairs = pd.MultiIndex.from_arrays([norm["event_type"], sub])
    pair_ok = pairs.isin(list(ctx.pairs))
    norm.loc[~pair_ok, "sub_event_type"] = vocab.FALLBACK_TYPE


def _to_local_time(frame: pd.DataFrame, dates: importer.Dates, ctx: _Context,
                   notices: list[str]) -> None:
    """UTC datetimes to the local date and time of each row's region (after the spatial join,
    since a country may have had several zones: utc_offsets.csv)."""
    utc = dates.utc.reindex(frame.index, fill_value=False)
    stamps = dates.values.reindex(frame.index)
    offsets = frame["admin1"].map(ctx.utc_offsets)
    known = utc & offsets.notna()
    if known.any():
        local = stamps[known] + pd.to_timedelta(offsets[known].astype(float), unit="h")
        frame.loc[known, "event_date"] = local.dt.normalize()
        with_time = dates.has_time.reindex(frame.index, fill_value=False) & known
        frame.loc[with_time, "event_time"] = local[with_time[known]].dt.strftime("%H:%M")
        zones = sorted({f"UTC{o:+g}" for o in offsets[known].unique()})
        notices.append(f"{int(known.sum())} UTC times converted to local time "
                       f"({', '.join(zones)}, by each row's region)")
    if (utc & ~known).any():
        notices.append(f"{int((utc & ~known).sum())} UTC times kept in UTC: the dataset gives "
                       "no UTC offset for their region (utc_offsets.csv)")


def _map_regions(frame: pd.DataFrame, ctx: _Context) -> None:
    """Region names as written to January 2022's (unknown ones were reported by the schema)."""
    codes, uniques = pd.factorize(frame["admin1"])
    mapped = np.array([ctx.aliases.get(a, ctx.aliases.get(a.title(), "")) if a else ""
                       for a in uniques] + [""], dtype=object)
    frame["admin1"] = pd.Series(mapped[codes], index=frame.index, dtype="str")


def _geocode(frame: pd.DataFrame, norm: pd.DataFrame, colmap: dict[str, str],
             ctx: _Context) -> list[Problem]:
    """Coordinates for rows that give only a place name, from the gazetteer. A name like
    "Aktau, Mangystau" is tried whole, then as its first part."""
    need = frame["latitude"].isna() & frame["longitude"].isna()
    if not need.any():
        return []
    gaz = read_gazetteer(ctx.places_csv if ctx.places_csv.exists() else None)
    problems = []
    column = colmap.get("location", "location")
    found_for: dict[tuple[str, str], object] = {}
    for line in need[need].index:
        place, region = frame.at[line, "location"], frame.at[line, "admin1"]
        if not place:
            problems.append(Problem(int(line), colmap.get("latitude", "latitude"), "",
                                    "no coordinates and no place name to geocode"))
            continue
        if (place, region) not in found_for:
            found_for[(place, region)] = _lookup(gaz, place, region, ctx)
        found = found_for[(place, region)]
        if isinstance(found, str):
            problems.append(Problem(int(line), column, place, found))
            continue
        frame.at[line, "latitude"] = found.latitude
        frame.at[line, "longitude"] = found.longitude
        frame.at[line, "geocoded"] = True
        if pd.isna(frame.at[line, "geo_precision"]):
            frame.at[line, "geo_precision"] = 1
    return problems


def _lookup(gaz, place: str, region: str, ctx: _Context):
    """The one place a name means (a Place), or the reason it cannot be placed (a str)."""
    found = gaz.candidates(place)
    if not found and "," in place:
        head = place.split(",", 1)[0].strip()
        return _lookup(gaz, head, region, ctx) if head else "no place name"
    if len(found) > 1:
        lon = pd.Series([p.longitude for p in found])
        lat = pd.Series([p.latitude for p in found])
        where = regions_mod.locate(lon, lat, ctx.regions)["admin1"].tolist()
        if region:
            found = [p for p, r in zip(found, where, strict=True) if r == region]
        if len(found) != 1:
            listed = ", ".join(f"{p.name} ({r})" for p, r in
                               zip(gaz.candidates(place), where, strict=True))
            return (f"ambiguous place: {listed}; give admin1 or coordinates to settle it"
                    if not found or not region else f"ambiguous place: {listed}")
    if not found:
        return ("place not found in the gazetteer (GeoNames and places.csv); give latitude "
                "and longitude")
    return found[0]


def _locate(lon: pd.Series, lat: pd.Series, regions) -> pd.DataFrame:
    """:func:`kzunrest.regions.locate`, with a fast first pass: a bounding-box filter and a
    vectorised point-in-polygon test per region place the points that lie inside one (a
    million in about half a second); only the rest go through the nearest-region search."""
    x, y = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    found = np.full(len(x), -1)
    names = regions["admin1"].to_numpy()
    for i, geom in enumerate(regions.geometry.to_numpy()):
        shapely.prepare(geom)
        x0, y0, x1, y1 = geom.bounds
        cand = np.flatnonzero((found < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        if len(cand):
            found[cand[shapely.contains_xy(geom, x[cand], y[cand])]] = i
    inside = found >= 0
    out = pd.DataFrame({"admin1": pd.Series(np.where(inside, names[found], None),
                                            index=lon.index, dtype="string"),
                        "outside_km": np.where(inside, 0.0, np.nan)}, index=lon.index)
    if not inside.all():
        rest = regions_mod.locate(lon[~inside], lat[~inside], regions)
        out.loc[rest.index, "admin1"] = rest["admin1"]
        out.loc[rest.index, "outside_km"] = rest["outside_km"]
    return out


def _place_in_regions(frame: pd.DataFrame, norm: pd.DataFrame, colmap: dict[str, str],
                      ctx: _Context, drop_outside: bool, left_out: list[Problem]
                      ) -> list[Problem]:
    """Give each event its admin1 by spatial join; a stated admin1 must agree with it. A point
    outside every region is a problem, or, with ``drop_outside``, a row left out."""
    ok = frame["latitude"].between(-90, 90) & frame["longitude"].between(-180, 180)
    if not ok.any():
        return []
    placed = _locate(frame.loc[ok, "longitude"], frame.loc[ok, "latitude"], ctx.regions)
    problems = []
    outside = placed["admin1"].isna()
    lat_col = colmap.get("latitude", "latitude")
    for line in placed.index[outside]:
        value = f"{frame.at[line, 'latitude']}, {frame.at[line, 'longitude']}"
        where = f"{placed.at[line, 'outside_km']:.0f} km from the nearest"
        if drop_outside:
            left_out.append(Problem(int(line), lat_col, value,
                                    f"outside every region of the dataset ({where})"))
        else:
            problems.append(Problem(int(line), lat_col, value,
                                    f"the point lies outside every region of the dataset "
                                    f"({where}); such rows can be left out (validate "
                                    "--drop-outside, or the Data page's checkbox)"))
    stated = frame.loc[placed.index, "admin1"]
    differs = (stated != "") & ~outside & (stated != placed["admin1"])
    if differs.any():
        idx = differs[differs].index
        dist = regions_mod.distance_to_region_km(frame.loc[idx, "longitude"],
                                                 frame.loc[idx, "latitude"],
                                                 stated[idx], ctx.regions)
        admin_col = colmap.get("admin1", "admin1")
        for line in idx[dist > regions_mod.BORDER_TOLERANCE_KM]:
            problems.append(Problem(int(line), admin_col, norm.at[line, "admin1"],
                                    f"the coordinates lie in {placed.at[line, 'admin1']}, "
                                    f"{dist[line]:.0f} km from this region"))
    fill = (stated == "") & ~outside
    frame.loc[fill[fill].index, "admin1"] = placed.loc[fill, "admin1"]
    return problems
