"""One schema system for every file of a dataset: pandera schemas over the file's raw text.

Each column of a file is declared once, with the checks its values must pass; each check
carries the message a person reads (``error=``), so a failure becomes
``line N, column 'c', value 'v': message`` without any translation table. Checks run on the
text as written (so the message can quote it) and skip blank cells; a separate check says
when a required value is missing. After validation, :func:`typed` converts each column to
its kind (dates, times, numbers) once.

>>> schema = table_schema("t.csv", [text("name", required=True), number("lat", -90, 90)])
>>> frame, problems = validate(pd.DataFrame({"name": ["A", ""], "lat": ["43.2", "95"]},
...                                          index=pd.Index([2, 3], name="line")), schema)
>>> [str(p) for p in problems]
["line 3, column 'name', value '': the value is missing", \
"line 3, column 'lat', value '95': must be between -90 and 90"]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pyarrow
import pyarrow.compute as pc

from kzunrest.errors import DataError, Problem
from kzunrest.tables import read_table_file

if TYPE_CHECKING:
    import pandera.pandas as pa
else:
    class _Pandera:
        """``pandera.pandas``, imported on first use: a restart that reads the checked dataset
        from its cache (kzunrest/dataset_cache.py) never runs a check, and importing pandera
        cost about 0.4 s of CPU (1 s on a busy machine) of the first page's run."""

        def __getattr__(self, name: str):
            import pandera.pandas

            return getattr(pandera.pandas, name)

    pa = _Pandera()

ISO_DATE = "YYYY-MM-DD"
TIME_HELP = "not a time: write it as HH:MM on a 24-hour clock (e.g. 17:20)"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_WHOLE = r"^\d+$"
_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
_URLS = r"^https?://[^\s/]\S*(\s+https?://[^\s/]\S*)*$"


# --- fast conversions of text columns (pyarrow compute; blank cells become missing) --------

def _arrow(s: pd.Series) -> pyarrow.Array:
    return pyarrow.array(s.astype("str"), type=pyarrow.large_string(), from_pandas=True)


def matches(s: pd.Series, pattern: str) -> np.ndarray:
    """Whether each value matches a regular expression (RE2 syntax), as a numpy bool array."""
    out = pc.match_substring_regex(_arrow(s), pattern)
    return out.fill_null(False).to_numpy(zero_copy_only=False)


def to_float(s: pd.Series) -> pd.Series:
    """Numbers as floats; blank or unreadable cells become NaN."""
    arr = _arrow(s)
    ok = pc.match_substring_regex(arr, _NUMBER).fill_null(False)
    values = pc.cast(pc.if_else(ok, arr, pyarrow.scalar(None, arr.type)), pyarrow.float64())
    return pd.Series(values.to_numpy(zero_copy_only=False), index=s.index, dtype=float)


def to_whole(s: pd.Series) -> pd.Series:
    """Non-negative whole numbers as nullable integers; anything else becomes missing."""
    arr = _arrow(s)
    ok = pc.match_substring_regex(arr, _WHOLE).fill_null(False)
    values = pc.cast(pc.if_else(ok, arr, pyarrow.scalar(None, arr.type)), pyarrow.int64())
    floats = values.to_numpy(zero_copy_only=False).astype(float)  # nulls become NaN
    return pd.Series(pd.array(floats, dtype="Int64"), index=s.index)


def to_date(s: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    """Dates in one strptime format as ``datetime64[ns]``; anything else becomes NaT."""
    parsed = pc.strptime(_arrow(s), format=fmt, unit="s", error_is_null=True)
    out = pd.Series(parsed.to_numpy(zero_copy_only=False), index=s.index)
    return out.astype("datetime64[ns]")


# --- checks: each skips blank cells and carries its message ---------------------------------

def _not_blank(s: pd.Series) -> np.ndarray:
    return (s.str.strip() != "").to_numpy()


def check(rule: Callable[[pd.Series], np.ndarray], message: str) -> pa.Check:
    """A pandera check of the non-blank cells: ``rule`` says which values are fine."""
    def run(s: pd.Series) -> pd.Series:
        filled = _not_blank(s)
        ok = np.ones(len(s), dtype=bool)
        if filled.any():
            ok[filled] = np.asarray(rule(s[filled]), dtype=bool)
        return pd.Series(ok, index=s.index)

    return pa.Check(run, error=message)


@functools.cache
def _required() -> pa.Check:
    return pa.Check(lambda s: pd.Series(_not_blank(s), index=s.index),
                    error="the value is missing")


def _column(name: str, checks: list[pa.Check], kind: str, required: bool,
            **meta) -> pa.Column:
    if required:
        checks = [_required(), *checks]
    return pa.Column(checks=checks, name=name, required=True, nullable=True,
                     metadata={"kind": kind, **meta})


def text(name: str, required: bool = False, one_of: Iterable[str] | None = None,
         message: str | None = None) -> pa.Column:
    """Free text; ``one_of`` restricts it to a vocabulary."""
    checks = []
    if one_of is not None:
        allowed = sorted(set(one_of))
        checks.append(check(lambda s: s.str.strip().isin(allowed).to_numpy(),
                            message or "must be one of: " + ", ".join(allowed)))
    return _column(name, checks, "text", required)


def unique_text(name: str, message: str = "appears more than once (each value must be unique)"
                ) -> pa.Column:
    """A required identifier; a repeat is reported on the later line."""
    return _column(name, [check(lambda s: ~s.str.strip().duplicated().to_numpy(), message)],
                   "text", True)


def date(name: str, required: bool = False) -> pa.Column:
    """A date written ``YYYY-MM-DD``."""
    return _column(name, [check(lambda s: to_date(s.str.strip()).notna().to_numpy(),
                                f"not a date: write it as {ISO_DATE} (e.g. 2022-01-05)")],
                   "date", required)


def time(name: str, required: bool = False) -> pa.Column:
    """A local time ``HH:MM``."""
    return _column(name, [check(lambda s: matches(s.str.strip(), _TIME), TIME_HELP)],
                   "time", required)


def number(name: str, lo: float | None = None, hi: float | None = None,
           required: bool = False, message: str | None = None) -> pa.Column:
    """A decimal number, optionally within ``[lo, hi]``."""
    # Too many digits for a float (1e400) is not a number either: it would read as infinity.
    checks = [check(lambda s: np.isfinite(to_float(s.str.strip()).to_numpy()), "not a number")]
    if lo is not None or hi is not None:
        low, high = -np.inf if lo is None else lo, np.inf if hi is None else hi
        checks.append(check(lambda s: ~to_float(s.str.strip()).lt(low).to_numpy()
                            & ~to_float(s.str.strip()).gt(high).to_numpy(),
                            message or f"must be between {lo:g} and {hi:g}"))
    return _column(name, checks, "float", required)


def whole(name: str, required: bool = False, one_of: Iterable[int] | None = None,
          message: str | None = None) -> pa.Column:
    """A whole number >= 0 (a count, a precision code)."""
    checks = [check(lambda s: matches(s.str.strip(), _WHOLE),
                    "not a whole number (write 0, 1, 2...; leave blank when unknown)")]
    if one_of is not None:
        allowed = sorted(one_of)
        checks.append(check(lambda s: to_whole(s.str.strip()).isin(allowed).to_numpy()
                            | ~matches(s.str.strip(), _WHOLE),
                            message or "must be " + ", ".join(map(str, allowed[:-1]))
                            + f" or {allowed[-1]}"))
    return _column(name, checks, "int", required)


def urls(name: str, required: bool = False) -> pa.Column:
    """One or more http(s) addresses separated by whitespace."""
    return _column(name, [check(lambda s: matches(s.str.strip(), _URLS),
                                "not http(s) addresses (several are separated by spaces)")],
                   "text", required)


def by_value(s: pd.Series, rule: Callable[[object], bool]) -> np.ndarray:
    """``rule`` applied once per distinct value (columns repeat a few values a million times)."""
    codes, uniques = pd.factorize(s)
    verdict = np.array([bool(rule(u)) for u in uniques] + [False], dtype=bool)
    return verdict[codes]


def row_check(column: str, rule: Callable[[pd.DataFrame], pd.Series], message: str
              ) -> pa.Check:
    """A check across columns, reported on ``column`` of each failing row."""
    return pa.Check(lambda df: pd.Series(np.asarray(rule(df), dtype=bool), index=df.index),
                    error=message, name=f"row:{column}")


def table_schema(name: str, columns: list[pa.Column], checks: list[pa.Check] = ()
                 ) -> pa.DataFrameSchema:
    """A file's schema: its columns in order, every one required in the header."""
    return pa.DataFrameSchema({c.name: c for c in columns}, checks=list(checks), name=name,
                              strict=False)


# --- running a schema -----------------------------------------------------------------------

def missing_columns(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> list[Problem]:
    """A problem for each declared column the header lacks."""
    header = set(frame.columns)
    return [Problem(1, c, None, "required column is missing") for c in schema.columns
            if c not in header]


def failures(frame: pd.DataFrame, schema: pa.DataFrameSchema,
             rename: dict[str, str] | None = None) -> list[Problem]:
    """Every check that fails, as problems naming the line (the frame's index), the column
    (through ``rename``: our name -> the file's) and the value as written."""
    rename = rename or {}
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    row_checks = {c.error: (c.name or "").removeprefix("row:") for c in schema.checks}
    problems = []
    seen: set[tuple] = set()
    for case in cases.itertuples(index=False):
        index = case.index
        if index is None or (isinstance(index, float) and np.isnan(index)):
            continue
        line, message = int(index), str(case.check)
        # A row check fails once per column of the row: report it once, on its own column.
        column = row_checks.get(message, case.column)
        if (line, column, message) in seen:
            continue
        seen.add((line, column, message))
        value = (str(frame.at[line, column]) if column in frame.columns and line in frame.index
                 else str(case.failure_case))
        problems.append(Problem(line, rename.get(column, column), value, message))
    return problems


def typed(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """The frame's declared columns converted to their kinds (call after validation)."""
    out = pd.DataFrame(index=frame.index)
    for name, column in schema.columns.items():
        values = frame[name].str.strip()
        kind = (column.metadata or {}).get("kind", "text")
        if kind == "date":
            out[name] = to_date(values)
        elif kind == "float":
            out[name] = to_float(values)
        elif kind == "int":
            out[name] = to_whole(values)
        else:
            out[name] = values.astype(object) if len(values) == 0 else values
    return out


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema
             ) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a text frame indexed by line; returns the typed frame and every problem."""
    problems = missing_columns(frame, schema)
    if problems:
        return frame, problems
    problems = failures(frame, schema)
    return (frame if problems else typed(frame, schema)), problems


# --- the files of a dataset folder ----------------------------------------------------------

def _lat(name: str, required: bool = True) -> pa.Column:
    return number(name, -90, 90, required, "latitude must be between -90 and 90")


def _lon(name: str, required: bool = True) -> pa.Column:
    return number(name, -180, 180, required, "longitude must be between -180 and 180")


DISPUTED_FIELDS = ("event_date", "location", "admin1", "fatalities", "event_type", "actor1",
                   "notes")

@functools.cache
def file_schemas() -> dict[str, pa.DataFrameSchema]:
    """Every context file of a dataset folder; those in OPTIONAL_FILES may be absent. Built
    on first use (it imports pandera), and also readable as ``FILE_SCHEMAS``."""
    return {s.name: s for s in [
        table_schema("csto_contingents.csv", [
            text("country", True), whole("personnel"), text("personnel_note"), text("units"),
            text("origin_name", True), _lat("origin_lat"), _lon("origin_lon"),
            text("destination_name", True), _lat("destination_lat"), _lon("destination_lon"),
            date("left_home_date"), date("arrival_date"), date("departure_date", True),
            text("tasks"), urls("source_url", True)]),
        table_schema("csto_sites.csv", [
            unique_text("site_id"), text("name", True), text("city"), _lat("latitude"),
            _lon("longitude"), whole("geo_precision", True, one_of=(1, 2, 3)),
            text("contingent"), text("task"), date("start_date"), date("end_date"),
            urls("source_url", True)]),
        table_schema("emergency.csv", [
            text("admin1", True), date("start_date", True), time("start_time"),
            date("end_date"), time("end_time"), text("curfew"), urls("source_url", True)]),
        table_schema("blackout.csv", [
            text("scope", True), text("admin1"), date("start_date", True), time("start_time"),
            date("end_date"), time("end_time"), text("description"),
            urls("source_url", True)]),
        table_schema("figures.csv", [
            date("announced_date", True), time("announced_time"), text("metric", True),
            whole("value", True), text("value_note"), text("announced_by", True),
            text("status", True), urls("source_url", True)]),
        table_schema("milestones.csv", [
            date("date", True), time("time"), text("title", True), text("description", True),
            urls("source_url", True)]),
        table_schema("story.csv", [
            whole("step", True), date("date", True), text("title", True),
            text("caption", True), _lon("longitude"), _lat("latitude"),
            number("zoom", 0, 24, True), text("layers"), urls("source_url", True)]),
        table_schema("disputes.csv", [
            text("event_id_cnty", True),
            text("field", True, one_of=DISPUTED_FIELDS,
                 message="not a field that can be disputed; one of: "
                 + ", ".join(DISPUTED_FIELDS)),
            text("value", True), text("source", True), urls("source_url", True),
            text("note")]),
        table_schema("utc_offsets.csv", [
            text("admin1", True), number("utc_offset", -12, 14, True),
            urls("source_url", True)]),
        table_schema("places.csv", [
            text("name", True), text("alternate_names"), _lat("latitude"), _lon("longitude"),
            text("source", True)]),
        table_schema("event_types.csv", [
            text("event_type", True), text("sub_event_type", True),
            _column("color", [check(lambda s: matches(s.str.strip(), r"^#[0-9A-Fa-f]{6}$"),
                                    "not a #rrggbb colour")], "text", True)]),
        table_schema("admin1_aliases.csv", [
            unique_text("alias", "the alias appears more than once"), text("admin1", True)]),
    ]}


def __getattr__(name: str):
    if name == "FILE_SCHEMAS":
        return file_schemas()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


OPTIONAL_FILES = frozenset({"disputes.csv", "utc_offsets.csv", "places.csv"})


def read_checked(path: Path) -> pd.DataFrame:
    """Read a dataset file declared in :data:`FILE_SCHEMAS` and return it typed, indexed by
    line; raises :class:`DataError` with every problem (the file's name as its source)."""
    path = Path(path)
    schema = file_schemas()[path.name]
    frame, problems = validate(read_table_file(path), schema)
    if problems:
        raise DataError(problems, path.name)
    return frame


def empty(name: str) -> pd.DataFrame:
    """An optional file's typed frame with no rows (the file is absent)."""
    schema = file_schemas()[name]
    raw = pd.DataFrame({c: pd.Series([], dtype="str") for c in schema.columns},
                       index=pd.Index([], dtype=int, name="line"))
    return typed(raw, schema)
