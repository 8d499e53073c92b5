"""The dot that says a photo has unsaved erases is seen even when its
thumbnail's name is too long for the strip. Found by a first-time tryout: the
dot came after the name, so the "…" that cuts a long name cut the dot too
("coffee_spoon.jpg" erased showed "coffee_spoon.j…", no dot). Looked at in
Debian's Chromium against `eraser serve` started for real."""

import io
import shutil

import numpy as np
from PIL import Image

import pytest

from serve_helpers import SPOON, Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import close_page, new_page, open_spoon, screen_of, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

LONG = "holiday_breakfast_table_2026.jpg"
ACCENT = np.array([0xE5, 0x48, 0x4D])  # --accent in style.css


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shoot")
    shutil.copy(SPOON, folder / LONG)
    s = Server(folder)
    yield s
    s.stop()


def accent_pixels(locator):
    rgb = np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"), np.int32)
    return int((np.abs(rgb - ACCENT).max(axis=2) < 40).sum())


def test_the_unsaved_dot_shows_beside_a_long_name(browser, server, tmp_path):  # noqa: F811
    page = new_page(browser, server)
    try:
        open_spoon(page, LONG)
        caption = page.locator(f"#photos figure[data-name='{LONG}'] figcaption")
        assert caption.evaluate("(el) => el.scrollWidth > el.clientWidth")  # the name is cut here
        assert accent_pixels(caption) == 0
        page.mouse.click(*screen_of(page, 365, 285))
        settle(page)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#photos figure.unsaved[data-name='{LONG}']")
        settle(page)
        page.screenshot(path=str(tmp_path / "strip-unsaved.png"))
        assert accent_pixels(caption) >= 4  # the dot, in the accent colour, is on screen
    finally:
        assert close_page(page) == []


def test_download_takes_the_dot_and_the_question_on_leaving_away(browser, server, tmp_path):  # noqa: F811
    """A first-time tryout: after Download the dot stayed and leaving still asked,
    while the server already said nothing was unsaved (the docs promise both go)."""
    page = new_page(browser, server)
    try:
        open_spoon(page, LONG)
        page.mouse.click(*screen_of(page, 365, 285))
        settle(page)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#photos figure.unsaved[data-name='{LONG}']")
        settle(page)
        with page.expect_download():
            page.click("#download")
        page.wait_for_selector(f"#photos figure:not(.unsaved)[data-name='{LONG}']")
        asked = []
        page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
        page.reload()
        page.wait_for_selector("body[data-ready=yes]")
        assert asked == []  # no "changes may not be saved" question
        page.wait_for_function(f"document.querySelector('#photos figure.current')?.dataset.name === '{LONG}'")
        settle(page)
        page.keyboard.press("Control+z")  # the folder's photo as it was, for the next test
        page.wait_for_function("document.getElementById('redo').disabled === false")
    finally:
        assert close_page(page) == []


def test_a_screen_reader_hears_unsaved_only_where_the_dot_shows(browser, server):  # noqa: F811
    """Tryout 9: a screen reader heard '•' before every thumbnail's name, unsaved or not."""
    page = new_page(browser, server)
    try:
        open_spoon(page, LONG)
        figure = page.locator(f"#photos figure[data-name='{LONG}']")
        assert "•" not in figure.aria_snapshot() and "unsaved" not in figure.aria_snapshot()
        page.mouse.click(*screen_of(page, 365, 285))
        settle(page)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#photos figure.unsaved[data-name='{LONG}']")
        spoken = figure.aria_snapshot()
        assert "unsaved: " + LONG in spoken and "•" not in spoken, spoken
    finally:
        assert close_page(page) == []
