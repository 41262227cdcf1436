"""The reports in a real browser: headless Chromium opens report.html and report.en.html, and
their technical pages, from disk; every figure decodes, nothing errors and nothing is fetched
from elsewhere, and the marketers' page is short: at most MAX_SCREENS screens of a 1366 x 768
window. Leaves a full-page screenshot of each marketers' page in target/
(report_screenshot.png, report_screenshot.en.png) to look at. Without Chromium the test fails:
it never skips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from synthetic_warehouse import build_report_warehouse

from one_click.i18n import REPORT_LANGUAGES
from one_click.report import SECTIONS, TECHNICAL_SECTIONS, render
from one_click.report.render import TECHNICAL_TEMPLATE_NAME, TEMPLATE_DIR, TEMPLATE_NAME

pytestmark = pytest.mark.slow  # starts a browser

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = {
    "ru": PROJECT_DIR / "target" / "report_screenshot.png",
    "en": PROJECT_DIR / "target" / "report_screenshot.en.png",
}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIGURES = {
    page: (TEMPLATE_DIR / template).read_text(encoding="utf-8").count('m.figure("')
    for page, template in (("report", TEMPLATE_NAME), ("technical", TECHNICAL_TEMPLATE_NAME))
}
# the marketers' page reads in a few screens of a laptop's window
SCREEN = {"width": 1366, "height": 768}
MAX_SCREENS = 8


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail("chromium not installed: apt-get install chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("browser")
    render(build_report_warehouse(directory / "synthetic.duckdb"), directory / "out")
    return directory / "out"


@pytest.mark.parametrize("language", [pytest.param(lg, id=lg.code) for lg in REPORT_LANGUAGES])
def test_report_opens_from_disk_with_every_figure_and_no_error(browser, output_dir, language):
    report = output_dir / language.output
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    messages, errors, requests = [], [], []
    page.on("console", lambda message: messages.append(message))
    page.on("pageerror", lambda error: errors.append(error))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri(), wait_until="load")

    assert page.evaluate("document.documentElement.lang") == language.code
    images = page.eval_on_selector_all(
        "img",
        "images => images.map(i => ({complete: i.complete, width: i.naturalWidth,"
        " height: i.naturalHeight, alt: i.alt}))",
    )
    assert len(images) == FIGURES["report"] >= 1
    for image in images:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
        assert image["alt"], image
    assert page.locator("h2").count() == len(SECTIONS)
    # nothing wider than the window: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    if language.code == "ru":
        # the Russian words arrive intact (the file is UTF-8 and says so)
        assert "Кому звонить в первую очередь" in page.inner_text("#contacts")
    # the links beside the report resolve to files that exist
    for link in ("#contact-list-link", "#other-language", "#technical-link"):
        href = page.eval_on_selector(link, "a => a.href")
        assert href.startswith("file://"), href
        assert (output_dir / Path(href.removeprefix("file://")).name).is_file(), href

    assert errors == []
    assert [m.text for m in messages if m.type == "error"] == []
    # the file itself and its inline images: nothing fetched from anywhere else
    assert [url for url in requests if not url.startswith(("file://", "data:"))] == []

    screenshot = SCREENSHOTS[language.code]
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    # the link to the other language opens it
    [other] = [lg for lg in REPORT_LANGUAGES if lg != language]
    page.click("#other-language")
    page.wait_for_load_state("load")
    assert page.url == (output_dir / other.output).as_uri()
    assert page.evaluate("document.documentElement.lang") == other.code
    assert errors == []
    page.close()


@pytest.mark.parametrize("language", [pytest.param(lg, id=lg.code) for lg in REPORT_LANGUAGES])
def test_the_marketers_page_fits_in_a_few_screens(browser, output_dir, language):
    page = browser.new_page(viewport=SCREEN)
    page.goto((output_dir / language.output).as_uri(), wait_until="load")
    height = page.evaluate("document.body.scrollHeight")
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    assert height / SCREEN["height"] <= MAX_SCREENS, f"{height / SCREEN['height']:.1f} screens"
    # the first screen holds whom to contact, how much is at stake, and how often the model is
    # right
    for element in ("#summary-contact-customers", "#summary-contact-profit-at-risk",
                    "#summary-high-band-precision", "#summary-contact-reach"):  # fmt: skip
        box = page.locator(element).bounding_box()
        assert box is not None and box["y"] + box["height"] <= SCREEN["height"], element
    page.close()


@pytest.mark.parametrize("language", [pytest.param(lg, id=lg.code) for lg in REPORT_LANGUAGES])
def test_the_technical_page_opens_with_every_figure(browser, output_dir, language):
    page = browser.new_page(viewport=SCREEN)
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto((output_dir / language.technical).as_uri(), wait_until="load")
    images = page.eval_on_selector_all(
        "img", "images => images.map(i => i.complete && i.naturalWidth > 0)"
    )
    assert images == [True] * FIGURES["technical"] and len(images) >= 12
    assert page.locator("h2").count() == len(TECHNICAL_SECTIONS)
    if language.code == "ru":  # the delivered values arrive intact
        assert "Популярная_категория" in page.inner_text("#data-defects")
    page.click("#report-link")
    page.wait_for_load_state("load")
    assert page.url == (output_dir / language.output).as_uri()
    assert errors == []
    page.close()
