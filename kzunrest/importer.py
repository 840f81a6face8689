"""Other people's event files: guess which column holds what, and read their dates.

A generic file's columns are chosen by their names and by their content (values that read as
dates or datetimes, numbers within latitude and longitude ranges, a small set of labels for a
category, long text for notes); every choice is reported with its reason, and any of them can
be named by hand. Dates are read in the common formats listed in :data:`DATE_FORMATS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kzunrest.schemas import matches, to_date

# Written out in messages, so a person knows every form the loader accepts.
DATE_FORMATS = [
    "YYYY-MM-DD",
    "YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS], optionally with a zone (Z, +06:00)",
    "M/D/YYYY [H:MM] (D/M/YYYY when the file is day-first)",
    "D.M.YYYY [H:MM]",
    "D Month YYYY (as ACLED writes it, e.g. 05 January 2022)",
]
ACCEPTED = "; ".join(DATE_FORMATS)

_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
_ZONED = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_ISO_TIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"
_SLASH = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_DOT = r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_MONTH_NAME = r"^\d{1,2} [A-Za-z]+ \d{4}$"

# Values of a column that says how an item was recorded, not what happened.
MEDIA_WORDS = {"video", "videos", "photo", "photos", "picture", "pictures", "image", "images",
               "audio", "text", "link", "tweet", "post", "gif", "document", "jpg", "jpeg",
               "png", "mp4", "livestream", "stream"}


@dataclass
class Dates:
    """Parsed dates: naive timestamps, whether each value gave a time, and whether it was in
    UTC (a zone in the value, or a column said to be UTC) and still needs local time."""

    values: pd.Series
    has_time: pd.Series
    utc: pd.Series
    day_first: bool | None = None
    notes: list[str] = field(default_factory=list)


def parse_dates(text: pd.Series, *, formats: str = "any", day_first: bool | None = None,
                utc_column: bool = False) -> Dates:
    """Read dates in the accepted formats (``formats``: "iso" for our own files, "acled" for
    ISO, dotted and ``05 January 2022``, "any" for everything in :data:`DATE_FORMATS`).

    ``day_first`` settles ``1/2/2022``; when None, the values decide (a first number above 12
    proves day-first, a second above 12 month-first) and month-first is assumed otherwise.

    >>> d = parse_dates(pd.Series(["1/2/2022 19:58", "2022-01-05T10:00:00+06:00"]))
    >>> d.values.dt.strftime("%Y-%m-%d %H:%M").tolist(), d.utc.tolist()
    (['2022-01-02 19:58', '2022-01-05 04:00'], [False, True])
    """
    text = text.astype("str").str.strip()
    values = to_date(text)  # the common case, fast: plain ISO dates
    has_time = pd.Series(False, index=text.index)
    utc = pd.Series(bool(utc_column), index=text.index)
    out = Dates(values, has_time, utc, day_first)
    rest = values.isna() & (text != "")
    if not rest.any():
        return out
    sub = text[rest]
    iso = matches(sub, _ISO)
    if iso.any():
        part = sub[iso]
        zoned = matches(part, _ZONED)
        if zoned.any():
            parsed = pd.to_datetime(part[zoned], format="ISO8601", utc=True, errors="coerce")
            values.loc[part.index[zoned]] = parsed.dt.tz_localize(None).to_numpy()
            utc.loc[part.index[zoned]] = True
        if (~zoned).any():
            plain = part[~zoned]
            values.loc[plain.index] = pd.to_datetime(plain, format="ISO8601",
                                                     errors="coerce").to_numpy()
        has_time.loc[part.index] = matches(part, _ISO_TIME)
    if formats == "iso":
        return out
    if formats == "any":
        slash = sub[matches(sub, _SLASH)]
        if len(slash):
            parts = slash.str.extract(_SLASH).astype(float)
            if out.day_first is None:
                out.day_first = bool((parts[0] > 12).any()) and not bool((parts[1] > 12).any())
                out.notes.append(
                    "dates like 1/2/2022 read day-first (a first number above 12 proves it)"
                    if out.day_first else
                    "dates like 1/2/2022 read month-first (M/D/YYYY)"
                    + ("" if (parts[1] > 12).any() else "; the values do not prove it: "
                       "say day-first if they are D/M/YYYY"))
            day, month = (parts[0], parts[1]) if out.day_first else (parts[1], parts[0])
            _assemble(values, has_time, slash.index, parts[2], month, day, parts[3], parts[4],
                      parts[5])
    dotted = sub[matches(sub, _DOT)]
    if len(dotted):
        parts = dotted.str.extract(_DOT).astype(float)
        _assemble(values, has_time, dotted.index, parts[2], parts[1], parts[0], parts[3],
                  parts[4], parts[5])
    named = sub[matches(sub, _MONTH_NAME)]
    if len(named):
        values.loc[named.index] = pd.to_datetime(named, format="%d %B %Y",
                                                 errors="coerce").to_numpy()
    return out


def _assemble(values, has_time, index, year, month, day, hour, minute, second) -> None:
    frame = pd.DataFrame({"year": year, "month": month, "day": day,
                          "hour": hour.fillna(0), "minute": minute.fillna(0),
                          "second": second.fillna(0)})
    valid = (frame["hour"] < 24) & (frame["minute"] < 60) & (frame["second"] < 60)
    stamps = pd.to_datetime(frame.where(valid), errors="coerce")
    values.loc[index] = stamps.to_numpy()
    has_time.loc[index] = hour.notna().to_numpy()


# --- guessing columns ------------------------------------------------------------------------

# Our field -> (exact names, name fragments), all lower case; an exact name scores higher.
NAME_PATTERNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "event_date": (("event_date", "date", "datetime", "timestamp", "day", "time", "when"),
                   ("date", "time", "day")),
    "latitude": (("latitude", "lat", "y"), ("latitude", "lat")),
    "longitude": (("longitude", "lon", "lng", "long", "x"), ("longitude", "lon", "lng")),
    "location": (("location", "place", "city", "town", "locality", "settlement", "village",
                  "site"), ("location", "place", "city", "town")),
    "event_type": (("event_type", "category", "label", "class", "kind", "type",
                    "event_category"), ("category", "label", "type")),
    "notes": (("notes", "description", "desc", "text", "comment", "summary", "details"),
              ("description", "note", "summary")),
    "admin1": (("admin1", "region", "oblast", "province", "state"), ("admin1", "oblast")),
    "event_id_cnty": (("event_id_cnty", "event_id", "id"), ()),
    "event_time": (("event_time",), ()),
    "sub_event_type": (("sub_event_type", "subtype", "sub_type"), ()),
    "actor1": (("actor1", "actor"), ()),
    "actor2": (("actor2",), ()),
    "source": (("source", "publisher"), ()),
    "source_url": (("source_url", "url", "link"), ()),
    "fatalities": (("fatalities", "deaths", "killed"), ()),
    "time_precision": (("time_precision",), ()),
    "geo_precision": (("geo_precision",), ()),
}
# Names that mark a date of the record's handling, not of the event.
_BOOKKEEPING = ("download", "created", "updated", "modified", "retrieved", "scraped",
                "accessed", "upload")
# Short names a person can give on the command line and in the Data page.
FIELD_NAMES = {"date": "event_date", "latitude": "latitude", "lat": "latitude",
               "longitude": "longitude", "lon": "longitude", "place": "location",
               "location": "location", "type": "event_type", "notes": "notes",
               "region": "admin1", "id": "event_id_cnty", "time": "event_time",
               "source": "source", "url": "source_url", "fatalities": "fatalities",
               "actor": "actor1"}
SAMPLE = 500


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _name_score(target: str, name: str) -> int:
    exact, fragments = NAME_PATTERNS[target]
    n = _norm(name)
    if n in exact:
        score = 3
    elif any(f in n for f in fragments):
        score = 2
    else:
        return 0
    if target == "event_date":
        if any(b in n for b in _BOOKKEEPING):
            score -= 3
        if "utc" in n.split("_"):
            score += 1  # a known zone beats an unknown one
    return score


def _sample(s: pd.Series) -> pd.Series:
    s = s.astype("str").str.strip()
    return s[s != ""].head(SAMPLE)


def _share(mask) -> float:
    mask = np.asarray(mask, dtype=bool)
    return float(mask.mean()) if len(mask) else 0.0


@dataclass
class Guess:
    """The columns chosen for our fields, and why."""

    columns: dict[str, str] = field(default_factory=dict)  # our field -> the file's column
    reasons: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return "; ".join(f"{self.columns[t]!r} → {t} ({self.reasons[t]})" for t in self.columns)


def _content(target: str, values: pd.Series) -> tuple[float, str]:
    """How well a column's sampled values fit a field (0 to 1), and the reason in words."""
    if values.empty:
        return 0.0, "empty"
    if target == "event_date":
        share = _share(parse_dates(values).values.notna())
        return share, f"{share:.0%} of values read as dates"
    if target in ("latitude", "longitude"):
        numbers = pd.to_numeric(values, errors="coerce")
        limit = 90 if target == "latitude" else 180
        fits = numbers.between(-limit, limit) & (numbers.round() != numbers)
        share = _share(fits)
        return share, f"{share:.0%} of values are decimal numbers within ±{limit}"
    if target == "event_type":
        distinct = values.str.lower().unique()
        if len(distinct) and _share([v in MEDIA_WORDS for v in distinct]) >= 0.5:
            return 0.0, "values name media (" + ", ".join(sorted(distinct)[:4]) + "), not events"
        few = len(distinct) <= max(30, len(values) // 5)
        return (1.0 if few else 0.2), f"{len(distinct)} distinct labels"
    if target == "notes":
        mean = float(values.str.len().mean())
        return min(1.0, mean / 60), f"text of {mean:.0f} characters on average"
    if target == "source_url":
        share = _share(values.str.match(r"^https?://"))
        return share, f"{share:.0%} of values are web addresses"
    return 1.0, "by name"


def guess_columns(raw: pd.DataFrame, given: dict[str, str] | None = None) -> Guess:
    """Choose a file column for each of our fields, by name and by content.

    ``given`` (our field -> the file's column) is taken as is. Dates, coordinates and the
    type are looked for first; each file column feeds at most one field.

    >>> raw = pd.DataFrame({"when (UTC)": ["1/2/2022 19:58"], "lat": ["43.65"],
    ...                     "lon": ["51.17"], "label": ["protest"], "type": ["video"]})
    >>> guess_columns(raw).columns  # doctest: +NORMALIZE_WHITESPACE
    {'event_date': 'when (UTC)', 'latitude': 'lat', 'longitude': 'lon',
     'event_type': 'label'}
    """
    guess = Guess()
    used: set[str] = set()
    for target, column in (given or {}).items():
        guess.columns[target] = column
        guess.reasons[target] = "named by you"
        used.add(column)
    samples = {c: _sample(raw[c]) for c in raw.columns}
    for target in NAME_PATTERNS:
        if target in guess.columns:
            continue
        best, best_score, best_reason = None, 0.0, ""
        for column in raw.columns:
            if column in used:
                continue
            name = max(0, _name_score(target, column))
            needs_content = target in ("event_date", "latitude", "longitude", "event_type",
                                       "notes", "source_url")
            if not name and target not in ("event_date", "latitude", "longitude"):
                continue
            fit, why = _content(target, samples[column]) if needs_content else (1.0, "")
            # A fitting name is enough (bad values are then reported, not a reason to look
            # elsewhere); a column chosen by content alone must fit well. Media never is a type.
            if why.startswith("values name media") or (not name and fit < 0.9):
                continue
            score = name + 2 * fit
            if score > best_score:
                best, best_score = column, score
                best_reason = ("name" if name else "content") + (f"; {why}" if why else "")
        if best is not None:
            guess.columns[target] = best
            guess.reasons[target] = best_reason
            used.add(best)
    return guess
