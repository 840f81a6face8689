"""In headless Chromium: the map draws Kazakhstan, responds to the slider and Play, and its
tooltips show escaped text. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from kzunrest import viewport
from kzunrest.regions import read_regions
from tests.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, project, streamlit_server
from tests.conftest import DATA

# The map's camera for the bundled data, as Dataset.initial_view computes it.
INITIAL_VIEW = viewport.fit_bounds(
    tuple(read_regions(DATA / "regions_2022.geojson").total_bounds), *viewport.DEFAULT_SIZE)

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []
    pg.outside_requests = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.console_errors.append("dialog: " + d.message), d.dismiss()))
    pg.on("request", lambda r: "127.0.0.1" not in r.url and not r.url.startswith("data:")
          and pg.outside_requests.append(r.url))
    yield pg
    context.close()


def open_map(page, server, query: str = "") -> None:
    page.goto(f"{server}/?basemap=offline{query}")
    page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                           " || true")
    time.sleep(3)  # deck.gl fetches the static layers, then draws


def map_image(page) -> Image.Image:
    box = page.locator("[data-testid='stDeckGlJsonChart']").first
    return Image.open(io.BytesIO(box.screenshot())).convert("RGB")


def changed_fraction(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ visibly between two images of the same map."""
    pa, pb = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    h, w = min(pa.shape[0], pb.shape[0]), min(pa.shape[1], pb.shape[1])
    return float((np.abs(pa[:h, :w] - pb[:h, :w]).sum(axis=2) > 30).mean())


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a place on the map in its initial view."""
    box = page.locator("[data-testid='stDeckGlJsonChart']").first.bounding_box()
    view = INITIAL_VIEW.__dict__
    x, y = project(lon, lat, view, box["width"], box["height"])
    return box["x"] + x, box["y"] + y


def hover(page, lon: float, lat: float):
    """Move the mouse over a place on the map and return the tooltip."""
    page.mouse.move(*map_point(page, lon, lat))
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    return tooltip


def slider_label(page) -> str:
    return page.locator(".st-key-date [data-testid='stSliderThumbValue']").first.inner_text()


def test_map_draws_kazakhstan_offline_without_errors(page, server):
    open_map(page, server, "&date=2022-01-05")
    img = map_image(page)
    img.save(ARTIFACTS / "map-jan05.png")
    page.screenshot(path=ARTIFACTS / "page-jan05.png", full_page=True)
    w, h = img.size
    # The centre of the map is Kazakhstan: its regions are drawn over the blank background.
    centre = np.asarray(img.crop((w // 2 - 60, h // 2 - 60, w // 2 + 60, h // 2 + 60)), int)
    background = np.array([0xEE, 0xF0, 0xF2])
    drawn = (np.abs(centre - background).sum(axis=2) > 20).mean()
    assert drawn > 0.5
    assert page.console_errors == []
    assert page.outside_requests == []


def test_arrow_keys_move_the_day_and_the_map_changes(page, server):
    open_map(page, server, "&date=2022-01-03")
    before = map_image(page)
    assert "3 Jan" in slider_label(page)
    page.locator(".st-key-date input[type='range']").first.focus()
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        time.sleep(0.3)
    page.wait_for_function("() => location.search.includes('date=2022-01-05')", timeout=20_000)
    time.sleep(3)
    after = map_image(page)
    after.save(ARTIFACTS / "map-after-arrows.png")
    assert "5 Jan" in slider_label(page)
    assert changed_fraction(before, after) > 0.01


def test_play_advances_the_date_one_day_at_a_time(page, server):
    open_map(page, server, "&date=2022-01-02&speed=fast")
    page.get_by_text("Play").first.click()
    page.wait_for_function("() => location.search.includes('play=true')", timeout=20_000)
    seen: list[int] = []
    start = time.monotonic()
    while time.monotonic() - start < 8:
        day = int(slider_label(page).split()[1])
        if not seen or seen[-1] != day:
            seen.append(day)
        time.sleep(0.1)
    page.screenshot(path=ARTIFACTS / "page-playing.png")
    assert len(seen) >= 3, seen
    # Every day shown, in order: no skipped day and no step back.
    assert seen == list(range(seen[0], seen[0] + len(seen))), seen


def test_hovering_an_event_shows_its_escaped_tooltip(page, server):
    # Jan 5 in Almaty: hover the city's point, with only that day's events drawn.
    open_map(page, server, "&date=2022-01-05&layers=events&mode=day")
    text = hover(page, 76.9115, 43.2525).inner_text()
    page.screenshot(path=ARTIFACTS / "tooltip.png")
    assert "Almaty" in text and "Wed 05 Jan 2022" in text and "http" in text


PAYLOAD = "<img src=x onerror=alert(1)>"
# Every text column a page shows, per file, filled with the payload.
HOSTILE_COLUMNS = {
    "events.csv": ["notes", "source", "actor1", "actor2", "location"],
    "milestones.csv": ["title", "description"],
    "story.csv": ["title", "caption"],
    "figures.csv": ["value_note", "announced_by"],
    "csto_contingents.csv": ["personnel_note", "units", "tasks", "origin_name",
                             "destination_name"],
    "csto_sites.csv": ["name", "task", "contingent"],
    "emergency.csv": ["curfew"],
    "blackout.csv": ["description"],
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A copy of the dataset whose every text shown is an HTML payload."""
    import shutil

    import pandas as pd

    from tests.conftest import DATA

    folder = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(DATA, folder)
    for name, columns in HOSTILE_COLUMNS.items():
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        for column in columns:
            frame[column] = PAYLOAD
        frame.to_csv(folder / name, index=False)
    with streamlit_server({"KZUNREST_DATA": str(folder), "KZUNREST_MAX_UPLOAD_MB": "1"}) as url:
        yield url


def no_markup_ran(page) -> None:
    assert page.locator("img[src='x']").count() == 0
    assert not [e for e in page.console_errors if "dialog" in e]


def test_html_in_the_data_shows_as_text(page, hostile_server):
    open_map(page, hostile_server, "&date=2022-01-09&mode=day&layers=events")
    tooltip = hover(page, 76.9115, 43.2525)
    assert PAYLOAD in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    shown = " ".join(page.locator("[data-testid='stMarkdownContainer']").all_inner_texts())
    assert PAYLOAD in shown  # milestones and figures, as text
    page.screenshot(path=ARTIFACTS / "hostile-tooltip.png")
    no_markup_ran(page)
    for path in ("story?step=7", "csto", "analysis", "data"):
        page.goto(f"{hostile_server}/{path}&basemap=offline" if "?" in path
                  else f"{hostile_server}/{path}?basemap=offline")
        page.wait_for_selector("h1", timeout=60_000)
        time.sleep(4)
        no_markup_ran(page)
    page.goto(f"{hostile_server}/story?step=7&basemap=offline")
    page.wait_for_selector(".kz-caption", timeout=60_000)
    assert PAYLOAD in page.locator(".kz-caption").inner_text()
    no_markup_ran(page)


def test_a_shared_link_reopens_the_same_view(page, server, browser):
    query = "&date=2022-01-08&mode=day&layers=events&layers=csto-arcs&regions=Almaty"
    open_map(page, server, query)
    first = map_image(page)
    shared = page.url
    assert "date=2022-01-08" in shared and "regions=Almaty" in shared
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(shared)
    other.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000)
    time.sleep(4)
    assert "8 Jan" in slider_label(other)
    second = map_image(other)
    second.save(ARTIFACTS / "shared-link.png")
    assert changed_fraction(first, second) < 0.02
    other.context.close()


def test_presentation_layout_fits_a_1920x1080_screen(browser, server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    pg = context.new_page()
    pg.goto(f"{server}/?present=1&date=2022-01-06&basemap=offline")
    pg.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000)
    time.sleep(4)
    pg.screenshot(path=ARTIFACTS / "present-1920x1080.png")
    assert not pg.locator("[data-testid='stSidebar']").is_visible()
    box = pg.locator("[data-testid='stDeckGlJsonChart']").first.bounding_box()
    assert box["y"] + box["height"] <= 1080  # the whole map is on screen
    value = pg.locator("[data-testid='stMetricValue']").first
    size = value.evaluate("e => parseFloat(getComputedStyle(e.querySelector('*') || e)"
                          ".fontSize)")
    assert size >= 48  # figures readable from the back of a room
    context.close()


def test_story_steps_with_the_arrow_keys(page, server):
    page.goto(f"{server}/story?basemap=offline&step=2")
    page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000)
    time.sleep(3)
    page.get_by_role("button", name="Next").wait_for(timeout=30_000)
    page.get_by_role("heading", name="The story of January 2022").click()
    time.sleep(1)  # the shortcut listener registers after the buttons render
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step=3')", timeout=40_000)
    time.sleep(1)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=2')", timeout=40_000)


def test_analyst_filters_and_downloads_the_csv(page, server):
    page.goto(f"{server}/analysis?regions=Kyzylorda+Region")
    button = page.get_by_role("button", name="Download CSV")
    button.wait_for(timeout=60_000)
    time.sleep(2)
    with page.expect_download() as info:
        button.click()
    path = info.value.path()
    import pandas as pd

    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(rows) > 0 and set(rows["admin1"]) == {"Kyzylorda Region"}
    assert rows["source_url"].str.startswith("http").all()
    assert not rows["notes"].str.match(r"^[=+\-@]").any()


def test_clicking_a_region_filters_to_it_and_an_event_opens_its_card(page, server):
    # Kyzylorda city lies inside Kyzylorda Region, away from its borders.
    kyzylorda = (65.5092, 44.8528)
    open_map(page, server, "&date=2022-01-05&layers=spread&mode=day")
    hover(page, *kyzylorda).get_by_text("Kyzylorda Region").wait_for(timeout=10_000)
    page.mouse.click(*map_point(page, *kyzylorda))
    # The sidebar filter now holds the region (Streamlit does not echo a value set from a
    # callback into the URL; the Share link carries it).
    page.locator("[data-testid='stSidebar']").get_by_text("Kyzylorda Region").wait_for(
        timeout=20_000)
    page.wait_for_function("() => document.body.innerText.includes('1 of 17')",
                           timeout=20_000)
    # Now only Kyzylorda's events; click the city's point for its card.
    open_map(page, server, "&date=2022-01-05&layers=events&mode=day&regions=Kyzylorda+Region")
    hover(page, *kyzylorda)
    page.mouse.click(*map_point(page, *kyzylorda))
    page.get_by_text("Kyzylorda, Kyzylorda Region").wait_for(timeout=20_000)
    page.screenshot(path=ARTIFACTS / "event-card.png")
    assert page.get_by_text("Source:").count()


def test_an_upload_over_the_size_limit_is_refused_with_a_message(page, hostile_server):
    page.goto(f"{hostile_server}/data")
    page.wait_for_selector("[data-testid='stFileUploader']", timeout=60_000)
    big = b"date,lat,lon\n" + b"2022-01-05,43.25,76.91\n" * 80_000  # about 1.8 MB
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big}])
    page.get_by_text("1.0MB or smaller", exact=False).first.wait_for(timeout=20_000)
    page.screenshot(path=ARTIFACTS / "upload-too-big.png")
    assert page.get_by_text("Traceback").count() == 0
