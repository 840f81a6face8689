"""A dataset folder: the events plus the context files (CSTO, emergency, blackout, figures...).

Each context file is checked on reading; problems name the file, line, column and value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kzunrest import regions as regions_mod
from kzunrest import schemas, viewport, vocab
from kzunrest.errors import DataError, Problem
from kzunrest.loader import LoadResult, read_events

# The context files a Dataset holds; their columns and checks are declared once, as pandera
# schemas, in kzunrest.schemas (FILE_SCHEMAS), like every other file of a dataset folder.
_CONTEXT_NAMES = ("csto_contingents.csv", "csto_sites.csv", "emergency.csv", "blackout.csv",
                  "figures.csv", "milestones.csv", "story.csv", "disputes.csv")


def __getattr__(name: str):
    # CONTEXT_FILES (name -> schema) on demand: building the schemas imports pandera, which a
    # dataset read from the cache never needs.
    if name == "CONTEXT_FILES":
        return {n: schemas.file_schemas()[n] for n in _CONTEXT_NAMES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The optional settings table (settings.csv: setting, value): what a dataset may say about
# itself instead of leaving it to be derived from its data. Name -> (kind, help).
DATASET_SETTINGS: dict[str, tuple[str, str]] = {
    "first_day": ("date", "first day of the calendar (default: the earliest event)"),
    "last_day": ("date", "last day of the calendar (default: the latest event)"),
    "default_day": ("date", "the day the map opens on (default: the first day)"),
    "country": ("text", "ISO 3166 code of the country, for the gazetteer (default: the "
                        "country of most GeoNames towns inside the regions)"),
    "crs": ("text", "projected CRS for distances in metres (default: an equal-area "
                    "projection centred on the regions)"),
    "title": ("text", "the dashboard's title (default: the folder's name)"),
    "summary": ("text", "one sentence under the title on the Map page (default: none); the "
                        "first event and the day the last region was reached are added from "
                        "the events"),
    "title_kk": ("text", "the title in Kazakh (default: the title)"),
    "title_ru": ("text", "the title in Russian (default: the title)"),
    "summary_kk": ("text", "the summary in Kazakh (default: the summary)"),
    "summary_ru": ("text", "the summary in Russian (default: the summary)"),
}


def read_settings(folder: Path) -> dict[str, str]:
    """The folder's ``settings.csv`` as ``{setting: value}`` ({} when there is none); an
    unknown setting, a repeated one or a bad date is a :class:`DataError` naming its line."""
    path = Path(folder) / "settings.csv"
    if not path.exists():
        return {}
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError([Problem(None, None, None, f"unreadable: {err}")], path.name) from None
    missing = [c for c in ("setting", "value") if c not in raw.columns]
    if missing:
        raise DataError([Problem(1, c, None, "required column is missing") for c in missing],
                        path.name)
    problems, out = [], {}
    for line, name, value in zip(range(2, len(raw) + 2), raw["setting"].str.strip(),
                                 raw["value"].str.strip(), strict=True):
        if name not in DATASET_SETTINGS:
            problems.append(Problem(line, "setting", name, "unknown setting (known: "
                                    + ", ".join(DATASET_SETTINGS) + ")"))
        elif name in out:
            problems.append(Problem(line, "setting", name, "given twice"))
        elif DATASET_SETTINGS[name][0] == "date" and _iso_date(value) is None:
            problems.append(Problem(line, "value", value, "not a date (expected YYYY-MM-DD)"))
        else:
            out[name] = value
    if problems:
        raise DataError(problems, path.name)
    return out


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Calendar:
    """The days a dataset's animation runs over, and the day the map opens on."""

    first_day: dt.date
    last_day: dt.date
    default_day: dt.date


def calendar_of(events: pd.DataFrame, settings: dict[str, str]) -> Calendar:
    """The calendar from the settings where they name it, else from the events' dates.

    >>> ev = pd.DataFrame({"event_date": pd.to_datetime(["2023-03-04", "2023-03-01"])})
    >>> calendar_of(ev, {})
    Calendar(first_day=datetime.date(2023, 3, 1), last_day=datetime.date(2023, 3, 4), \
default_day=datetime.date(2023, 3, 1))
    >>> calendar_of(ev, {"default_day": "2023-03-02"}).default_day
    datetime.date(2023, 3, 2)
    """
    dates = events["event_date"].dropna() if "event_date" in events else pd.Series()
    first = _iso_date(settings.get("first_day", ""))
    last = _iso_date(settings.get("last_day", ""))
    if dates.empty and (first is None or last is None):
        raise ValueError("no dated events, and the settings name no first_day and last_day")
    first = first or dates.min().date()
    last = last or dates.max().date()
    if first > last:
        raise ValueError(f"first day {first} is after last day {last}")
    default = _iso_date(settings.get("default_day", "")) or first
    return Calendar(first, last, min(max(default, first), last))


@dataclass
class Dataset:
    """Everything a page shows, read once from a dataset folder.

    The calendar, camera, country and CRS belong to the dataset (settings.csv or derived from
    its events and regions): nothing about one country or year is written in the code.
    """

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
    settings: dict[str, str] = field(default_factory=dict)
    calendar: Calendar | None = None  # set from events and settings when None
    country: str | None = None
    crs: str = ""

    def __post_init__(self) -> None:
        if self.calendar is None:
            self.calendar = calendar_of(self.events, self.settings)
        if not self.crs:
            self.crs = self.settings.get("crs") or regions_mod.metric_crs(self.regions)
        if self.country is None:
            self.country = self.settings.get("country") or _infer_country(self.regions)

    @property
    def first_day(self) -> dt.date:
        return self.calendar.first_day

    @property
    def last_day(self) -> dt.date:
        return self.calendar.last_day

    @property
    def default_day(self) -> dt.date:
        """The day the map opens on: the settings' ``default_day``, else the first day."""
        return self.calendar.default_day

    def days(self) -> list[dt.date]:
        """Every day of the calendar, first to last."""
        return [self.first_day + dt.timedelta(days=i)
                for i in range((self.last_day - self.first_day).days + 1)]

    @property
    def initial_view(self) -> viewport.View:
        """The camera at which the regions fill a map of about 1200 x 700 pixels."""
        return self.view_for(*viewport.DEFAULT_SIZE)

    def view_for(self, width: int, height: int) -> viewport.View:
        """The camera at which the regions fill a map of ``width`` x ``height`` pixels."""
        return viewport.fit_bounds(tuple(self.regions.total_bounds), width, height)

    def with_events(self, load: LoadResult) -> Dataset:
        """The same context with another event file (an analyst's upload).

        The folder's calendar is kept when the new events fall inside it; otherwise the
        calendar is the new events' own (an upload of another year animates over its dates).
        """
        calendar = self.calendar
        dates = load.events["event_date"].dropna()
        if len(dates) and (dates.min().date() < calendar.first_day
                           or dates.max().date() > calendar.last_day):
            calendar = calendar_of(load.events, {})
        # The disputes name the bundled events' ids: they do not apply to another file.
        # Labels the vocabulary lacks get a row and a colour so every page can draw them.
        return Dataset(**{**self.__dict__, "events": load.events, "load": load,
                          "calendar": calendar, "disputes": self.disputes.iloc[0:0],
                          "event_types": vocab.with_types(self.event_types,
                                                          load.events["event_type"].unique())})


def _infer_country(regions: gpd.GeoDataFrame) -> str | None:
    from kzunrest.gazetteer import infer_country

    return infer_country(regions)


def read_dataset(folder: Path) -> Dataset:
    """Read and check a dataset folder; raises :class:`DataError` listing every problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    load = None
    settings: dict[str, str] = {}
    try:
        settings = read_settings(folder)
    except DataError as err:
        problems += _prefixed(err.problems, "settings.csv")
    try:
        load = read_events(folder / "events.csv", folder=folder)
    except DataError as err:
        problems += _prefixed(err.problems, "events.csv")
    context = {}
    for name in _CONTEXT_NAMES:
        try:
            context[name] = read_context_file(folder / name)
        except DataError as err:
            problems += _prefixed(err.problems, name)
    if load is not None and "disputes.csv" in context:
        problems += _prefixed(_unknown_events(context["disputes.csv"], load.events),
                              "disputes.csv")
    if problems:
        raise DataError(problems, str(folder))
    try:
        calendar = calendar_of(load.events, settings)
    except ValueError as err:
        raise DataError([Problem(None, None, None, f"settings.csv: {err}")],
                        str(folder)) from None
    return Dataset(
        folder=folder, events=load.events, load=load,
        regions=regions_mod.read_regions(folder / "regions_2022.geojson"),
        event_types=vocab.read_event_types(folder),
        contingents=context["csto_contingents.csv"], sites=context["csto_sites.csv"],
        emergency=context["emergency.csv"], blackout=context["blackout.csv"],
        figures=context["figures.csv"], milestones=context["milestones.csv"],
        story=context["story.csv"].sort_values("step", ignore_index=True),
        disputes=context["disputes.csv"], settings=settings, calendar=calendar,
    )


def read_context_file(path: Path) -> pd.DataFrame:
    """Read one context file, checked and typed by its schema (kzunrest.schemas); an optional
    file that is absent reads as no rows."""
    path = Path(path)
    if path.name in schemas.OPTIONAL_FILES and not path.exists():
        return schemas.empty(path.name)
    return schemas.read_checked(path)


def _unknown_events(disputes: pd.DataFrame, events: pd.DataFrame) -> list[Problem]:
    # isin, not a Python set of every id: at 10^6 events the set took seconds to build.
    if disputes.empty:
        return []
    ids = disputes["event_id_cnty"]
    unknown = ids[~ids.isin(events["event_id_cnty"])]
    return [Problem(int(line), "event_id_cnty", eid, "no event in events.csv has this id")
            for line, eid in unknown.items()]


def _prefixed(problems: list[Problem], name: str) -> list[Problem]:
    return [Problem(p.line, p.column, p.value, f"{name}: {p.message}") for p in problems]
