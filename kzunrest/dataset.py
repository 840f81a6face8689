"""A dataset folder: the events plus the context files (CSTO, emergency, blackout, figures...).

Each context file is checked on reading; problems name the file, line, column and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kzunrest import regions as regions_mod
from kzunrest import vocab
from kzunrest.errors import DataError, Problem
from kzunrest.loader import LoadResult, read_events

# Columns of each context file: (name, kind) with kind date | time | float | int | text | url.
# An optional column may be blank; "!" marks a required one.
CONTEXT_FILES: dict[str, list[tuple[str, str]]] = {
    "csto_contingents.csv": [
        ("country", "text!"), ("personnel", "int"), ("personnel_note", "text"),
        ("units", "text"), ("origin_name", "text!"), ("origin_lat", "float!"),
        ("origin_lon", "float!"), ("destination_name", "text!"), ("destination_lat", "float!"),
        ("destination_lon", "float!"), ("left_home_date", "date"), ("arrival_date", "date"),
        ("departure_date", "date!"),
        ("tasks", "text"), ("source_url", "urls!"),
    ],
    "csto_sites.csv": [
        ("site_id", "text!"), ("name", "text!"), ("city", "text"), ("latitude", "float!"),
        ("longitude", "float!"), ("geo_precision", "int!"), ("contingent", "text"),
        ("task", "text"), ("start_date", "date"), ("end_date", "date"), ("source_url", "urls!"),
    ],
    "emergency.csv": [
        ("admin1", "text!"), ("start_date", "date!"), ("start_time", "time"),
        ("end_date", "date"), ("end_time", "time"), ("curfew", "text"), ("source_url", "urls!"),
    ],
    "blackout.csv": [
        ("scope", "text!"), ("admin1", "text"), ("start_date", "date!"), ("start_time", "time"),
        ("end_date", "date"), ("end_time", "time"), ("description", "text"),
        ("source_url", "urls!"),
    ],
    "figures.csv": [
        ("announced_date", "date!"), ("announced_time", "time"), ("metric", "text!"),
        ("value", "int!"), ("value_note", "text"), ("announced_by", "text!"),
        ("status", "text!"), ("source_url", "urls!"),
    ],
    "milestones.csv": [
        ("date", "date!"), ("time", "time"), ("title", "text!"), ("description", "text!"),
        ("source_url", "urls!"),
    ],
    "story.csv": [
        ("step", "int!"), ("date", "date!"), ("title", "text!"), ("caption", "text!"),
        ("longitude", "float!"), ("latitude", "float!"), ("zoom", "float!"), ("layers", "text"),
        ("source_url", "urls!"),
    ],
}


@dataclass
class Dataset:
    """Everything a page shows, read once from a dataset folder."""

    folder: Path
    events: pd.DataFrame
    load: LoadResult
    regions: gpd.GeoDataFrame
    event_types: pd.DataFrame
    contingents: pd.DataFrame
    sites: pd.DataFrame
    emergency: pd.DataFrame
    blackout: pd.DataFrame
    figures: pd.DataFrame
    milestones: pd.DataFrame
    story: pd.DataFrame

    def with_events(self, load: LoadResult) -> Dataset:
        """The same context with another event file (an analyst's upload)."""
        return Dataset(**{**self.__dict__, "events": load.events, "load": load})


def read_dataset(folder: Path) -> Dataset:
    """Read and check a dataset folder; raises :class:`DataError` listing every problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    load = None
    try:
        load = read_events(folder / "events.csv", folder=folder)
    except DataError as err:
        problems += _prefixed(err.problems, "events.csv")
    context = {}
    for name in CONTEXT_FILES:
        try:
            context[name] = read_context_file(folder / name)
        except DataError as err:
            problems += _prefixed(err.problems, name)
    if problems:
        raise DataError(problems, str(folder))
    return Dataset(
        folder=folder, events=load.events, load=load,
        regions=regions_mod.read_regions(folder / "regions_2022.geojson"),
        event_types=vocab.read_event_types(folder),
        contingents=context["csto_contingents.csv"], sites=context["csto_sites.csv"],
        emergency=context["emergency.csv"], blackout=context["blackout.csv"],
        figures=context["figures.csv"], milestones=context["milestones.csv"],
        story=context["story.csv"].sort_values("step", ignore_index=True),
    )


def read_context_file(path: Path) -> pd.DataFrame:
    """Read one context file, parsing dates, times and numbers as declared in CONTEXT_FILES."""
    spec = CONTEXT_FILES[path.name]
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataError([Problem(None, None, None, "the file is missing")], path.name) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError([Problem(None, None, None, f"unreadable: {err}")], path.name) from None
    problems = [Problem(1, c, None, "required column is missing")
                for c, _ in spec if c not in raw.columns]
    if problems:
        raise DataError(problems, path.name)
    out = raw[[c for c, _ in spec]].copy()
    out.index = pd.RangeIndex(2, len(raw) + 2, name="line")
    for column, kind in spec:
        values = out[column].str.strip()
        required = kind.endswith("!")
        kind = kind.rstrip("!")
        blank = values == ""
        if required:
            problems += [Problem(int(i), column, "", "the value is missing")
                         for i in values.index[blank]]
        if kind == "date":
            parsed = pd.to_datetime(values.where(~blank), format="%Y-%m-%d", errors="coerce")
            problems += [Problem(int(i), column, values[i], "not a date (expected YYYY-MM-DD)")
                         for i in values.index[parsed.isna() & ~blank]]
            out[column] = parsed
        elif kind in ("float", "int"):
            parsed = pd.to_numeric(values.where(~blank), errors="coerce")
            if kind == "int":
                whole = parsed.isna() | (parsed == parsed.round())
                problems += [Problem(int(i), column, values[i], "not a whole number")
                             for i in values.index[~whole]]
                parsed = parsed.where(whole).astype("Int64")
            problems += [Problem(int(i), column, values[i], "not a number")
                         for i in values.index[parsed.isna() & ~blank]]
            out[column] = parsed
        elif kind == "time":
            okay = values.str.match(r"^([01]\d|2[0-3]):[0-5]\d$") | blank
            problems += [Problem(int(i), column, values[i], "not a time (expected HH:MM)")
                         for i in values.index[~okay]]
            out[column] = values.where(okay, "")
        elif kind == "urls":
            okay = values.map(lambda v: all(u.startswith(("http://", "https://"))
                                            for u in v.split()))
            problems += [Problem(int(i), column, values[i], "not http(s) addresses")
                         for i in values.index[~okay & ~blank]]
            out[column] = values
        else:
            out[column] = values
    if problems:
        raise DataError(problems, path.name)
    return out


def _prefixed(problems: list[Problem], name: str) -> list[Problem]:
    return [Problem(p.line, p.column, p.value, f"{name}: {p.message}") for p in problems]
