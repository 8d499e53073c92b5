"""On a phone, Download is on screen after an erase, beside Erase and Undo.
Found by a first-time tryout at 390x844 with touch: the toolbar is one row
that scrolls sideways, Erase and Undo come first, and Download sat at the far
end, off screen with nothing saying the row scrolls. Played in Debian's
Chromium against `eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, new_page, open_spoon, screen_of, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


def test_download_is_on_screen_after_an_erase_on_a_phone(browser, server, tmp_path):  # noqa: F811
    page = new_page(browser, server, **PHONE)
    try:
        open_spoon(page)
        page.touchscreen.tap(*screen_of(page, 365, 285))
        page.wait_for_function("document.body.dataset.overlay === 'shown'")
        settle(page)
        version = int(page.evaluate("document.body.dataset.version"))
        page.touchscreen.tap(*center(page, "#erase"))
        page.wait_for_function(f"Number(document.body.dataset.version) > {version}")
        settle(page)
        assert page.evaluate("document.getElementById('toolbar').scrollLeft") == 0
        for id in ("#erase", "#undo", "#download"):  # on screen as the page stands, not scrolled to
            box = page.locator(id).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (id, box)
        page.screenshot(path=str(tmp_path / "phone-erased.png"))
        with page.expect_download() as download:
            page.touchscreen.tap(*center(page, "#download"))
        assert download.value.suggested_filename == "spoon.erased.jpg"
        assert page.errors == []
    finally:
        page.context.close()


def center(page, selector):
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
