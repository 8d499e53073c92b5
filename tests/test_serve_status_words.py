"""What the status line says, in Chromium against `eraser serve` with no
models installed (the tests' empty model store), as a first-time tryout met it:
the missing model said once, not again on the first click in other words; Esc
then Ctrl-Z said "took back the last mark" while every cleared mark came back;
Ctrl-Z and redo with nothing left repeated the last step's words."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import erase_and_settle, folder, open_spoon, page, screen_of, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

SAID = "document.getElementById('message').textContent"
MARKS = "document.querySelectorAll('#marks .plus').length"


def said(page):
    return page.evaluate(SAID)


def wait_said(page, text, marks=None):
    """Wait until the status line is `text` (and `marks` + markers show), the page idle."""
    page.wait_for_function(f"([text, marks]) => {SAID} === text && (marks === null || {MARKS} === marks)",
                           arg=[text, marks])
    settle(page)


def test_a_missing_model_is_said_once_a_page_and_not_again_on_clicks_or_erases(page):  # noqa: F811
    page.wait_for_function(f"{SAID}.includes('mobile-sam')")  # the start says it: the one time
    open_spoon(page)
    seen = []
    for x, y in [(365, 285), (100, 100), (500, 300)]:
        page.mouse.click(*screen_of(page, x, y))
        page.wait_for_function(f"{SAID}.startsWith('segmented by')")
        settle(page)
        seen.append(said(page))
    assert seen == ["segmented by point"] * 3, seen  # the old page's first click said the model again
    assert page.inner_text("#segmenter-info") == "Segmenter: point"  # the badge carries it after
    erase_and_settle(page)
    first = said(page)
    assert first.startswith("erased") and "'lama' is not available" in first, first  # the fill's own fallback: once
    page.keyboard.press("Control+z")
    page.wait_for_function(f"{SAID}.startsWith('undone')")
    settle(page)
    erase_and_settle(page)
    assert said(page) == "erased"


def test_undo_after_esc_says_the_marks_came_back_and_nothing_left_is_said(page):  # noqa: F811
    open_spoon(page)
    for n, (x, y) in enumerate([(365, 285), (100, 100), (500, 300)], 1):
        page.mouse.click(*screen_of(page, x, y))
        page.wait_for_function(f"{MARKS} === {n} && {SAID}.startsWith('segmented by')")
        settle(page)
    page.keyboard.press("Escape")
    wait_said(page, "marks cleared", 0)
    page.keyboard.press("Control+z")
    wait_said(page, "brought back the 3 marks Esc cleared", 3)  # the old page: "took back the last mark"
    for left in (2, 1, 0):
        _press_then(page, "Control+z", left, "took back the last mark")
    page.keyboard.press("Control+z")
    wait_said(page, "nothing to undo", 0)
    for n in (1, 2, 3):
        _press_then(page, "Control+Shift+z", n, "brought back the mark")
    page.keyboard.press("Control+Shift+z")
    wait_said(page, "cleared the marks again", 0)
    page.keyboard.press("Control+Shift+z")
    wait_said(page, "nothing to redo", 0)


def _press_then(page, keys, marks, words):
    """Press ``keys``; then ``marks`` marks are on the photo and the status line says ``words``."""
    page.keyboard.press(keys)
    page.wait_for_function(f"{MARKS} === {marks}")
    settle(page)
    assert said(page) == words


def test_enter_with_nothing_marked_says_so(page):  # noqa: F811
    """The hint says Enter erases; on a photo with no marks the old page said nothing at all."""
    open_spoon(page)
    page.locator("#stage").focus()
    page.keyboard.press("Enter")
    wait_said(page, "nothing is marked: click an object", 0)
    assert page.locator("#undo").is_disabled()  # and nothing was erased
