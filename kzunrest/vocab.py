"""The dataset's vocabularies, read from its folder: event types and colours, region aliases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kzunrest import schemas

# A generic file's types that are not in the vocabulary become this type (documented in
# data/README.md) instead of failing validation.
FALLBACK_TYPE = "Unclassified"


def read_event_types(folder: Path) -> pd.DataFrame:
    """``event_type, sub_event_type, color`` rows; the colour is per type.

    Colours must be ``#rrggbb`` (checked by the file's schema in kzunrest.schemas): they end
    up in style attributes, so nothing else may pass.
    """
    return schemas.read_checked(Path(folder) / "event_types.csv").reset_index(drop=True)


def read_aliases(folder: Path) -> dict[str, str]:
    """Other spellings of region names (ACLED's, present-day ones) mapped to January 2022's."""
    frame = schemas.read_checked(Path(folder) / "admin1_aliases.csv")
    return dict(zip(frame["alias"], frame["admin1"], strict=True))


def type_colors(event_types: pd.DataFrame) -> dict[str, str]:
    """Hex colour per event type, in the vocabulary's order."""
    return dict(event_types.drop_duplicates("event_type")[["event_type", "color"]].itertuples(
        index=False, name=None))


# Colours for types an uploaded file brings that the vocabulary lacks (labels of another
# project, kept as written); Tableau 10, then the fallback type's grey.
EXTRA_COLORS = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1",
                "#FF9DA7", "#9C755F"]


def with_types(event_types: pd.DataFrame, types) -> pd.DataFrame:
    """The vocabulary plus a row (and a colour) for each type in ``types`` it lacks, so
    every page can draw and list a file's own labels."""
    known = set(event_types["event_type"])
    new = [t for t in dict.fromkeys(types) if t not in known]
    if not new:
        return event_types
    grey = type_colors(event_types).get(FALLBACK_TYPE, "#8C8C8C")
    rows = pd.DataFrame({"event_type": new, "sub_event_type": FALLBACK_TYPE,
                         "color": [EXTRA_COLORS[i] if i < len(EXTRA_COLORS) else grey
                                   for i in range(len(new))]})
    return pd.concat([event_types, rows], ignore_index=True)
