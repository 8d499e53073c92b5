"""The page clicked in a real browser: Debian's Chromium driven by Playwright,
against `eraser serve` started for real. Screenshots land in the test's tmp folder."""

import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

import pytest

from serve_helpers import ROOT, SPOON, Server

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shoot")
    shutil.copy(SPOON, folder / "spoon.jpg")
    s = Server(folder)
    yield s
    s.stop()


# `-m "not browser"` skips them; without Chromium they skip, but not in CI
pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        message = "Chromium is missing: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("ERASER_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield PatientBrowser(b)
        b.close()


class PatientBrowser:
    """The browser, whose pages wait up to two minutes for a condition rather
    than Playwright's 30 s: on 2 cores kept busy by another process, a first
    segmentation plus Chromium's own work can take longer than that. Every wait
    is still for a condition, never a fixed delay."""

    TIMEOUT_MS = 120_000

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.set_default_timeout(self.TIMEOUT_MS)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.set_default_timeout(self.TIMEOUT_MS)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("body[data-ready=yes]")
    yield page
    context.close()
    assert errors == []


def click_photo(page, x, y, **kwargs):
    """Click photo pixel (x, y): the page maps its downscaled view back to pixels."""
    box = page.locator("#overlay").bounding_box()
    width, height = page.evaluate("[Number(document.body.dataset.w), Number(document.body.dataset.h)]")
    page.mouse.click(box["x"] + (x + 0.5) * box["width"] / width, box["y"] + (y + 0.5) * box["height"] / height,
                     **kwargs)


def overlay_alpha(page, x, y):
    return page.evaluate(
        """([x, y]) => { const c = document.getElementById('overlay');
            const w = Number(document.body.dataset.w), h = Number(document.body.dataset.h);
            return c.getContext('2d').getImageData(Math.floor(x * c.width / w), Math.floor(y * c.height / h), 1, 1).data[3]; }""",
        [x, y])


def shot(page, tmp_path, name, readme_name):
    """A screenshot in the test's folder; with ERASER_UPDATE_SCREENSHOTS=1, also the README's."""
    page.screenshot(path=str(tmp_path / name))
    if os.environ.get("ERASER_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / readme_name))


def wait_idle(page):
    """No request in flight and nothing at work: the page has drawn what the last
    answer said. No request alone is not enough: a mark's answer is in while its
    overlay PNG still decodes (data-overlay already "shown", the canvas still
    empty, the page still "segmenting"; seen with a probe at the moment both
    held), so a pixel read or a button's state checked then was timing luck."""
    page.wait_for_function("document.body.dataset.busy === '0' && !document.body.dataset.working")


def test_open_click_erase_undo_redo_download(page, server, tmp_path):
    page.set_input_files("#file", str(SPOON))
    page.wait_for_selector("body.has-photo")
    wait_idle(page)
    # Every control in one row at 1200 px (two rows measured 82 px).
    assert page.evaluate("document.getElementById('toolbar').getBoundingClientRect().height") < 60
    assert "Segmenter: point" in page.inner_text("#segmenter-info")
    click_photo(page, 365, 285)
    page.wait_for_selector("body[data-overlay=shown]")
    wait_idle(page)
    assert overlay_alpha(page, 365, 285) > 100 and overlay_alpha(page, 20, 20) == 0
    # the overlay is `eraser segment`'s mask for the same click (alpha = 0.55 x mask, the view is 1:1 here)
    mask_png = tmp_path / "mask.png"
    subprocess.run([sys.executable, "-m", "eraser.cli", "segment", SPOON, "--point", "365,285", "-o", mask_png, "-q"],
                   check=True)
    alpha = np.array(page.evaluate(
        "Array.from(document.getElementById('overlay').getContext('2d').getImageData(0, 0, 600, 400).data)"),
        np.int32).reshape(400, 600, 4)[..., 3]
    expected = np.round(np.asarray(Image.open(mask_png), np.float64) * 0.55)
    assert np.abs(alpha - expected).max() <= 1
    shot(page, tmp_path, "marked.png", "serve-marked.png")
    version = int(page.evaluate("document.body.dataset.version"))
    page.keyboard.press("Enter")
    page.wait_for_function(f"Number(document.body.dataset.version) > {version}")
    wait_idle(page)
    assert not page.locator("#undo").is_disabled() and page.locator("#redo").is_disabled()
    shot(page, tmp_path, "erased.png", "serve-erased.png")
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "download.jpg"
    download.value.save_as(saved)
    cli = tmp_path / "cli.jpg"
    subprocess.run([sys.executable, "-m", "eraser.cli", "remove", SPOON, "--point", "365,285", "-o", cli, "-q"],
                   check=True)
    assert saved.read_bytes() == cli.read_bytes()
    page.keyboard.press("Control+z")
    page.wait_for_function("!document.getElementById('redo').disabled")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function("document.getElementById('redo').disabled && !document.getElementById('undo').disabled")


def test_exclude_box_escape_and_compare(page, server, tmp_path):
    page.click("#photos img[data-name='spoon.jpg']")
    page.wait_for_selector("body.has-photo")
    wait_idle(page)
    box = page.locator("#overlay").bounding_box()
    w, h = 600, 400
    start = (box["x"] + 330 * box["width"] / w, box["y"] + 200 * box["height"] / h)
    end = (box["x"] + 420 * box["width"] / w, box["y"] + 330 * box["height"] / h)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=5)
    page.mouse.up()
    page.wait_for_selector("body[data-overlay=shown]")
    wait_idle(page)
    assert overlay_alpha(page, 375, 265) > 0
    before = page.evaluate("document.getElementById('message').textContent")
    click_photo(page, 40, 40, button="right")  # an exclusion: the object stays marked
    wait_idle(page)
    assert page.evaluate("document.body.dataset.overlay") == "shown"
    assert "error" not in page.evaluate("document.getElementById('message').className"), before
    page.keyboard.down("c")
    page.keyboard.down("c")  # held: the key repeats, so its release ends compare
    page.wait_for_selector("body[data-comparing=yes]")
    page.keyboard.up("c")
    page.wait_for_selector("body[data-comparing=no]")
    page.keyboard.press("Escape")
    page.wait_for_selector("body[data-overlay=none]")
    page.screenshot(path=str(tmp_path / "cleared.png"))


def test_a_non_image_upload_shows_an_error(page, tmp_path):
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    page.set_input_files("#file", str(notes))
    page.wait_for_selector("#message.error")
    assert "not an image" in page.inner_text("#message")
    assert "notes.jpg" in page.inner_text("#message")  # which file (a tryout: the note did not say)
    assert page.evaluate("document.body.dataset.photo") == ""
