"""The "?" help says what the person's device does: gestures on a touch screen, mouse and keys
elsewhere. A first-time user on a phone found the desktop's help there (right-click, wheel,
Ctrl-Z, Esc), nothing about tapping Erase or cancelling (tryout 9 F16). Chromium, a real server."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, new_page, server  # noqa: F401 - the editor's served folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_help_says_what_this_device_does(browser, server, device):  # noqa: F811
    page = new_page(browser, server, **(PHONE if device == "phone" else {}))
    try:
        if device == "phone":
            page.locator("#help-button").tap()
        else:
            page.click("#help-button")
        page.wait_for_selector("#help:not([hidden])")
        text = page.inner_text("#help")
        touch = ("Tap an object", "one finger", "cancels the erase")
        pointer = ("Right-click", "Wheel", "Ctrl-Z", "arrow keys")
        shown, hidden = (touch, pointer) if device == "phone" else (pointer, touch)
        for words in shown:
            assert words in text, f"{device}: {words!r} missing"
        for words in hidden:
            assert words not in text, f"{device}: {words!r} shown"
        assert page.errors == []
    finally:
        page.context.close()
