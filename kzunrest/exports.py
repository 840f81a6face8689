"""Downloads of (filtered) events: CSV safe to open in a spreadsheet, and GeoJSON."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from kzunrest.loader import COLUMNS

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    >>> neutralise('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _for_export(events: pd.DataFrame) -> pd.DataFrame:
    out = events[COLUMNS].copy()
    out["event_date"] = out["event_date"].dt.strftime("%Y-%m-%d")
    return out


def events_csv(events: pd.DataFrame) -> bytes:
    """The events in our schema as UTF-8 CSV; text cells are neutralised against formulas."""
    out = _for_export(events)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].fillna("").astype(str).map(neutralise)
    return out.to_csv(index=False).encode("utf-8")


def events_geojson(events: pd.DataFrame) -> bytes:
    """The events as a GeoJSON FeatureCollection of points (WGS84)."""
    out = _for_export(events)
    out["fatalities"] = pd.to_numeric(out["fatalities"], errors="coerce")  # null: unknown
    frame = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out.longitude, out.latitude),
                             crs=4326)
    return frame.to_json(drop_id=True, na="null").encode("utf-8")
