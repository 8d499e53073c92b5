"""The ⋯ menu belongs to the photo it was opened on. Found by a first-time
tryout: after Copy command on one photo, clicking another thumbnail left the
menu open with the first photo's command in its text box (under a greyed
Copy command), so a person could copy the wrong photo's command. Played in
Debian's Chromium against `eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import erase_and_settle, folder, open_spoon, page, screen_of, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


def test_switching_photos_closes_the_menu_and_forgets_the_command(page):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    erase_and_settle(page)
    page.click("#more summary")
    page.click("#copy-command")
    page.wait_for_function("document.body.dataset.command")
    assert "spoon.jpg" in page.input_value("#command-text") and page.locator("#command-text").is_visible()
    page.click("#photos img[data-name='tall.jpg']")
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'tall.jpg'")
    settle(page)
    assert not page.evaluate("document.getElementById('more').open")
    page.click("#more summary")  # opened again on this photo: no command of the other one in it
    assert page.locator("#command-text").is_hidden() and "spoon" not in page.input_value("#command-text")
    page.keyboard.press("Escape")
    page.click("#photos img[data-name='spoon.jpg']")  # and back: Undo still brings back the erase's marks
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'spoon.jpg'")
    settle(page)
    page.keyboard.press("Control+z")  # the folder's photo as it was, for the next test
    page.wait_for_function("document.getElementById('redo').disabled === false")
