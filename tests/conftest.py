"""Shared fixtures: a tiny dataset folder built in code (two square regions, a few types);
for the browser tests, a server on the bundled data and a Chromium, one of each per module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def square(x0: float, y0: float, size: float) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    """Two 10° squares: "West Square" (lon 50-60) and "East Square" (lon 60-70), lat 40-50.

    Zhanaozen (52.9 E, 43.3 N) lies in West Square; Kyzylorda (65.5 E, 44.9 N) in East Square.
    """
    folder = tmp_path / "tiny"
    folder.mkdir()
    features = [
        {"type": "Feature", "properties": {"admin1": name}, "geometry": square(x, 40, 10)}
        for name, x in (("West Square", 50), ("East Square", 60))
    ]
    (folder / "regions_2022.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}))
    (folder / "event_types.csv").write_text(
        "event_type,sub_event_type,color\n"
        "Protests,Peaceful protest,#0072B2\n"
        "Riots,Violent demonstration,#E69F00\n"
        "Unclassified,Unclassified,#8C8C8C\n")
    (folder / "admin1_aliases.csv").write_text("alias,admin1\nWest,West Square\n")
    return folder


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the bundled dataset folder, safe to break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


EVENT_COLUMNS = ("event_id_cnty,event_date,event_time,time_precision,event_type,sub_event_type,"
                 "actor1,actor2,admin1,location,latitude,longitude,geo_precision,fatalities,"
                 "notes,source,source_url")


def event_line(eid: str, date: str, admin1: str, lon: float, lat: float,
               etype: str = "Protests,Peaceful protest") -> str:
    return (f"{eid},{date},,1,{etype},Protesters,,{admin1},Town,{lat},{lon},1,,note,"
            "Paper,https://example.org/a")


@pytest.fixture
def folder_2023(tiny_folder: Path) -> Path:
    """A whole dataset folder dated March 2023: events on 3, 4 and 7 March in the two squares,
    and every context file present but empty (no settings table)."""
    from kzunrest.dataset import CONTEXT_FILES

    lines = [EVENT_COLUMNS,
             event_line("E1", "2023-03-03", "West Square", 55, 45),
             event_line("E2", "2023-03-04", "East Square", 65, 45,
                        "Riots,Violent demonstration"),
             event_line("E3", "2023-03-07", "East Square", 65.5, 44.9)]
    (tiny_folder / "events.csv").write_text("\n".join(lines) + "\n")
    for name, schema in CONTEXT_FILES.items():
        (tiny_folder / name).write_text(",".join(schema.columns) + "\n")
    return tiny_folder


@pytest.fixture(autouse=True, scope="session")
def _dataset_cache(tmp_path_factory):
    """The checked-dataset cache (KZUNREST_CACHE) of the whole run in a temporary folder, so
    tests exercise it without writing into the checkout's .cache/; servers started by the
    browser tests inherit it."""
    import os

    folder = tmp_path_factory.mktemp("dataset-cache")
    before = os.environ.get("KZUNREST_CACHE")
    os.environ["KZUNREST_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("KZUNREST_CACHE", None)
    else:
        os.environ["KZUNREST_CACHE"] = before


@pytest.fixture(scope="module")
def server():
    """``streamlit run app.py`` on the bundled data (tests/browser.py), its URL."""
    from tests.browser import ARTIFACTS, streamlit_server

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium with software WebGL (tests/browser.py's flags)."""
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.browser import CHROMIUM_ARGS, chromium_path

    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()
