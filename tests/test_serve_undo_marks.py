"""Undoing an erase brings back the marks it was made from. Found by a
first-time tryout (notes/tryout7.md, item 4): after Erase, Ctrl-Z gave the
image back but not the clicks, exclusions, box and strokes, and Undo went grey,
so a person who erased too little had to mark everything again. Now the image
before the erase comes back with its marks and overlay, to change one and erase
again; Redo applies the erase again (marks cleared, as after an erase).
Played over HTTP and in Debian's Chromium against `eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, open_spoon, page, screen_of, server, settle, state  # noqa: F401

SPOON_CLICK, OTHER_CLICK, EXCLUDED = [365, 285], [100, 340], [40, 40]


def test_the_routes_bring_the_marks_back_with_the_image_and_redo_clears_them(server):  # noqa: F811
    c = server.client
    pid = server.open()["id"]
    c.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": SPOON_CLICK})
    c.post(f"/api/photos/{pid}/marks", json={"kind": "exclude", "point": EXCLUDED})
    marked = c.post(f"/api/photos/{pid}/strokes", json={"points": [[60, 300], [140, 380]], "radius": 8}).json()
    erased = c.post(f"/api/photos/{pid}/erase").json()
    assert erased["marks"] == [] and not erased["can_take_back"]
    other = c.post(f"/api/photos/{pid}/undo", headers={"x-eraser-client": "someone-else"})
    assert other.status_code in (403, 404, 410) and "\n" not in other.json()["error"]
    undone = c.post(f"/api/photos/{pid}/undo").json()
    assert undone["marks"] == marked["marks"] and undone["objects"] == marked["objects"]
    assert undone["overlay"] == marked["overlay"] and undone["can_redo"] and not undone["can_undo"]
    # the marks' own history came back too: Ctrl-Z takes back the stroke, then the exclusion
    back = c.post(f"/api/photos/{pid}/marks/back").json()
    assert [m["kind"] for m in back["marks"]] == ["point", "exclude"]
    c.post(f"/api/photos/{pid}/marks/forward")
    redone = c.post(f"/api/photos/{pid}/redo").json()
    assert redone["marks"] == [] and redone["overlay"] is None and redone["can_undo"] and not redone["can_redo"]
    again = c.post(f"/api/photos/{pid}/undo").json()  # the record went back with the redo
    assert again["marks"] == marked["marks"]
    c.post(f"/api/photos/{pid}/close", json={"discard": True})


def download(page, path):
    with page.expect_download() as d:
        page.click("#download")
    d.value.save_as(path)
    return path.read_bytes()


def erase(page):
    page.keyboard.press("Enter")
    page.wait_for_function("!document.getElementById('undo').disabled && document.body.dataset.overlay === 'none'"
                           " && document.querySelectorAll('#marks .plus, #marks .minus').length === 0")
    settle(page)


def marks_back(page):
    page.wait_for_function("document.querySelectorAll('#marks .plus').length === 2"
                           " && document.querySelectorAll('#marks .minus').length === 1"
                           " && document.body.dataset.overlay === 'shown'")
    settle(page)


@pytest.mark.browser
@pytest.mark.slow  # a real server clicked in Chromium
def test_ctrl_z_after_an_erase_gives_back_the_marks_and_erasing_again_gives_the_same_bytes(page, tmp_path):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, *SPOON_CLICK))
    settle(page)
    page.mouse.click(*screen_of(page, *OTHER_CLICK))
    settle(page)
    page.mouse.click(*screen_of(page, *EXCLUDED), button="right")
    settle(page)
    before = state(page)
    assert [m["kind"] for m in before["marks"]] == ["point", "point", "exclude"]
    erase(page)
    first = download(page, tmp_path / "first.jpg")

    page.keyboard.press("Control+z")
    marks_back(page)
    s = state(page)
    assert s["marks"] == before["marks"] and s["can_redo"] and not s["can_undo"]
    assert [float(v) for v in (page.locator("#marks .minus").get_attribute("data-x"),
                               page.locator("#marks .minus").get_attribute("data-y"))] == [40.5, 40.5]
    assert not page.locator("#undo").is_disabled() and not page.locator("#erase").is_disabled()
    erase(page)
    assert download(page, tmp_path / "second.jpg") == first

    # undo, then Redo: the erase again, its marks cleared
    page.keyboard.press("Control+z")
    marks_back(page)
    page.click("#redo")
    page.wait_for_function("document.getElementById('redo').disabled && document.body.dataset.overlay === 'none'"
                           " && document.querySelectorAll('#marks .plus, #marks .minus').length === 0")
    settle(page)
    assert state(page)["marks"] == [] and download(page, tmp_path / "redone.jpg") == first
    # Ctrl-Z still takes back the last mark before an erase: here the marks come back, then go one by one
    page.keyboard.press("Control+z")
    marks_back(page)
    page.keyboard.press("Control+z")
    page.wait_for_function("document.querySelectorAll('#marks .minus').length === 0")
    settle(page)
    assert page.locator("#marks .plus").count() == 2 and page.evaluate("document.body.dataset.overlay") == "shown"
