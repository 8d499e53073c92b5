"""Redo brings back a mark that Ctrl-Z took back, as it brings back an erase.
Found by a first-time tryout: one Ctrl-Z too many after painting a stroke lost
the stroke for good (Redo stayed disabled), so the painting had to be done
again. Played in Debian's Chromium against `eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import (folder, open_spoon, overlay_count, page, screen_of, server,  # noqa: F401
                               settle, state)


def test_the_route_brings_back_in_order_and_refuses_with_one_line(server):  # noqa: F811
    c = server.client
    pid = server.open()["id"]
    r = c.post(f"/api/photos/{pid}/marks/forward")
    assert r.status_code == 400 and r.json()["error"] == "no mark to bring back"
    c.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [365, 285]})
    two = c.post(f"/api/photos/{pid}/marks", json={"kind": "exclude", "point": [40, 40]}).json()
    assert not two["can_bring_back"]
    assert c.post(f"/api/photos/{pid}/marks/back").json()["can_bring_back"]
    none = c.post(f"/api/photos/{pid}/marks/back").json()
    assert none["marks"] == [] and none["can_bring_back"]
    one = c.post(f"/api/photos/{pid}/marks/forward").json()
    assert [m["kind"] for m in one["marks"]] == ["point"] and one["can_take_back"]
    again = c.post(f"/api/photos/{pid}/marks/forward").json()
    assert again["marks"] == two["marks"] and not again["can_bring_back"]
    other = c.post(f"/api/photos/{pid}/marks/forward", headers={"x-eraser-client": "someone-else"})
    assert other.status_code in (403, 404, 410) and "\n" not in other.json()["error"]
    c.post(f"/api/photos/{pid}/close", json={"discard": True})


@pytest.mark.browser
@pytest.mark.slow  # a real server clicked in Chromium


def kinds(page):
    return [m["kind"] for m in state(page)["marks"]]


def test_redo_brings_back_a_taken_back_mark_and_a_new_mark_ends_that(page):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    page.keyboard.press("b")
    page.mouse.move(*screen_of(page, 100, 100))
    page.mouse.down()
    page.mouse.move(*screen_of(page, 200, 100), steps=4)
    page.mouse.up()
    settle(page)
    painted = overlay_count(page)
    assert kinds(page) == ["point", "painted"] and page.locator("#redo").is_disabled()
    page.keyboard.press("Control+z")  # the stroke taken back
    page.wait_for_function("!document.getElementById('redo').disabled")
    settle(page)
    assert kinds(page) == ["point"] and overlay_count(page) < painted
    page.keyboard.press("Control+z")  # and the click
    page.wait_for_function("document.body.dataset.overlay === 'none'")
    settle(page)
    page.keyboard.press("Control+Shift+z")  # the click comes back, then the stroke, as they were
    page.wait_for_function("document.body.dataset.markers === '1'")
    settle(page)
    assert kinds(page) == ["point"] and not page.locator("#redo").is_disabled()
    page.click("#redo")
    page.wait_for_function("document.getElementById('redo').disabled")
    settle(page)
    assert kinds(page) == ["point", "painted"] and overlay_count(page) == painted
    assert "brought back" in page.inner_text("#message")
    # a new mark after a take-back: nothing to bring back any more
    page.keyboard.press("Control+z")
    page.wait_for_function("!document.getElementById('redo').disabled")
    settle(page)
    page.keyboard.press("m")
    page.mouse.click(*screen_of(page, 40, 40), button="right")
    page.wait_for_function("document.getElementById('redo').disabled && document.body.dataset.markers === '2'")
    settle(page)
    assert kinds(page) == ["point", "exclude"]
