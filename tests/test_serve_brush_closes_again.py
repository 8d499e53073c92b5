"""A take-away narrower than twice Dilate closes again in the red: the page
says so and keeps the stroke drawn. Found by a first-time tryout: a brush
take-away across the spoon showed no change at all, and the person took the
take-away for broken. Played in Debian's Chromium against `eraser serve`."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import drag, folder, open_spoon, page, screen_of, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

SPOON_AT = (365, 285)
ACROSS = [(330, 285), (400, 285)]  # across the spoon's bowl


def take_away_with(page, size, points):
    page.keyboard.press("b")
    page.evaluate(f"(() => {{ const s = document.getElementById('brush-size'); s.value = {size};"
                  "s.dispatchEvent(new Event('input')); })()")
    page.click("#keep-mode")
    drag(page, [screen_of(page, *p) for p in points])
    settle(page)
    page.click("#keep-mode")
    page.keyboard.press("m")


def test_a_narrow_take_away_is_shown_and_explained(page, tmp_path):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, *SPOON_AT))
    settle(page)
    take_away_with(page, 4, ACROSS)  # 4 screen px: a few photo pixels, Dilate 10 closes it
    page.screenshot(path=str(tmp_path / "closes-again.png"))
    assert "closes again" in page.inner_text("#message") and "Dilate" in page.inner_text("#message")
    assert page.locator("#marks .stroke.keep.closed").count() == 1
    assert page.evaluate("document.body.dataset.closedCuts") == "1"
    # the next answer (Ctrl-Z here) takes the hatched stroke away with the note's moment
    page.keyboard.press("Control+z")
    settle(page)
    assert page.locator("#marks .stroke.keep.closed").count() == 0


def test_a_wide_take_away_says_nothing_of_the_kind(page, tmp_path):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, *SPOON_AT))
    settle(page)
    take_away_with(page, 80, ACROSS)  # wider than twice Dilate: the cut shows in the red
    assert "closes again" not in page.inner_text("#message")
    assert page.locator("#marks .stroke.keep.closed").count() == 0
