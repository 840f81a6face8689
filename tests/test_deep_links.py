"""A deep link as the very first request of a freshly started server shows its page inside
app.py's frame: Streamlit's legacy pages/ mode would run the page alone (kzunrest/ui/frame.py)."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, streamlit_server

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


@pytest.mark.parametrize(("path", "signal"), [
    # The page's own heading, and the sidebar's filters drawn by app.py.
    ("/analysis?regions=Almaty", "h1:has-text('Analysis')"),
    # Presentation layout: no page title; the story's caption and app.py's exit button.
    ("/story?present=1&step=3&basemap=offline", ".kz-caption"),
])
def test_a_deep_link_on_a_fresh_server_shows_its_page_in_the_frame(browser, path, signal):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url:  # a new server process: its first session is this one
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(url + path)
        page.wait_for_selector(signal, timeout=90_000)
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Filters", exact=True).wait_for(state="attached", timeout=30_000)
        if "present=1" in path:
            page.get_by_role("button", name="Exit presentation").wait_for(timeout=30_000)
            assert page.evaluate("() => location.search").find("present=1") >= 0
        else:
            # The page's own content with the link's filter applied by the shared sidebar.
            page.get_by_text("Almaty").first.wait_for(timeout=30_000)
            assert page.evaluate("() => location.pathname") == "/analysis"
        page.screenshot(path=ARTIFACTS / f"deep-link{path.split('?')[0].replace('/', '-')}.png")
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_text("no corresponding file").count() == 0
        context.close()
