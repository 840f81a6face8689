"""The loader as it was before the pyarrow rewrite (kzunrest/loader.py at e459525), kept
frozen as the baseline of the loader benchmark (bench/loader.py); not used by the app.

Read an event file (ours, a raw ACLED export, or any CSV with dates and places) into a frame.

Every problem is collected and raised together as a :class:`~kzunrest.errors.DataError`, each
naming the file's 1-based line, the column and the value; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from kzunrest import regions as regions_mod
from kzunrest import vocab
from kzunrest.errors import DataError, Problem
from kzunrest.gazetteer import read_gazetteer

COLUMNS = [
    "event_id_cnty", "event_date", "event_time", "time_precision", "event_type",
    "sub_event_type", "actor1", "actor2", "admin1", "location", "latitude", "longitude",
    "geo_precision", "fatalities", "notes", "source", "source_url",
]
TEXT_COLUMNS = ["event_type", "sub_event_type", "actor1", "actor2", "admin1", "location",
                "notes", "source", "source_url"]
# Columns that only an ACLED export has: any two of them mark a file as ACLED's.
ACLED_MARKERS = {"disorder_type", "inter1", "interaction", "iso", "iso3", "data_id",
                 "event_id_no_cnty", "civilian_targeting", "source_scale", "assoc_actor_1",
                 "timestamp", "year"}
OWN_MARKERS = {"event_id_cnty", "event_date", "event_type", "sub_event_type", "admin1",
               "location", "latitude", "longitude", "geo_precision", "source_url"}
# A generic file's columns: the first header (case-insensitive) found in each list wins.
GENERIC_ALIASES = {
    "event_id_cnty": ["event_id_cnty", "event_id", "id"],
    "event_date": ["event_date", "date", "datetime", "time", "day"],
    "event_time": ["event_time"],
    "latitude": ["latitude", "lat", "y"],
    "longitude": ["longitude", "lon", "lng", "long", "x"],
    "event_type": ["event_type", "type", "category"],
    "sub_event_type": ["sub_event_type", "subtype", "sub_type"],
    "actor1": ["actor1", "actor"],
    "actor2": ["actor2"],
    "admin1": ["admin1", "region", "oblast"],
    "location": ["location", "place", "city", "town", "locality"],
    "notes": ["notes", "description", "desc", "text", "comment"],
    "source": ["source", "publisher"],
    "source_url": ["source_url", "url", "link"],
    "fatalities": ["fatalities", "deaths", "killed"],
    "time_precision": ["time_precision"],
    "geo_precision": ["geo_precision"],
}
MAX_FIELD_CHARS = 100_000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_INT = re.compile(r"^\s*\d+\s*$")


@dataclass
class LoadResult:
    """A validated event frame and what the loader did to get it."""

    events: pd.DataFrame
    source_format: str  # "kzunrest", "acled" or "generic"
    column_map: dict[str, str] = field(default_factory=dict)  # our field -> file's column
    notices: list[str] = field(default_factory=list)

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


@functools.lru_cache(maxsize=4)
def _context(folder: Path, mtime: float) -> _Context:
    types = vocab.read_event_types(folder)
    regions = regions_mod.read_regions(folder / "regions_2022.geojson")
    names = frozenset(regions["admin1"])
    aliases = {k: v for k, v in vocab.read_aliases(folder).items() if v in names}
    aliases.update({n: n for n in names})
    return _Context(frozenset(zip(types.event_type, types.sub_event_type, strict=True)),
                    frozenset(types.event_type), aliases, names, regions,
                    folder / "places.csv")


def read_events(source: Path | str | bytes, *, folder: Path, name: str | None = None,
                ) -> LoadResult:
    """Load and validate an event file.

    ``source`` is a path or the file's bytes (an upload); ``folder`` is the dataset folder whose
    vocabularies, regions and ``places.csv`` apply. Raises :class:`DataError` listing every
    problem. A row's line number is kept as the frame's index name ``line``.

    >>> read_events(b"date,lat,lon\\n2022-01-05,43.25,76.91\\n", folder=Path("data")).events[
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
    raw = _read_table(data, name)
    fmt, colmap, notices = _map_columns(list(raw.columns), name)
    frame, problems = _parse(raw, fmt, colmap, ctx, notices)
    problems += _geocode(frame, raw, colmap, ctx)
    problems += _check_schema(frame, raw, colmap, fmt, ctx)
    problems += _place_in_regions(frame, raw, colmap, ctx)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        raise DataError(problems, name)
    frame["event_date"] = frame["event_date"].astype("datetime64[ns]")
    return LoadResult(frame[COLUMNS + ["geocoded"]], fmt, colmap, notices)


def summarize(result: LoadResult, name: str) -> str:
    """A few lines for the command line: rows, dates, regions, geocoded rows."""
    ev = result.events
    lines = [f"{name}: OK ({result.source_format} format)", f"  rows: {len(ev)}"]
    if len(ev):
        lines.append(f"  dates: {ev.event_date.min():%Y-%m-%d} to {ev.event_date.max():%Y-%m-%d}"
                     f" ({ev.event_date.nunique()} days)")
        by_region = ev["admin1"].value_counts()
        lines.append(f"  regions: {len(by_region)}: "
                     + ", ".join(f"{r} {n}" for r, n in by_region.items()))
        lines.append(f"  localities: {ev['location'].nunique()}")
    lines.append(f"  geocoded from place names: {result.geocoded}")
    lines += [f"  note: {n}" for n in result.notices]
    return "\n".join(lines)


# --- reading -------------------------------------------------------------------------------

def _folder_mtime(folder: Path) -> float:
    files = [folder / "event_types.csv", folder / "admin1_aliases.csv",
             folder / "regions_2022.geojson", folder / "places.csv"]
    missing = [f.name for f in files[:3] if not f.exists()]
    if missing:
        raise DataError([Problem(None, None, f, "the dataset folder lacks this file")
                         for f in missing], str(folder))
    return max(f.stat().st_mtime for f in files if f.exists())


def _read_table(data: bytes, name: str) -> pd.DataFrame:
    """Parse CSV or Parquet into a frame of strings indexed by the file's line number."""
    if not data.strip():
        raise DataError([Problem(None, None, None, "the file is empty")], name)
    if data[:4] == b"PAR1":
        return _read_parquet(data, name)
    text = _decode(data, name)
    return _read_csv_text(text, name)


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow raises many types for a corrupt file
        raise DataError([Problem(None, None, None, f"not a readable Parquet file ({err})")],
                        name) from None
    out = pd.DataFrame(index=pd.RangeIndex(2, len(frame) + 2, name="line"))
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%d")
        out[str(col)] = s.astype("string").fillna("").to_numpy()
    return out


def _decode(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise DataError([Problem(None, None, None,
                                 "this is a binary file, not CSV text or Parquet")], name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        bad = data[err.start: err.start + 4]
        raise DataError([Problem(line, None, repr(bad)[2:-1],
                                 "not UTF-8 text; save the file as UTF-8 "
                                 "(ACLED exports already are)")], name) from None


def _read_csv_text(text: str, name: str) -> pd.DataFrame:
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    header: list[str] | None = None
    rows, lines = [], []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if header is None:
                    header = [c.strip() for c in record]
                    header_line = start
                elif len(record) != len(header):
                    problems.append(Problem(start, None, f"{len(record)} fields",
                                            f"expected {len(header)} fields as in the header"))
                else:
                    rows.append(record)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        msg = str(err)
        if "field larger" in msg:
            msg = f"a field is longer than {MAX_FIELD_CHARS:,} characters"
        problems.append(Problem(reader.line_num, None, None, f"unreadable CSV: {msg}"))
    if header is None:
        raise DataError(problems or [Problem(None, None, None, "the file has no header row")],
                        name)
    blank = [i + 1 for i, h in enumerate(header) if not h]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    problems += [Problem(header_line, f"#{i}", "", "a column has no name") for i in blank]
    problems += [Problem(header_line, h, h, "the column name appears twice") for h in dupes]
    if problems:
        raise DataError(problems, name)
    if not rows:
        raise DataError([Problem(None, None, None, "the file has a header but no rows")], name)
    return pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=object)


def _map_columns(header: list[str], name: str) -> tuple[str, dict[str, str], list[str]]:
    """Decide the file's format and which of its columns feeds each of our fields."""
    lower = {h.lower(): h for h in header}
    if len(ACLED_MARKERS & set(lower)) >= 2 and "event_id_cnty" in lower:
        fmt = "acled"
    elif OWN_MARKERS <= set(lower):
        fmt = "kzunrest"
    else:
        fmt = "generic"
    colmap: dict[str, str] = {}
    if fmt in ("acled", "kzunrest"):
        colmap = {c: lower[c] for c in COLUMNS if c in lower}
        notices = [f"read as {'an ACLED export' if fmt == 'acled' else 'kzunrest schema'}"]
    else:
        for target, options in GENERIC_ALIASES.items():
            for option in options:
                if option in lower and lower[option] not in colmap.values():
                    colmap[target] = lower[option]
                    break
        notices = ["read as a generic CSV; columns mapped: "
                   + ", ".join(f"{src!r} → {dst}" for dst, src in colmap.items())]
    problems = []
    if "event_date" not in colmap:
        problems.append(Problem(1, None, ", ".join(header)[:200],
                                "no date column found (expected one of: "
                                + ", ".join(GENERIC_ALIASES["event_date"]) + ")"))
    has_coords = "latitude" in colmap and "longitude" in colmap
    if not has_coords and "location" not in colmap:
        problems.append(Problem(1, None, ", ".join(header)[:200],
                                "no coordinate columns (lat/latitude/y and lon/lng/longitude/x) "
                                "and no place column (location/place/city) to geocode"))
    if fmt != "generic":
        missing = [c for c in ("event_id_cnty", "event_type", "sub_event_type") if c not in colmap]
        problems += [Problem(1, c, None, "required column is missing") for c in missing]
    if problems:
        raise DataError(problems, name)
    return fmt, colmap, notices


# --- parsing -------------------------------------------------------------------------------

def _col(raw: pd.DataFrame, colmap: dict[str, str], target: str) -> pd.Series:
    if target in colmap:
        return raw[colmap[target]].astype(str).str.strip()
    return pd.Series("", index=raw.index, dtype=object)


def _parse(raw: pd.DataFrame, fmt: str, colmap: dict[str, str], ctx: _Context,
           notices: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    out = pd.DataFrame(index=raw.index)

    def bad(mask: pd.Series, target: str, message: str) -> None:
        values = _col(raw, colmap, target)
        problems.extend(Problem(int(i), colmap.get(target, target), values[i], message)
                        for i in mask[mask].index)

    # Dates: ISO, ISO with a time (the time then fills event_time), or ACLED's "05 January 2022".
    text = _col(raw, colmap, "event_date")
    iso = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?"
                           r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
    date = pd.to_datetime(iso[0], format="%Y-%m-%d", errors="coerce")
    if fmt != "kzunrest":
        for pattern in ("%d %B %Y", "%d.%m.%Y"):
            date = date.fillna(pd.to_datetime(text, format=pattern, errors="coerce"))
    bad(date.isna() & (text != ""), "event_date", "not a date (expected YYYY-MM-DD)")
    bad(text == "", "event_date", "the date is missing")
    out["event_date"] = date

    times = _col(raw, colmap, "event_time").where(lambda s: s != "", iso[1].fillna(""))
    bad((times != "") & ~times.str.match(_TIME), "event_time", "not a time (expected HH:MM)")
    out["event_time"] = times.where(times.str.match(_TIME), "")

    for target in ("latitude", "longitude"):
        values = _col(raw, colmap, target)
        number = pd.to_numeric(values.where(values != ""), errors="coerce")
        bad(number.isna() & (values != ""), target, "not a number")
        out[target] = number.astype(float)
    # Only blank cells count as missing here: an unreadable one was reported just above.
    blank_lat = _col(raw, colmap, "latitude") == ""
    blank_lon = _col(raw, colmap, "longitude") == ""
    bad(blank_lat & ~blank_lon, "latitude", "latitude is missing but longitude given")
    bad(blank_lon & ~blank_lat, "longitude", "longitude is missing but latitude given")

    for target in ("time_precision", "geo_precision", "fatalities"):
        values = _col(raw, colmap, target)
        ok = values.str.match(_INT)
        bad(~ok & (values != ""), target, "not a whole number")
        number = pd.to_numeric(values.where(ok), errors="coerce").astype("Int64")
        if target != "fatalities" and fmt == "generic":
            number = number.fillna(1)  # a generic file's row is taken as exact unless it says
        out[target] = number

    for target in TEXT_COLUMNS:
        out[target] = _col(raw, colmap, target)

    ids = _col(raw, colmap, "event_id_cnty")
    if fmt == "generic":
        ids = ids.where(ids != "", "ROW" + raw.index.astype(str).to_series(index=raw.index))
    out["event_id_cnty"] = ids

    if fmt == "generic":
        _fallback_types(out, ctx, notices)

    admin = out["admin1"]
    mapped = admin.map(lambda a: ctx.aliases.get(a, ctx.aliases.get(a.title(), None))
                       if a else "")
    bad(mapped.isna(), "admin1", "unknown region (not one of the 17 units of January 2022 "
        "nor a known spelling of one)")
    out["admin1"] = mapped.fillna("")

    url = out["source_url"]
    bad((url != "") & ~url.str.match(r"^https?://\S+$"), "source_url",
        "not an http(s) address")
    out["geocoded"] = False
    return out, problems


def _fallback_types(out: pd.DataFrame, ctx: _Context, notices: list[str]) -> None:
    """Generic files: unknown types become the documented fallback, with a notice."""
    etype, sub = out["event_type"], out["sub_event_type"]
    unknown = ~etype.isin(ctx.types)
    if unknown.any():
        names = sorted(set(etype[unknown]) - {""})
        notices.append(f"{int(unknown.sum())} rows with types outside the vocabulary "
                       f"({', '.join(names[:8]) or 'blank'}) shown as {vocab.FALLBACK_TYPE!r}")
        out.loc[unknown, "event_type"] = vocab.FALLBACK_TYPE
    pair_ok = pd.Series([(t, s) in ctx.pairs for t, s in zip(out.event_type, sub, strict=True)],
                        index=out.index, dtype=bool)
    out.loc[~pair_ok, "sub_event_type"] = vocab.FALLBACK_TYPE


def _geocode(frame: pd.DataFrame, raw: pd.DataFrame, colmap: dict[str, str],
             ctx: _Context) -> list[Problem]:
    need = frame["latitude"].isna() & frame["longitude"].isna()
    if not need.any():
        return []
    gaz = read_gazetteer(ctx.places_csv if ctx.places_csv.exists() else None)
    problems = []
    for line in need[need].index:
        place, region = frame.at[line, "location"], frame.at[line, "admin1"]
        column = colmap.get("location", "location")
        if not place:
            problems.append(Problem(int(line), colmap.get("latitude", "latitude"), "",
                                    "no coordinates and no place name to geocode"))
            continue
        found = gaz.candidates(place)
        if len(found) > 1:
            lon = pd.Series([p.longitude for p in found])
            lat = pd.Series([p.latitude for p in found])
            where = regions_mod.locate(lon, lat, ctx.regions)["admin1"].tolist()
            if region:
                found = [p for p, r in zip(found, where, strict=True) if r == region]
            if len(found) != 1:
                listed = ", ".join(f"{p.name} ({r})" for p, r in
                                   zip(gaz.candidates(place), where, strict=True))
                problems.append(Problem(int(line), column, place,
                                        f"ambiguous place: {listed}; give admin1 or "
                                        "coordinates to settle it" if not found or not region
                                        else f"ambiguous place: {listed}"))
                continue
        if not found:
            problems.append(Problem(int(line), column, place,
                                    "place not found in the gazetteer (GeoNames and places.csv);"
                                    " give latitude and longitude"))
            continue
        frame.at[line, "latitude"] = found[0].latitude
        frame.at[line, "longitude"] = found[0].longitude
        frame.at[line, "geocoded"] = True
        if pd.isna(frame.at[line, "geo_precision"]):
            frame.at[line, "geo_precision"] = 1
    return problems


# --- validation ----------------------------------------------------------------------------

def _schema(fmt: str, ctx: _Context) -> pa.DataFrameSchema:
    types = sorted(ctx.types | {vocab.FALLBACK_TYPE})
    return pa.DataFrameSchema(
        {
            "event_id_cnty": pa.Column(str, [pa.Check.str_length(min_value=1)], unique=True,
                                       description="unique event id"),
            "event_date": pa.Column("datetime64[ns]", nullable=True),
            "event_type": pa.Column(str, pa.Check.isin(types)),
            "latitude": pa.Column(float, pa.Check.in_range(-90, 90), nullable=True),
            "longitude": pa.Column(float, pa.Check.in_range(-180, 180), nullable=True),
            "time_precision": pa.Column("Int64", pa.Check.isin([1, 2, 3]),
                                        nullable=fmt == "generic"),
            "geo_precision": pa.Column("Int64", pa.Check.isin([1, 2, 3]), nullable=True),
            "fatalities": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        },
        strict=False,
    )


_MESSAGES = {
    "str_length": "the value is missing",
    "isin": "not one of the allowed values",
    "in_range": "out of range",
    "greater_than_or_equal_to": "must not be negative",
    "field_uniqueness": "the id appears more than once",
    "not_nullable": "the value is missing",
}


def _check_schema(frame: pd.DataFrame, raw: pd.DataFrame, colmap: dict[str, str], fmt: str,
                  ctx: _Context) -> list[Problem]:
    problems = []
    frame["event_date"] = frame["event_date"].astype("datetime64[ns]")
    try:
        _schema(fmt, ctx).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for case in cases.itertuples(index=False):
            column, check = case.column, str(case.check)
            if case.index is None or (isinstance(case.index, float) and np.isnan(case.index)):
                continue
            if column == "event_date" or column == "latitude" and check == "not_nullable":
                continue  # already reported while parsing
            line = int(case.index)
            value = _col(raw, colmap, column)[line] if column in colmap else str(case.failure_case)
            key = next((k for k in _MESSAGES if check.startswith(k)), None)
            message = _MESSAGES.get(key, check)
            if key == "in_range":
                message = ("latitude must be between -90 and 90" if column == "latitude"
                           else "longitude must be between -180 and 180")
            elif key == "isin" and column == "event_type":
                message = "unknown event type (see data/event_types.csv)"
            elif key == "isin":
                message = "must be 1, 2 or 3"
            problems.append(Problem(line, colmap.get(column, column), value, message))
    known = pd.Series([(t, s) in ctx.pairs or s == vocab.FALLBACK_TYPE
                       for t, s in zip(frame.event_type, frame.sub_event_type, strict=True)],
                      index=frame.index, dtype=bool)
    known_type = frame["event_type"].isin(ctx.types | {vocab.FALLBACK_TYPE})
    sub = _col(raw, colmap, "sub_event_type")
    problems += [Problem(int(i), colmap.get("sub_event_type", "sub_event_type"), sub[i],
                         f"not a sub-type of {frame.at[i, 'event_type']!r}")
                 for i in frame.index[~known & known_type]]
    return problems


def _place_in_regions(frame: pd.DataFrame, raw: pd.DataFrame, colmap: dict[str, str],
                      ctx: _Context) -> list[Problem]:
    """Give each event its admin1 by spatial join; a stated admin1 must agree with it."""
    ok = frame["latitude"].between(-90, 90) & frame["longitude"].between(-180, 180)
    if not ok.any():
        return []
    placed = regions_mod.locate(frame.loc[ok, "longitude"], frame.loc[ok, "latitude"],
                                ctx.regions)
    problems = []
    outside = placed["admin1"].isna()
    lat_col = colmap.get("latitude", "latitude")
    for line in placed.index[outside]:
        value = f"{frame.at[line, 'latitude']}, {frame.at[line, 'longitude']}"
        problems.append(Problem(int(line), lat_col, value,
                                f"the point lies outside Kazakhstan's regions "
                                f"({placed.at[line, 'outside_km']:.0f} km from the nearest)"))
    stated = frame.loc[placed.index, "admin1"]
    differs = (stated != "") & ~outside & (stated != placed["admin1"])
    if differs.any():
        idx = differs[differs].index
        dist = regions_mod.distance_to_region_km(frame.loc[idx, "longitude"],
                                                 frame.loc[idx, "latitude"],
                                                 stated[idx], ctx.regions)
        admin_col = colmap.get("admin1", "admin1")
        for line in idx[dist > regions_mod.BORDER_TOLERANCE_KM]:
            problems.append(Problem(int(line), admin_col, _col(raw, colmap, "admin1")[line],
                                    f"the coordinates lie in {placed.at[line, 'admin1']}, "
                                    f"{dist[line]:.0f} km from this region"))
    fill = (stated == "") & ~outside
    frame.loc[fill[fill].index, "admin1"] = placed.loc[fill, "admin1"]
    return problems
