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


def _mask_png(width, height, x0, y0, x1, y1):
    import io

    import numpy as np
    from PIL import Image

    mask = np.zeros((height, width), np.uint8)
    mask[y0:y1, x0:x1] = 255
    out = io.BytesIO()
    Image.fromarray(mask).save(out, format="PNG")
    return out.getvalue()


def test_redo_and_undo_where_a_stroke_took_away_the_whole_first_object(server):  # noqa: F811
    """Found by a review: the marks were restored one object at a time with
    the whole stroke already cut, so the first object alone was empty, the
    restore stopped half way (400) and the page's marks no longer matched the
    session's (Erase then said "nothing to remove")."""
    c = server.client
    opened = server.open()
    pid, width, height = opened["id"], opened["width"], opened["height"]
    assert c.post(f"/api/photos/{pid}/mask", content=_mask_png(width, height, 50, 50, 100, 100)).status_code == 200
    two = c.post(f"/api/photos/{pid}/mask", content=_mask_png(width, height, 400, 50, 450, 100)).json()
    assert len(two["marks"]) == 2
    cut = c.post(f"/api/photos/{pid}/strokes", json={"points": [[40, 75], [110, 75]], "radius": 40, "erase": True})
    assert cut.status_code == 200 and len(cut.json()["marks"]) == 2  # the second object is left
    assert c.post(f"/api/photos/{pid}/marks/back").status_code == 200  # the stroke taken back
    again = c.post(f"/api/photos/{pid}/marks/forward")  # and brought back
    assert again.status_code == 200, again.text
    assert again.json()["marks"] == cut.json()["marks"]
    erased = c.post(f"/api/photos/{pid}/erase")
    assert erased.status_code == 200, erased.text
    c.post(f"/api/photos/{pid}/close", json={"discard": True})


def kinds(page):
    return [m["kind"] for m in state(page)["marks"]]


@pytest.mark.browser
@pytest.mark.slow  # a real server clicked in Chromium
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
