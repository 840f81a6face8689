"""Names of regions and places in the interface's languages, and a place search over them.

A dataset folder may carry ``admin1_names.csv`` (``admin1, name_kk, name_ru, ...``: the
regions' names as they were at the time) and ``place_names.csv`` (``location, name_kk,
name_ru, origin``: each event location's names, picked from its GeoNames alternate names).
Without them, or for a name they lack, the data's own (English) name is shown.

>>> n = Names({"Almaty": {"kk": "Алматы", "ru": "Алматы"}},
...           {"Uralsk": {"kk": "Орал", "ru": "Уральск"}})
>>> n.place("Uralsk", "kk"), n.place("Uralsk", "en"), n.region("Atlantis", "ru")
('Орал', 'Uralsk', 'Atlantis')
>>> n.match_places("орал", ["Uralsk", "Aktau"])
('Uralsk',)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

KAZAKH_LETTERS = set("әғқңөұүһі")
LANGS = ("kk", "ru")


def cyrillic(text: str) -> bool:
    """Whether the text is written in Cyrillic letters (Kazakh or Russian)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all("\u0400" <= ch <= "\u04ff" for ch in letters)


def search_key(text: str) -> str:
    """Case- and accent-insensitive, punctuation dropped; Kazakh letters stay themselves."""
    text = unicodedata.normalize("NFKD", str(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class Names:
    """``regions`` and ``places``: English name -> {language: name}; ``aliases``: further
    spellings a place is searchable by (places.csv alternate names)."""

    regions: dict[str, dict[str, str]] = field(default_factory=dict)
    places: dict[str, dict[str, str]] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def region(self, admin1: str, lang: str) -> str:
        return self.regions.get(admin1, {}).get(lang) or admin1

    def place(self, location: str, lang: str) -> str:
        return self.places.get(location, {}).get(lang) or location

    def spellings(self, location: str) -> list[str]:
        """Every name a place is known by here: English, Kazakh, Russian, aliases."""
        return [location, *self.places.get(location, {}).values(),
                *self.aliases.get(location, ())]

    def match_places(self, query: str, locations) -> tuple[str, ...]:
        """The locations one of whose names contains ``query`` (any language, any case)."""
        key = search_key(query)
        if not key:
            return ()
        return tuple(loc for loc in dict.fromkeys(locations)
                     if any(key in search_key(n) for n in self.spellings(loc)))

    def localize(self, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
        """A copy of ``frame`` with ``admin1`` and ``location`` in ``lang`` (for display)."""
        if lang not in LANGS or frame.empty:
            return frame
        out = frame.copy()
        if "admin1" in out:
            out["admin1"] = out["admin1"].map(lambda a: self.region(a, lang))
        if "location" in out:
            out["location"] = out["location"].map(lambda p: self.place(p, lang))
        return out


def _read(path: Path, key: str) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = {key, *(f"name_{lang}" for lang in LANGS)} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
    return {row[key]: {lang: row[f"name_{lang}"] for lang in LANGS if row[f"name_{lang}"]}
            for _, row in frame.iterrows()}


@functools.lru_cache(maxsize=8)
def read_names(folder: Path) -> Names:
    """The names a dataset folder carries (read once per folder)."""
    folder = Path(folder)
    aliases: dict[str, tuple[str, ...]] = {}
    places_csv = folder / "places.csv"
    if places_csv.exists():
        extra = pd.read_csv(places_csv, dtype=str, keep_default_na=False, encoding="utf-8")
        aliases = {r["name"]: tuple(a for a in r["alternate_names"].split("|") if a)
                   for _, r in extra.iterrows()}
    return Names(_read(folder / "admin1_names.csv", "admin1"),
                 _read(folder / "place_names.csv", "location"), aliases)
