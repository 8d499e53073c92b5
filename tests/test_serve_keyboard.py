"""The page with the keyboard alone (Tab, Enter, Space), in Debian's Chromium
against `eraser serve` started for real. Found by a first-time tryout: the
folder's thumbnails and Open… could not be reached with Tab, so a photo could
not be opened without a mouse, and Enter on a button reached with Tab (the "?"
help) erased the photo instead of pressing the button."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import erase_and_settle, folder, open_spoon, page, screen_of, server, settle, state  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

FOCUSED = "(() => { const e = document.activeElement; return e.id || e.dataset.name || e.tagName; })()"


def tab_to(page, wanted, presses=60):
    """Press Tab until the focused element's id (or thumbnail name) is `wanted`."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if seen[-1] == wanted:
            return
    raise AssertionError(f"Tab never reached {wanted!r}: {seen}")


def test_a_thumbnail_and_open_are_reached_and_pressed_with_the_keyboard(page):  # noqa: F811
    tab_to(page, "spoon.jpg")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'spoon.jpg'")
    settle(page)
    tab_to(page, "tall.jpg")
    page.keyboard.press(" ")
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'tall.jpg'")
    settle(page)
    # Playwright turns on catching file pickers when the first listener is added; a
    # clean-clone CI run once waited 120 s for this picker (not reproduced since). The
    # likely cause, unproven: catching was not on yet. Turned on here, before the Tabs.
    page.on("filechooser", lambda chooser: None)
    tab_to(page, "open")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    assert not chooser.value.is_multiple()


def test_enter_on_a_button_reached_with_tab_presses_it_and_erases_nothing(page):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    tab_to(page, "help-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#help:not([hidden])")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help[hidden]", state="attached")
    settle(page)
    assert state(page)["unsaved"] is False  # nothing erased
    assert page.evaluate("document.body.dataset.overlay") == "shown"  # the marked spoon is still marked
    # After a mouse click the button keeps focus, but Enter is the shortcut again: it erases.
    version = int(page.evaluate("document.body.dataset.version"))
    page.click("#help-button")
    page.wait_for_selector("#help:not([hidden])")
    page.click("#help-close")
    page.wait_for_selector("#help[hidden]", state="attached")
    page.keyboard.press("Enter")
    page.wait_for_function(f"Number(document.body.dataset.version) > {version}")
    settle(page)
    assert page.evaluate("document.body.dataset.overlay") == "none" and state(page)["unsaved"] is True


def test_space_held_after_clicking_a_thumbnail_pans_and_opens_nothing(page):  # noqa: F811
    """Found by review: a thumbnail clicked with the mouse keeps focus, and
    holding Space to pan opened its photo again on every key repeat."""
    opened = []
    page.on("request", lambda r: opened.append(r.post_data) if r.url.endswith("/api/photos/open") else None)
    page.click('#photos figure[data-name="spoon.jpg"]')
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'spoon.jpg'")
    settle(page)
    assert page.evaluate(FOCUSED) == "spoon.jpg"
    opened.clear()
    for _ in range(6):  # the first press and its auto-repeats while held
        page.keyboard.down(" ")
    page.keyboard.up(" ")
    # a later open by the mouse: the requests made before it have been seen when it has
    with page.expect_request(lambda r: r.url.endswith("/api/photos/open")):
        page.click('#photos figure[data-name="tall.jpg"]')
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'tall.jpg'")
    assert len(opened) == 1 and "tall.jpg" in opened[0], opened


def test_download_is_out_of_the_tab_order_until_there_is_something_to_download(page):  # noqa: F811
    """A first-time tryout: Download (a link to "#") was in the Tab order before
    any photo was open, pressable and announced as a link, while it looked disabled."""
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
    assert "download" not in seen, seen
    assert page.locator("#download").get_attribute("aria-disabled") == "true"
    assert page.locator("#download").get_attribute("href") is None
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    assert page.locator("#download").get_attribute("href") is None  # marked, nothing erased yet
    erase_and_settle(page)
    assert page.locator("#download").get_attribute("aria-disabled") is None
    tab_to(page, "download")
