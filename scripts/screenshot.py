"""Make the README screenshot: the map on 7 January 2022 in headless Chromium.

Usage: python -m scripts.screenshot docs/screenshot.png [--offline]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, streamlit_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--query", default="date=2022-01-07&basemap=offline")
    args = parser.parse_args()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{url}/?{args.query}")
        # The map component marks the day it has painted.
        page.wait_for_function("() => document.querySelector('.kzmap')?.dataset.paintedDay",
                               timeout=90_000)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), timeout=120_000)
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
