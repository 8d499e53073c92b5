"""A take-away brush stroke cuts pixels out of the selection and leaves the
clicks as they were. Found by a first-time tryout: the stroke turned the whole
selection into one painted mask, so the + and - markers vanished (3 -> 0) and
no click could be taken back any more. Played in Debian's Chromium against
`eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import (drag, folder, open_spoon, overlay_count, page, screen_of, server,  # noqa: F401
                               settle, state)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


def test_a_stroke_taken_away_keeps_the_markers_and_each_click_can_be_taken_back(page, tmp_path):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))  # the spoon
    settle(page)
    page.mouse.click(*screen_of(page, 40, 40), button="right")  # a spot that must stay
    settle(page)
    page.mouse.click(*screen_of(page, 80, 330))  # another object
    settle(page)
    assert page.evaluate("document.body.dataset.markers") == "3"
    marked = overlay_count(page)
    page.keyboard.press("b")
    page.click("#keep-mode")
    drag(page, [screen_of(page, 330, 250), screen_of(page, 400, 320)])  # across the spoon, taken away
    settle(page)
    page.screenshot(path=str(tmp_path / "stroke-taken-away.png"))
    assert overlay_count(page) < marked  # the stroke is cut out of the mask shown
    assert page.evaluate("document.body.dataset.markers") == "3"  # the + and - markers stay
    s = state(page)
    assert s["objects"] == 2 and [m["kind"] for m in s["marks"]].count("point") == 2
    # painting over the pixels taken away brings them back
    page.click("#keep-mode")
    drag(page, [screen_of(page, 330, 250), screen_of(page, 400, 320)])
    settle(page)
    assert overlay_count(page) >= marked and page.evaluate("document.body.dataset.markers") == "3"
    # Ctrl-Z takes back the painted stroke, then the stroke taken away, then the last click
    page.keyboard.press("Control+z")
    settle(page)
    page.keyboard.press("Control+z")
    settle(page)
    assert overlay_count(page) == marked and page.evaluate("document.body.dataset.markers") == "3"
    page.keyboard.press("Control+z")
    page.wait_for_function("document.body.dataset.markers === '2'")
    settle(page)
    assert state(page)["objects"] == 1
    page.keyboard.press("m")
    page.keyboard.press("Escape")
    page.wait_for_function("document.body.dataset.overlay === 'none'")
