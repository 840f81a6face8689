"""A dataset folder: the events plus the context files (CSTO, emergency, blackout, figures...).

Each context file is checked on reading; problems name the file, line, column and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kzunrest import regions as regions_mod
from kzunrest import schemas, vocab
from kzunrest.errors import DataError, Problem
from kzunrest.loader import LoadResult, read_events

# The context files a Dataset holds; their columns and checks are declared once, as pandera
# schemas, in kzunrest.schemas (FILE_SCHEMAS), like every other file of a dataset folder.
CONTEXT_FILES = {name: schemas.FILE_SCHEMAS[name] for name in (
    "csto_contingents.csv", "csto_sites.csv", "emergency.csv", "blackout.csv", "figures.csv",
    "milestones.csv", "story.csv", "disputes.csv")}


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
    # Competing versions of an event's date, place or toll (data/README.md); may be empty.
    disputes: pd.DataFrame

    def with_events(self, load: LoadResult) -> Dataset:
        """The same context with another event file (an analyst's upload)."""
        # The disputes name the bundled events' ids: they do not apply to another file.
        # Labels the vocabulary lacks get a row and a colour so every page can draw them.
        return Dataset(**{**self.__dict__, "events": load.events, "load": load,
                          "disputes": self.disputes.iloc[0:0],
                          "event_types": vocab.with_types(self.event_types,
                                                          load.events["event_type"].unique())})


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
    if load is not None and "disputes.csv" in context:
        problems += _prefixed(_unknown_events(context["disputes.csv"], load.events),
                              "disputes.csv")
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
        disputes=context["disputes.csv"],
    )


def read_context_file(path: Path) -> pd.DataFrame:
    """Read one context file, checked and typed by its schema (kzunrest.schemas); an optional
    file that is absent reads as no rows."""
    path = Path(path)
    if path.name in schemas.OPTIONAL_FILES and not path.exists():
        return schemas.empty(path.name)
    return schemas.read_checked(path)


def _unknown_events(disputes: pd.DataFrame, events: pd.DataFrame) -> list[Problem]:
    known = set(events["event_id_cnty"])
    return [Problem(int(line), "event_id_cnty", eid, "no event in events.csv has this id")
            for line, eid in disputes["event_id_cnty"].items() if eid not in known]


def _prefixed(problems: list[Problem], name: str) -> list[Problem]:
    return [Problem(p.line, p.column, p.value, f"{name}: {p.message}") for p in problems]
