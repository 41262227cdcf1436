"""The report in a real browser: headless Chromium opens it from disk, every figure decodes and
nothing errors. Leaves a full-page screenshot in target/report_screenshot.png to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from synthetic_warehouse import build_report_warehouse

from one_click.report import render
from one_click.report.render import SECTIONS

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT = PROJECT_DIR / "target" / "report_screenshot.png"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail("chromium not installed: apt-get install chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_report_opens_from_disk_with_every_figure_and_no_error(browser, tmp_path):
    warehouse = build_report_warehouse(tmp_path / "synthetic.duckdb")
    report = render(warehouse, tmp_path / "report.html")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    messages, errors, requests = [], [], []
    page.on("console", lambda message: messages.append(message))
    page.on("pageerror", lambda error: errors.append(error))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri(), wait_until="load")

    images = page.eval_on_selector_all(
        "img",
        "images => images.map(i => ({complete: i.complete, width: i.naturalWidth,"
        " height: i.naturalHeight, alt: i.alt}))",
    )
    assert len(images) >= 6
    for image in images:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
    assert page.locator("h2").count() == len(SECTIONS)
    # nothing wider than the window: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # the Russian values arrive intact (the file is UTF-8 and says so)
    assert "Популярная_категория" in page.inner_text("#data ~ table")

    assert errors == []
    assert [m.text for m in messages if m.type == "error"] == []
    # the file itself and its inline images: nothing fetched from anywhere else
    assert [url for url in requests if not url.startswith(("file://", "data:"))] == []

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 0
    page.close()
