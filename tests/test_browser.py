"""In headless Chromium: the map draws Kazakhstan, responds to the slider and Play, and its
tooltips show escaped text. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.browser import ARTIFACTS, project, streamlit_server
from tests.conftest import DATA

DOCS = ARTIFACTS.parent.parent / "docs"


pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # Software WebGL on a busy machine: a screenshot or a click may wait for a slow frame.
    context.set_default_timeout(60_000)
    pg = context.new_page()
    pg.console_errors = []
    pg.outside_requests = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.console_errors.append("dialog: " + d.message), d.dismiss()))
    pg.on("request", lambda r: "127.0.0.1" not in r.url
          # blob: URLs are the page's own memory (deck.gl's text layers make one), no network
          and not r.url.startswith(("data:", "file:", "blob:"))
          and pg.outside_requests.append(r.url))
    yield pg
    context.close()


MAP = ".kzmap"


def open_map(page, server, query: str = "", path: str = "") -> None:
    """Open a page with the map and wait until the browser has painted its first day."""
    page.goto(f"{server}/{path}?basemap=offline{query}")
    page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.paintedDay",
                           timeout=90_000)
    # The events' card text (the details file) loads beside the layers.
    page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.details"
                           " !== 'loading'", timeout=60_000)
    settled(page)  # a click during the script's run would race the run's end


def settled(page) -> None:
    """Wait until the script's run is over and the page is not stale."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                           " && !document.querySelector('[data-stale=\"true\"]')",
                           timeout=60_000)


def painted(page) -> str:
    return page.locator(MAP).get_attribute("data-painted-day")


def wait_painted(page, day: str, timeout: float = 60_000) -> None:
    page.wait_for_function(f"() => document.querySelector('.kzmap')?.dataset.paintedDay "
                           f"=== '{day}'", timeout=timeout)


def map_image(page) -> Image.Image:
    box = page.locator(".kz-stage").first
    return Image.open(io.BytesIO(box.screenshot())).convert("RGB")


def changed_fraction(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ visibly between two images of the same map."""
    pa, pb = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    h, w = min(pa.shape[0], pb.shape[0]), min(pa.shape[1], pb.shape[1])
    return float((np.abs(pa[:h, :w] - pb[:h, :w]).sum(axis=2) > 30).mean())


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a place on the map, in the camera the browser fitted."""
    box = page.locator(".kz-stage").first.bounding_box()
    view = json.loads(page.locator(MAP).get_attribute("data-view"))
    x, y = project(lon, lat, view, box["width"], box["height"])
    return box["x"] + x, box["y"] + y


def hover(page, lon: float, lat: float):
    """Move the mouse over a place on the map and return the tooltip."""
    page.mouse.move(*map_point(page, lon, lat))
    tooltip = page.locator(".kz-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    return tooltip


def sent_frames(page) -> list[str]:
    """Every websocket message the page sends from now on (Streamlit's back channel)."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: frames.append(f)))
    return frames


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
    summary = page.locator(".kz-summary").inner_text()
    assert "Wed 05 Jan 2022" in summary and "17/17" in summary
    assert page.console_errors == []
    assert page.outside_requests == []


def test_arrow_keys_move_the_day_in_the_browser_and_the_link_follows(page, server):
    open_map(page, server, "&date=2022-01-03")
    before = map_image(page)
    page.locator(".kz-stage").click(position={"x": 5, "y": 5})  # focus the page, not a field
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_painted(page, "2022-01-05")
    after = map_image(page)
    after.save(ARTIFACTS / "map-after-arrows.png")
    assert changed_fraction(before, after) > 0.01
    assert page.locator(".kz-slider").get_attribute("aria-valuetext") == "Wed 05 Jan 2022"
    # The day reaches Python once the keys stop: the link carries it, in ISO.
    page.wait_for_function("() => location.search.includes('date=2022-01-05')",
                           timeout=20_000)
    page.get_by_text("On Wednesday 05 January 2022").wait_for(timeout=20_000)
    page.get_by_role("button", name="Previous day").click()
    wait_painted(page, "2022-01-04")


def test_play_paints_every_day_in_order_without_asking_the_server(page, server):
    open_map(page, server, "&date=2022-01-14&speed=fast")
    frames = sent_frames(page)
    page.reload()
    page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.paintedDay",
                           timeout=90_000)
    before = len(frames)
    page.get_by_role("button", name="Play").click()
    # Each day waits for its own paint: software WebGL on a busy machine makes that slow.
    wait_painted(page, "2022-01-25", timeout=180_000)
    page.get_by_role("button", name="Play").wait_for(timeout=10_000)  # ended: Pause -> Play
    log = page.locator(MAP).get_attribute("data-painted-log").split(",")
    days = log[log.index("2022-01-14"):]
    assert days == [f"2022-01-{d}" for d in range(14, 26)], days
    # Play and its end are the only messages: no frame of playback reaches the server.
    page.wait_for_function("() => location.search.includes('date=2022-01-25')",
                           timeout=20_000)
    assert len(frames) - before <= 3, frames[before:]
    assert "play=" not in page.url


def test_hovering_an_event_shows_its_tooltip_inside_the_map(page, server):
    # Jan 5 in Almaty: hover the city's point, with only that day's events drawn.
    open_map(page, server, "&date=2022-01-05&layers=events&mode=day")
    tooltip = hover(page, 76.9115, 43.2525)
    text = tooltip.inner_text()
    page.screenshot(path=ARTIFACTS / "tooltip.png")
    assert "Almaty" in text and "Wed 05 Jan 2022" in text and "http" in text
    stage, tip = page.locator(".kz-stage").bounding_box(), tooltip.bounding_box()
    assert tip["x"] + tip["width"] <= stage["x"] + stage["width"] + 1


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
    page.mouse.click(*map_point(page, 76.9115, 43.2525))  # the event's card
    card = page.locator(".kz-card")
    card.wait_for(state="visible", timeout=10_000)
    assert PAYLOAD in card.inner_text() and card.locator("img").count() == 0
    shown = " ".join(page.locator("[data-testid='stMarkdownContainer']").all_inner_texts())
    assert PAYLOAD in shown  # milestones and figures, as text
    page.screenshot(path=ARTIFACTS / "hostile-tooltip.png")
    no_markup_ran(page)
    for path in ("story?step=7", "csto", "analysis", "data"):
        page.goto(f"{hostile_server}/{path}&basemap=offline" if "?" in path
                  else f"{hostile_server}/{path}?basemap=offline")
        page.wait_for_selector("h1, h3", timeout=60_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]"
                               " [data-testid=\"stStatusWidgetRunningIcon\"]')",
                               timeout=60_000)
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
    wait_painted(other, "2022-01-08")
    assert other.locator(".kz-select").nth(1).input_value() == "day"
    second = map_image(other)
    second.save(ARTIFACTS / "shared-link.png")
    assert changed_fraction(first, second) < 0.02
    other.context.close()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_first_screen_shows_the_map_the_day_and_play(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(60_000)
    pg = context.new_page()
    open_map(pg, server, "&date=2022-01-06")
    wait_painted(pg, "2022-01-06")
    pg.screenshot(path=DOCS / f"first-screen-{size[0]}x{size[1]}.png")
    stage = pg.locator(".kz-stage").bounding_box()
    play = pg.get_by_role("button", name="Play").bounding_box()
    assert play["y"] + play["height"] <= size[1]
    visible = min(stage["y"] + stage["height"], size[1]) - stage["y"]
    assert visible >= 0.6 * size[1]  # most of the screen's height is map
    assert stage["y"] + stage["height"] <= size[1]  # and all of the map is on it
    context.close()


def test_presentation_layout_fits_a_1920x1080_screen(browser, server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(60_000)
    pg = context.new_page()
    open_map(pg, server, "&present=1&date=2022-01-06")
    pg.screenshot(path=ARTIFACTS / "present-1920x1080.png")
    assert not pg.locator("[data-testid='stSidebar']").is_visible()
    box = pg.locator(".kz-stage").first.bounding_box()
    assert box["y"] + box["height"] <= 1080  # the whole map is on screen
    value = pg.locator("[data-testid='stMetricValue']").first
    size = value.evaluate("e => parseFloat(getComputedStyle(e.querySelector('*') || e)"
                          ".fontSize)")
    assert size >= 48  # figures readable from the back of a room
    context.close()


def test_story_steps_with_the_arrow_keys(page, server):
    open_map(page, server, "&step=2", path="story")
    page.get_by_role("button", name="Next").wait_for(timeout=30_000)
    page.get_by_role("heading", name="The story of January 2022").click()
    # One press per step, each after the page settled: a second press while a slow rerun is
    # still on its way would step twice.
    page.wait_for_function("() => document.querySelector('.kzmap')?.kzPlayer?.data?.keys"
                           " === 'story'")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step=3')", timeout=60_000)
    settled(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=2')", timeout=60_000)
    # Opened at /story, Streamlit's page first asks /story/_stcore/health and host-config
    # (404) before the root's: its own probing, not an error of the story.
    assert [e for e in page.console_errors if "404" not in e] == []
    assert page.outside_requests == []  # the tab's icon is not fetched from Google's fonts


def test_story_autoplay_moves_on_by_itself(page, server):
    open_map(page, server, "&step=2", path="story")
    page.get_by_text("Autoplay").click()
    # The next step comes from the fragment's timer (8 s), with the link following it.
    page.wait_for_function("() => location.search.includes('step=3')", timeout=60_000)
    settled(page)
    assert page.locator("[data-testid='stException']").count() == 0
    story = pd.read_csv(DATA / "story.csv")
    wait_painted(page, story.loc[story["step"] == 3, "date"].iloc[0])  # its day on the map


def test_analyst_filters_and_downloads_the_csv(page, server):
    page.goto(f"{server}/analysis?regions=Kyzylorda+Region")
    button = page.get_by_role("button", name="Download CSV")
    button.wait_for(timeout=60_000)
    # The button renders before its data is attached: click until a download starts.
    path = None
    for _ in range(10):
        try:
            with page.expect_download(timeout=5_000) as info:
                button.click()
            path = info.value.path()
            break
        except playwright.TimeoutError:
            continue
    assert path is not None, "no download started"
    import pandas as pd

    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(rows) > 0 and set(rows["admin1"]) == {"Kyzylorda Region"}
    assert rows["source_url"].str.startswith("http").all()
    assert not rows["notes"].str.match(r"^[=+\-@]").any()


@pytest.mark.parametrize("day", ["2022-01-05", "2022-01-12"])
def test_clicking_a_region_filters_to_it_with_every_layer_on(page, server, day):
    """Blackout and emergency lie over the regions on these days: the click still reaches
    the region beneath."""
    open_map(page, server, f"&date={day}")
    page.mouse.click(*map_point(page, 64.5, 45.9))  # open steppe of Kyzylorda Region
    page.locator("[data-testid='stSidebar']").get_by_text("Kyzylorda Region").wait_for(
        timeout=20_000)
    wait_painted(page, day)  # the view survives the rerun


def test_clicking_an_event_opens_its_card_inside_the_map_and_esc_closes_it(page, server):
    kyzylorda = (65.5092, 44.8528)
    open_map(page, server, "&date=2022-01-05&layers=events&mode=day&regions=Kyzylorda+Region")
    hover(page, *kyzylorda)
    page.mouse.click(*map_point(page, *kyzylorda))
    card = page.locator(".kz-card")
    card.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=ARTIFACTS / "event-card.png")
    assert "Kyzylorda" in card.inner_text()
    link = card.locator("a").first
    assert link.get_attribute("href").startswith("http")
    stage, box = page.locator(".kz-stage").bounding_box(), card.bounding_box()
    assert box["x"] >= stage["x"] and box["x"] + box["width"] <= stage["x"] + stage["width"]
    page.keyboard.press("Escape")
    card.wait_for(state="hidden", timeout=5_000)


def test_an_upload_over_the_size_limit_is_refused_with_a_message(page, hostile_server):
    page.goto(f"{hostile_server}/data")
    page.wait_for_selector("[data-testid='stFileUploader']", timeout=60_000)
    big = b"date,lat,lon\n" + b"2022-01-05,43.25,76.91\n" * 80_000  # about 1.8 MB
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big}])
    page.get_by_text("1.0MB or smaller", exact=False).first.wait_for(timeout=20_000)
    page.screenshot(path=ARTIFACTS / "upload-too-big.png")
    assert page.get_by_text("Traceback").count() == 0



def test_the_html_snapshot_plays_offline(page, tmp_path):
    """The exported page runs the map's own code with its data inside: opened from a file,
    with no server, it draws, plays and shows cards."""
    from kzunrest import layers, map_spec
    from kzunrest.dataset import read_dataset
    from kzunrest.snapshot import snapshot_html

    ds = read_dataset(DATA)
    files = layers.build_map_files(ds, ds.events)
    spec = map_spec.build_map_spec(ds, files, ds.events, shown=layers.TOGGLEABLE,
                                   basemap="offline", view=layers.view_state(67, 48, 4),
                                   first=ds.first_day, last=ds.last_day)
    data = {"spec": spec, "seq": 1, "controls": True, "height": "600px",
            "fit": [float(b) for b in ds.regions.total_bounds],
            "playback": {"day": 20, "playing": False, "speed": "fast", "mode": "cumulative"}}
    path = tmp_path / "map.html"
    snapshot_html(data, path)
    page.goto(path.as_uri())
    wait_painted(page, "2022-01-21")
    page.get_by_role("button", name="Play").click()
    wait_painted(page, "2022-01-25")
    log = page.locator(MAP).get_attribute("data-painted-log").split(",")
    assert log[-5:] == [f"2022-01-{d}" for d in range(21, 26)]
    page.screenshot(path=ARTIFACTS / "snapshot-offline.png")
    assert page.console_errors == [] and page.outside_requests == []


# Last in the module: it reads the log of the server every test above has used.
def sidebar_link(page, name: str):
    return page.locator("[data-testid='stSidebar']").get_by_role("link", name=name, exact=True)


def go_to(page, name: str, path: str) -> None:
    """Click a page link in the sidebar and wait until that page has run."""
    sidebar_link(page, name).click()
    page.wait_for_url(f"**/{path}?*" if path else "**/?*", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]"
                           " [data-testid=\"stStatusWidgetRunningIcon\"]')", timeout=60_000)


# Streamlit's log lines start with a timestamp and the level; a traceback starts its own line.
SERVER_PROBLEM = re.compile(r"^(\S+ \S+ )?(WARNING|ERROR|CRITICAL)\b|^Traceback|Uncaught",
                            re.MULTILINE)


def test_a_session_of_clicks_keeps_the_view_and_leaves_the_server_log_clean(browser, server):
    """A viewer's round: the map offline with two layers, the Layers popover, the page links
    to Analysis and back (the view follows), the CSTO page and a story step; then the
    server's own log (which also saw every earlier test of this module) holds no warning and
    no traceback."""
    url = server
    log_path = ARTIFACTS / f"server-{url.rsplit(':', 1)[1]}.log"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_map(page, url, "&date=2022-01-07&layers=events&layers=spread&sources2=true")
    page.get_by_role("button", name="Layers").click()
    page.get_by_role("dialog").get_by_text("Basemap").wait_for(timeout=10_000)
    page.keyboard.press("Escape")

    go_to(page, "Analysis", "analysis")
    query = page.url.split("?", 1)[1]
    for kept in ("basemap=offline", "layers=events", "layers=spread", "date=2022-01-07",
                 "sources2=true"):
        assert kept in query, (kept, page.url)
    page.get_by_text("Deaths in events with a published toll").first.wait_for(
        timeout=30_000)

    go_to(page, "Map", "")
    wait_painted(page, "2022-01-07")
    assert page.url.count("basemap=offline") == 1 and page.url.count("sources2") == 1
    for kept in ("layers=events", "layers=spread", "date=2022-01-07"):
        assert kept in page.url, (kept, page.url)

    go_to(page, "CSTO deployment", "csto")
    page.get_by_text("these filters apply on the Map").wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.paintedDay",
                           timeout=60_000)
    assert "basemap=offline" in page.url

    go_to(page, "Story", "story")
    page.get_by_role("button", name="Next").click()
    page.wait_for_function("() => location.search.includes('step=2')", timeout=40_000)
    page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.paintedDay",
                           timeout=60_000)
    page.screenshot(path=ARTIFACTS / "session-story.png")
    context.close()
    text = log_path.read_text(encoding="utf-8")
    problems = [m.group(0) for m in SERVER_PROBLEM.finditer(text)]
    assert not problems, text[-4000:]


def test_the_analysis_table_shows_how_sure_each_event_is(page, server):
    """Issue 12: sources counted, every link, competing versions, precision, on the page."""
    page.goto(f"{server}/analysis?basemap=offline&regions=Mangystau+Region")
    grid = page.locator(".st-key-events_table [data-testid='stDataFrame']")
    grid.wait_for(timeout=90_000)
    # The grid draws on a canvas: scroll it to its last columns, then keep the picture
    # (tests/test_pages.py checks the columns themselves under AppTest).
    grid.hover()
    page.mouse.wheel(3000, 0)
    grid.screenshot(path=ARTIFACTS / "analysis-certainty.png")
