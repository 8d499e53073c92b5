"""Switching photos while the server still answers for the one before, as a
person does on a slow machine: a late answer must not take over the page.
Found by a first-time tryout (throttled Chromium): a click on one photo, then
a thumbnail, left the other photo's image shown with the first photo's state
(its size, its overlay, its thumbnail lit, Erase aimed at it).

The late answer is made late for certain, not by luck: Playwright holds the
request in the browser until the other photo is shown, then lets it go to the
real server."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, new_page, open_spoon, screen_of, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


def shown(page):
    return page.evaluate("""({current: document.querySelector('#photos figure.current')?.dataset.name,
        w: document.body.dataset.w, canvas: document.getElementById('photo').width,
        markers: document.body.dataset.markers, overlay: document.body.dataset.overlay,
        erase: !document.getElementById('erase').disabled})""")


def hold(page, pattern):
    """The first POST matching `pattern` waits in the browser until released
    (held[0].continue_()); the others go on. Returns the held list."""
    held = []
    page.route(pattern, lambda route: held.append(route) if route.request.method == "POST" and not held
               else route.continue_())
    return held


def test_a_mark_answered_after_switching_photos_stays_with_its_photo(browser, server):  # noqa: F811
    page = new_page(browser, server)
    open_spoon(page)
    held = hold(page, "**/api/photos/*/marks")
    page.mouse.click(*screen_of(page, 365, 285))  # the spoon: its answer is held
    page.click("#photos img[data-name='tall.jpg']")
    page.wait_for_function("document.querySelector('#photos figure.current')?.dataset.name === 'tall.jpg'"
                           " && document.body.dataset.w === '400' && !document.body.dataset.working")
    assert len(held) == 1
    held[0].continue_()
    settle(page)
    # the page still shows the tall photo, with the tall photo's state: nothing marked on it
    assert shown(page) == {"current": "tall.jpg", "w": "400", "canvas": 400, "markers": "0", "overlay": "none",
                           "erase": False}
    # the spoon kept its mark: nothing lost
    open_spoon(page)
    assert shown(page) == {"current": "spoon.jpg", "w": "600", "canvas": 600, "markers": "1", "overlay": "shown",
                           "erase": True}
    errors = page.errors
    page.context.close()
    assert errors == []


def test_of_two_photos_picked_quickly_the_last_one_is_shown(browser, server):  # noqa: F811
    page = new_page(browser, server)
    open_spoon(page)
    held = hold(page, "**/api/photos/open")
    page.click("#photos img[data-name='tall.jpg']")  # its answer is held
    page.wait_for_function("document.body.dataset.working === 'open'")
    page.click("#photos img[data-name='spoon.jpg']")  # picked second, answered first
    page.wait_for_function("!document.body.dataset.working")  # the spoon's answer came; the tall one's waits
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function("document.body.dataset.busy === '0'")
    settle(page)
    assert shown(page)["current"] == "spoon.jpg" and shown(page)["w"] == "600" and shown(page)["canvas"] == 600
    errors = page.errors
    page.context.close()
    assert errors == []
