"""On a phone, a first-time visitor of plain `eraser serve` (no folder) can
open a photo: Open… is on screen (a tap opens the picker) and the dashed box
opens the picker when tapped. Found by a first-time tryout (tryout8) at
390x844 with touch: the toolbar was one sideways-scrolling row with Erase…
Download first and Open… off screen (x 429..469), and tapping the dashed box
did nothing: a dead end. In Debian's Chromium against `eraser serve`."""

import pytest

from serve_helpers import Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}


@pytest.fixture(scope="module")
def bare_server():
    s = Server()  # no folder: the page's only way in is Open… (or a drop)
    yield s
    s.stop()


def test_open_is_on_screen_on_a_phone_before_any_photo(browser, bare_server, tmp_path):  # noqa: F811
    page = new_page(browser, bare_server, **PHONE)
    try:
        page.screenshot(path=str(tmp_path / "phone-empty.png"))
        box = page.locator("#open").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        with page.expect_file_chooser():
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert page.errors == []
    finally:
        page.context.close()


def test_the_controls_are_on_screen_and_the_dashed_box_opens_the_picker(browser, bare_server, tmp_path):  # noqa: F811
    page = new_page(browser, bare_server, **PHONE)
    try:
        page.screenshot(path=str(tmp_path / "phone-first.png"))
        for selector in ("#open", "#tool-mark", "#tool-brush", "#keep-mode", "#help-button"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
        hint = page.locator("#drop-hint").bounding_box()
        with page.expect_file_chooser() as chooser:
            page.touchscreen.tap(hint["x"] + hint["width"] / 2, hint["y"] + hint["height"] / 2)
        assert not chooser.value.is_multiple()
        assert "tap" in page.inner_text("#drop-hint")
        assert page.errors == []
    finally:
        page.context.close()
