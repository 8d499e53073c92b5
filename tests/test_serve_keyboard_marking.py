"""Marking with the keyboard alone, and a click made while a photo opens, in
Debian's Chromium against `eraser serve` started for real. Found by a
first-time tryout: without a mouse no object could be marked (the help said
"a spot cannot be marked with keys yet"); and a click made while a photo was
still opening was refused in a note that the opened photo's own notes
replaced at once, so the click was lost without a word a person could read."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import erase_and_settle, folder, open_spoon, page, screen_of, server, settle, state  # noqa: F401
from test_serve_keyboard import FOCUSED, tab_to
from test_serve_late_answers import hold

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

SPOON_AT, KEEP_AT = (365, 285), (60, 60)  # a pixel of the spoon, one of the table far from it


def crosshair(page):
    at = page.evaluate("document.body.dataset.crosshair")
    return tuple(int(v) for v in at.split(",")) if at else None


def steer(page, target, presses=80):
    """Arrow keys (Shift+arrows while far) until the crosshair is within one small step of `target`."""
    for _ in range(presses):
        x, y = crosshair(page)
        zoom = float(page.evaluate("document.body.dataset.zoom"))
        small = max(1, round(5 / zoom))
        dx, dy = target[0] - x, target[1] - y
        if abs(dx) < small and abs(dy) < small:
            return (x, y)
        key = ("ArrowRight" if dx > 0 else "ArrowLeft") if abs(dx) >= abs(dy) else ("ArrowDown" if dy > 0 else "ArrowUp")
        big = max(abs(dx), abs(dy)) >= 10 * small
        page.keyboard.press(f"Shift+{key}" if big else key)
    raise AssertionError(f"the crosshair never reached {target}: at {crosshair(page)}")


def test_a_person_without_a_mouse_marks_keeps_and_erases(page):  # noqa: F811
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "spoon.jpg")
    page.keyboard.press("Enter")  # the photo opened from its thumbnail
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'spoon.jpg'")
    settle(page)
    # discoverable: the help names the keys
    page.keyboard.press("?")
    page.wait_for_selector("#help:not([hidden])")
    assert "arrow keys" in page.inner_text("#help") and "K" in page.inner_text("#help")
    page.keyboard.press("Escape")
    # an arrow from the thumbnail goes to the photo: a crosshair at the centre of what is shown
    page.keyboard.press("ArrowDown")
    assert crosshair(page) is not None and page.evaluate(FOCUSED) == "stage"
    # Tab reaches the photo too; the hint says the keys
    tab_to(page, "zoom-out")
    assert crosshair(page) is None
    tab_to(page, "stage")
    assert crosshair(page) is not None
    assert "A: mark" in page.inner_text("#hint")
    # arrows move it; A marks the spoon there as a click would
    at = steer(page, SPOON_AT)
    page.keyboard.press("a")
    page.wait_for_function("document.body.dataset.overlay === 'shown'")
    settle(page)
    # K: a spot that must stay (a - marker)
    steer(page, KEEP_AT)
    page.keyboard.press("k")
    page.wait_for_function("document.querySelectorAll('#marks .minus:not(.pending)').length === 1")
    settle(page)
    marks = state(page)["marks"]
    assert [m["kind"] for m in marks] == ["point", "exclude"]
    assert marks[0]["point"] == list(at)
    assert abs(marks[1]["point"][0] - KEEP_AT[0]) <= 5 and abs(marks[1]["point"][1] - KEEP_AT[1]) <= 5
    assert page.evaluate(FOCUSED) == "stage"
    # Enter still erases
    erase_and_settle(page)
    assert state(page)["unsaved"] is True


def test_arrows_leave_a_focused_slider_alone_and_a_stray_a_marks_nothing(page):  # noqa: F811
    open_spoon(page)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("a")  # with the crosshair hidden: shown, nothing marked
    page.wait_for_function("document.body.dataset.crosshair !== ''")
    assert page.evaluate("document.body.dataset.markers") == "0" and state(page)["objects"] == 0
    assert page.evaluate(FOCUSED) == "stage"
    before = crosshair(page)
    tab_to(page, "dilate")  # the crosshair goes with the photo's focus
    assert crosshair(page) is None
    dilate = page.eval_on_selector("#dilate", "e => e.value")
    page.keyboard.press("ArrowRight")
    assert page.eval_on_selector("#dilate", "e => e.value") != dilate  # the slider's own key
    assert crosshair(page) is None
    tab_to(page, "stage")
    assert crosshair(page) == before  # back where it was
    page.keyboard.press("ArrowRight")
    assert crosshair(page)[0] > before[0]


def test_a_click_while_a_photo_opens_is_said_after_it_shows(page):  # noqa: F811
    open_spoon(page)
    held = hold(page, "**/api/photos/open")
    page.click("#photos img[data-name='tall.jpg']")  # its answer is held: the spoon is still drawn
    page.wait_for_function("document.body.dataset.working === 'open'")
    box = page.locator("#stage").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('message').textContent.includes('not applied')")
    assert "not applied" in page.inner_text("#busy-text")  # said on the photo, where the person looks
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'tall.jpg'")
    settle(page)
    # the opened photo's notes did not wipe it: still said, nothing marked on either photo
    assert "not applied" in page.inner_text("#message") and "do it again" in page.inner_text("#message")
    assert page.evaluate("document.body.dataset.markers") == "0" and state(page)["objects"] == 0


def test_plus_zooms_around_the_crosshair_and_its_steps_get_finer(page):  # noqa: F811
    """A keyboard user's pointer is the crosshair: + zoomed around the stage's centre and lost it."""
    open_spoon(page)
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "stage")
    steer(page, SPOON_AT)
    centre = "(() => { const r = document.querySelector('#marks .crosshair circle').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    before, pixel = page.evaluate(centre), crosshair(page)
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert float(page.evaluate("document.body.dataset.zoom")) > 2
    after = page.evaluate(centre)
    assert crosshair(page) == pixel and abs(after[0] - before[0]) < 1.5 and abs(after[1] - before[1]) < 1.5
    page.keyboard.press("ArrowRight")
    assert crosshair(page) == (pixel[0] + max(1, round(5 / float(page.evaluate("document.body.dataset.zoom")))), pixel[1])


def test_a_click_queued_before_switching_photos_goes_to_its_photo(page):  # noqa: F811
    """Two clicks on the spoon (the second queued behind the first), then another
    photo: the queued click was dropped without a word; it belongs to the spoon."""
    open_spoon(page)
    held = hold(page, "**/api/photos/*/marks")
    page.mouse.click(*screen_of(page, 365, 285))  # answered late
    page.wait_for_function("document.body.dataset.working === 'segment'")
    page.mouse.click(*screen_of(page, 100, 100))  # queued behind it
    page.click("#photos img[data-name='tall.jpg']")
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'tall.jpg'"
                           " && !document.body.dataset.working")
    held[0].continue_()
    page.wait_for_function("document.getElementById('message').textContent.includes('applied to spoon.jpg')")
    settle(page)
    assert page.evaluate("document.body.dataset.markers") == "0"  # nothing drawn on the tall photo
    open_spoon(page)
    assert page.evaluate("document.body.dataset.markers") == "2"  # both clicks are with the spoon
