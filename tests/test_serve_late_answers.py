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
from test_serve_editor import close_page, folder, new_page, open_spoon, screen_of, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


# the tall photo shown with its own state: its size, nothing marked on it
TALL_UNMARKED = {"current": "tall.jpg", "w": "400", "canvas": 400, "markers": "0", "overlay": "none", "erase": False}


def shown(page):
    return page.evaluate("""({current: document.querySelector('#photos figure.current')?.dataset.name,
        w: document.body.dataset.w, canvas: document.getElementById('photo').width,
        markers: document.body.dataset.markers, overlay: document.body.dataset.overlay,
        erase: !document.getElementById('erase').disabled})""")


def hold(page, pattern, method="POST"):
    """The first `method` request matching `pattern` waits in the browser until
    released (held[0].continue_()); the others go on. Returns the held list."""
    held = []
    page.route(pattern, lambda route: held.append(route) if route.request.method == method and not held
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
    assert shown(page) == TALL_UNMARKED
    # the spoon kept its mark: nothing lost
    open_spoon(page)
    assert shown(page) == {"current": "spoon.jpg", "w": "600", "canvas": 600, "markers": "1", "overlay": "shown",
                           "erase": True}
    assert close_page(page) == []


def test_ctrl_z_queued_behind_a_mark_leaves_the_page_idle(browser, server):  # noqa: F811
    """A click, then Ctrl-Z before its answer: the undo waits for the mark and
    takes it back, and then nothing is at work. "segmenting…" ended only with
    a mark that was last in the queue: with the undo last, the pill spun and
    `working` stayed set for good (seen on screen; a test that waits for an
    idle page then waits forever). The mark's answer is held until Ctrl-Z is
    queued behind it, so the order is certain."""
    page = new_page(browser, server)
    open_spoon(page)
    held = hold(page, "**/api/photos/*/marks")
    page.mouse.click(*screen_of(page, 365, 285))
    page.wait_for_function("document.body.dataset.working === 'segment'")  # asked; the answer is held
    page.keyboard.press("Control+z")
    for _ in range(1000):  # the held route reaches the test a moment after the page sent the mark
        if held:
            break
        page.wait_for_timeout(10)
    held[0].continue_()
    settle(page)
    assert page.is_hidden("#busy") and "took back the last mark" in page.inner_text("#message")
    assert page.evaluate("[document.body.dataset.markers, document.body.dataset.overlay]") == ["0", "none"]
    assert close_page(page) == []


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
    assert close_page(page) == []


def test_a_click_while_the_next_photo_is_still_drawn_is_refused_not_put_on_it(browser, server):  # noqa: F811
    """The view takes the next photo's size before its pixels arrive; a click
    then lands on what is still the old picture, so it must not mark the new one."""
    page = new_page(browser, server)
    open_spoon(page)
    spoon = page.evaluate("document.body.dataset.photo")  # its own image loads are not held
    held = hold(page, lambda url: "/image?" in url and spoon not in url, method="GET")
    page.click("#photos img[data-name='tall.jpg']")
    page.wait_for_function("document.getElementById('canvas-box').style.width === '400px'")
    box = page.locator("#stage").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('message').textContent.includes('not applied')"
                           " || document.body.dataset.markers !== '0'")  # refused, or a marker drawn
    assert "not applied" in page.inner_text("#message") and page.evaluate("document.body.dataset.markers") == "0"
    assert len(held) == 1
    held[0].continue_()
    settle(page)
    assert shown(page) == TALL_UNMARKED
    assert close_page(page) == []


def test_a_mark_answered_while_the_next_photo_opens_does_not_lift_the_refusal(browser, server):  # noqa: F811
    """Found by a review: a mark still in flight when a thumbnail was clicked
    ended with "not working any more", and from then on a click was sent to
    the new photo while the old picture was still drawn, and Enter started an
    erase that Escape could not cancel. Both requests are held by the test."""
    page = new_page(browser, server)
    open_spoon(page)
    spoon = page.evaluate("document.body.dataset.photo")
    mark = hold(page, "**/api/photos/*/marks")
    page.mouse.click(*screen_of(page, 365, 285))  # the spoon's mark: held
    tall_image = lambda url: "/image?" in url and spoon not in url  # noqa: E731
    image = hold(page, tall_image, method="GET")
    with page.expect_request(lambda request: tall_image(request.url)):
        page.click("#photos img[data-name='tall.jpg']")
    page.wait_for_function("document.getElementById('canvas-box').style.width === '400px'")
    assert len(mark) == 1 and len(image) == 1
    with page.expect_response("**/api/photos/*/marks"):
        mark[0].continue_()
    page.wait_for_function("document.body.dataset.working === 'open'")  # the mark's end kept the opening state
    box = page.locator("#stage").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('message').textContent.includes('not applied')"
                           " || document.body.dataset.markers !== '0'")
    assert "not applied" in page.inner_text("#message")  # (the spoon's own marker is still drawn on its picture)
    page.keyboard.press("Enter")
    assert page.evaluate("document.body.dataset.working") == "open"  # no erase started
    image[0].continue_()
    settle(page)
    assert shown(page) == TALL_UNMARKED
    assert close_page(page) == []
