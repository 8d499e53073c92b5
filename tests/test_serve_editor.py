"""The editor's scenarios (issue 23), each played in Debian's Chromium through
Playwright against `eraser serve` started for real: marks visible and
reversible, brush and mask files, zoom, nothing lost, touch and layout.
Tests wait for states the page publishes on <body data-...>, never for time."""

import shlex
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser, shot, wait_idle  # noqa: F401 - browser: the module's Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("shoot")
    shutil.copy(SPOON, root / "spoon.jpg")
    Image.open(SPOON).transpose(Image.Transpose.ROTATE_90).save(root / "tall.jpg", quality=92)
    return root


@pytest.fixture(scope="module")
def server(folder):
    s = Server(folder)
    yield s
    s.stop()


def new_page(browser, server, **context):
    ctx = browser.new_context(**{"viewport": {"width": 1200, "height": 800}, "accept_downloads": True, **context})
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("body[data-ready=yes]")
    return page


def close_page(page):
    """Close ``page``'s browser context; returns the script errors it raised (none: [])."""
    errors = page.errors
    page.context.close()
    return errors


@pytest.fixture
def page(browser, server):
    page = new_page(browser, server)
    yield page
    assert close_page(page) == []


def open_spoon(page, name="spoon.jpg"):
    page.click(f"#photos img[data-name='{name}']")
    page.wait_for_function(f"document.body.dataset.photo && document.querySelector('#photos figure.current')?.dataset.name === '{name}'")
    wait_idle(page)


def screen_of(page, x, y):
    """The screen point at the centre of photo pixel (x, y), from the overlay's box on screen."""
    box = page.locator("#overlay").bounding_box()
    w, h = page.evaluate("[Number(document.body.dataset.w), Number(document.body.dataset.h)]")
    return box["x"] + (x + 0.5) * box["width"] / w, box["y"] + (y + 0.5) * box["height"] / h



def zoom_in_at(page, x, y, at_least):
    """Wheel-zoom with the pointer on photo pixel (x, y) until the view's zoom is at least ``at_least``."""
    page.mouse.move(*screen_of(page, x, y))
    while float(page.evaluate("document.body.dataset.zoom")) < at_least:
        page.mouse.wheel(0, -400)

def state(page):
    return page.evaluate("""async () => (await fetch('/api/photos/' + document.body.dataset.photo,
        {headers: {'x-eraser-client': document.body.dataset.client}})).json()""")


settle = wait_idle  # no request in flight and nothing at work (the editor's tests say "settle")


def erase_and_settle(page):
    """Enter, then wait until the erase has landed (Undo offered, the overlay gone) and the page is idle."""
    page.keyboard.press("Enter")
    page.wait_for_function("!document.getElementById('undo').disabled && document.body.dataset.overlay === 'none'")
    settle(page)


# 1. Every mark visible and reversible ----------------------------------------------------------
def test_marks_are_visible_and_taken_back_one_at_a_time(page, tmp_path):
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    plus = page.locator("#marks .plus")
    assert plus.count() == 1
    # the + marker sits on the clicked pixel (its centre, in photo pixels)
    assert [float(plus.get_attribute("data-x")), float(plus.get_attribute("data-y"))] == [365.5, 285.5]
    page.mouse.click(*screen_of(page, 40, 40), button="right")
    settle(page)
    assert page.locator("#marks .minus").count() == 1
    # a rubber band while a box is dragged, before the button is released
    page.mouse.move(*screen_of(page, 60, 300))
    page.mouse.down()
    page.mouse.move(*screen_of(page, 140, 380), steps=4)
    assert page.evaluate("document.body.dataset.band") == "shown" and page.locator("#marks .band").count() == 1
    page.mouse.up()
    settle(page)
    assert page.locator("#marks .box").count() == 1 and state(page)["objects"] == 2
    shot(page, tmp_path, "markers.png", "serve-markers.png")
    # Esc with the help open closes the help and keeps the marks behind it
    page.keyboard.press("?")
    page.keyboard.press("Escape")
    assert page.locator("#help").is_hidden() and page.locator("#marks .box").count() == 1 and state(page)["objects"] == 2
    # Ctrl-Z takes back the box, then the exclusion, then the click; the erase stays to undo later
    page.keyboard.press("Control+z")
    page.wait_for_function("document.querySelectorAll('#marks .box').length === 0")
    settle(page)
    page.keyboard.press("Control+z")
    page.wait_for_function("document.querySelectorAll('#marks .minus').length === 0")
    settle(page)
    assert page.locator("#marks .plus").count() == 1 and page.evaluate("document.body.dataset.overlay") == "shown"
    page.keyboard.press("Control+z")
    page.wait_for_function("document.body.dataset.overlay === 'none'")
    settle(page)
    assert page.locator("#marks .plus").count() == 0


def test_a_click_outside_the_object_starts_another_and_shift_adds(page):
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    page.mouse.click(*screen_of(page, 368, 290))  # inside the spoon's mask: the same object
    settle(page)
    assert state(page)["objects"] == 1
    page.mouse.click(*screen_of(page, 80, 330))  # outside: a new object
    settle(page)
    assert state(page)["objects"] == 2
    page.keyboard.down("Shift")
    page.mouse.click(*screen_of(page, 150, 60))  # Shift: added to the current object
    page.keyboard.up("Shift")
    settle(page)
    s = state(page)
    assert s["objects"] == 2 and [m["object"] for m in s["marks"] if m["kind"] == "point"] == [0, 0, 1, 1]
    page.keyboard.press("Escape")
    page.wait_for_function("document.body.dataset.overlay === 'none'")


def test_help_lists_the_gestures_and_the_rule_is_on_the_page(page):
    assert "Shift-click" in page.inner_text("#hint")
    page.keyboard.press("b")  # the hint follows the tool
    assert "paint" in page.inner_text("#hint") and "drag: box" not in page.inner_text("#hint")
    page.keyboard.press("m")
    assert "Shift-click" in page.inner_text("#hint")
    assert page.locator("#help").is_hidden()
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    text = page.inner_text("#help")
    for words in ("outside", "Shift", "Right-click", "pinch", "two fingers", "Brush", "Ctrl-Z", "Esc"):
        assert words in text, words
    page.click("#help-close")
    assert page.locator("#help").is_hidden()
    page.keyboard.press("?")
    page.keyboard.press("Escape")  # Esc closes the panel (and only that)
    assert page.locator("#help").is_hidden()


# 2. Brush, mask files, copy command ----------------------------------------------------------------
def overlay_count(page):
    return page.evaluate("""() => { const c = document.getElementById('overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }""")


def drag(page, points, button="left"):
    page.mouse.move(*points[0])
    page.mouse.down(button=button)
    for p in points[1:]:
        page.mouse.move(*p, steps=3)
    page.mouse.up(button=button)


def test_brush_paints_and_takes_away_and_the_mask_goes_both_ways(page, tmp_path):
    open_spoon(page)
    page.keyboard.press("b")
    assert page.evaluate("document.body.dataset.tool") == "brush"
    page.mouse.move(*screen_of(page, 100, 100))
    page.mouse.down()
    page.mouse.move(*screen_of(page, 200, 100), steps=4)
    # drawn live, before the button is released and anything is sent
    assert page.locator("#marks .stroke").count() == 1 and page.evaluate("document.body.dataset.overlay") != "shown"
    page.mouse.up()
    settle(page)
    painted = overlay_count(page)
    assert painted > 0 and state(page)["objects"] == 1
    page.mouse.click(*screen_of(page, 365, 285))  # a dab with the brush adds too
    settle(page)
    more = overlay_count(page)
    assert more > painted
    page.click("#keep-mode")
    drag(page, [screen_of(page, 150, 80), screen_of(page, 150, 120)])
    settle(page)
    assert overlay_count(page) < more
    page.click("#keep-mode")
    shot(page, tmp_path, "brush.png", "serve-brush.png")
    # download the mask, clear, upload it again: the same selection
    with page.expect_download() as download:
        page.click("#more summary")
        page.click("#mask-download")
    mask_file = tmp_path / "mask.png"
    download.value.save_as(mask_file)
    mask = np.asarray(Image.open(mask_file))
    assert mask.shape == (400, 600) and mask[100, 120] == 255 and mask[100, 150] == 0
    before = overlay_count(page)
    page.keyboard.press("Escape")  # the first Esc closes the open menu and keeps the marks
    assert not page.evaluate("document.getElementById('more').open") and overlay_count(page) == before
    page.keyboard.press("Escape")  # the second clears them
    page.wait_for_function("document.body.dataset.overlay === 'none'")
    settle(page)
    page.set_input_files("#mask-file", str(mask_file))
    page.wait_for_function("document.body.dataset.overlay === 'shown'")
    settle(page)
    assert overlay_count(page) == before
    bad = tmp_path / "small.png"
    Image.new("L", (60, 40), 255).save(bad)
    page.set_input_files("#mask-file", str(bad))
    page.wait_for_selector("#message.error")
    assert "60x40" in page.inner_text("#message") and "600x400" in page.inner_text("#message")
    page.keyboard.press("Escape")


def run_command(command, folder, tmp_path):
    """Run the copied `eraser remove ...` in a copy of the served folder; the output's bytes."""
    work = tmp_path / "cli"
    work.mkdir(exist_ok=True)
    for f in folder.iterdir():
        shutil.copy(f, work / f.name)
    words = shlex.split(command)
    assert words[:2] == ["eraser", "remove"]
    subprocess.run([sys.executable, "-m", "eraser.cli", *words[1:], "-q"], cwd=work, check=True)
    return (work / "spoon.erased.jpg").read_bytes(), work


@pytest.mark.parametrize("how", ["clicks", "brush", "clicks and a stroke taken away"])
def test_copy_command_reproduces_the_download(page, folder, tmp_path, how):
    open_spoon(page)
    if how.startswith("clicks"):
        page.mouse.click(*screen_of(page, 365, 285))
        settle(page)
        page.mouse.click(*screen_of(page, 40, 40), button="right")
    if how == "clicks and a stroke taken away":  # the clicks stay clicks; the command needs the mask
        settle(page)
        page.keyboard.press("b")
        page.click("#keep-mode")
        drag(page, [screen_of(page, 340, 260), screen_of(page, 380, 300)])
        page.click("#keep-mode")
        settle(page)
        assert page.evaluate("document.body.dataset.markers") == "2"
        how = "brush"
    elif how == "brush":
        page.keyboard.press("b")
        drag(page, [screen_of(page, 330, 250), screen_of(page, 400, 320)])
    settle(page)
    erase_and_settle(page)
    page.click("#more summary")
    if how == "brush":
        with page.expect_download() as mask_download:
            page.click("#copy-command")
        command = page.wait_for_function("document.body.dataset.command").json_value()
        assert "--mask spoon.mask.png" in command
    else:
        page.click("#copy-command")
        command = page.wait_for_function("document.body.dataset.command").json_value()
        assert "--point 365,285" in command and "--exclude 40,40" in command
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "download.jpg"
    download.value.save_as(saved)
    work = tmp_path / "cli"
    work.mkdir()
    if how == "brush":
        mask_download.value.save_as(work / "spoon.mask.png")
    cli, _ = run_command(command, folder, tmp_path)
    assert cli == saved.read_bytes()
    page.keyboard.press("Control+z")  # the folder's photo back as it was for the next test
    page.wait_for_function("document.getElementById('redo').disabled === false")


# 3. Zoom and pan -------------------------------------------------------------------------------------
def test_a_click_at_400_percent_lands_on_the_right_pixel(page, tmp_path):
    open_spoon(page)
    target = (365, 285)
    page.mouse.move(*screen_of(page, *target))
    for _ in range(40):  # wheel until 400% or more
        if float(page.evaluate("document.body.dataset.zoom")) >= 4:
            break
        page.mouse.wheel(0, -120)
    zoom = float(page.evaluate("document.body.dataset.zoom"))
    assert zoom >= 4
    box = page.locator("#overlay").bounding_box()
    assert abs(box["width"] - 600 * zoom) < 1  # the photo is shown at that scale
    # the point under the pointer stayed under the pointer while zooming
    page.mouse.click(*screen_of(page, *target))
    settle(page)
    marks = [m["point"] for m in state(page)["marks"] if m["kind"] == "point"]
    assert marks == [list(map(float, target))]
    # a click 4 screen pixels right is the same photo pixel at 4x; 8 pixels right is the next-but-one
    shot(page, tmp_path, "zoomed.png", "serve-zoomed.png")
    # pan with the middle button: the photo moves with the pointer
    before = page.locator("#overlay").bounding_box()
    drag(page, [(600, 400), (500, 350)], button="middle")
    after = page.locator("#overlay").bounding_box()
    assert abs(after["x"] - before["x"] + 100) < 2 and abs(after["y"] - before["y"] + 50) < 2
    page.keyboard.press("0")
    fitted = page.locator("#overlay").bounding_box()
    stage = page.locator("#stage").bounding_box()
    assert fitted["width"] <= stage["width"] + 1 and fitted["height"] <= stage["height"] + 1
    page.keyboard.press("8")  # not a shortcut: nothing happens
    page.click("#zoom-one")
    assert abs(float(page.evaluate("document.body.dataset.zoom")) - 1) < 1e-3
    page.keyboard.press("Escape")
    page.wait_for_function("document.body.dataset.overlay === 'none'")


def test_zoom_reaches_8x(page):
    open_spoon(page)
    for _ in range(8):
        page.click("#zoom-in")
    assert float(page.evaluate("document.body.dataset.zoom")) >= 8


# 4. Nothing lost -------------------------------------------------------------------------------------
def test_switching_photos_and_reloading_keep_marks_result_and_history(page, browser, server):
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    erase_and_settle(page)
    page.mouse.click(*screen_of(page, 80, 330))  # a mark not yet erased
    settle(page)
    open_spoon(page, "tall.jpg")
    assert page.locator("#undo").is_disabled()
    open_spoon(page, "spoon.jpg")
    s = state(page)
    assert s["can_undo"] and s["unsaved"] and len(s["marks"]) == 1
    assert page.locator("#marks .plus").count() == 1 and page.evaluate("document.body.dataset.overlay") == "shown"
    # another tab opens the same photo: its own copy; this tab's is not closed under it
    other = new_page(browser, server)
    open_spoon(other)
    assert not state(other)["can_undo"]
    other.context.close()
    # a reload restores the open photo with its marks and history (the tab keeps its id)
    page.reload()
    page.wait_for_selector("body[data-ready=yes]")
    settle(page)
    assert page.evaluate("document.body.dataset.photo") == s["id"]
    assert page.locator("#marks .plus").count() == 1 and not page.locator("#undo").is_disabled()
    # leaving with unsaved erases asks first
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.mouse.click(*screen_of(page, 10, 10), button="right")  # a user gesture, as browsers require
    settle(page)
    page.close(run_before_unload=True)
    page.wait_for_event("dialog") if not dialogs else None
    assert dialogs == ["beforeunload"]
    page.errors = []


def download_enabled(page):
    return "disabled" not in (page.locator("#download").get_attribute("class") or "").split()


def test_undoing_back_to_the_opened_photo_leaves_nothing_unsaved(page):
    open_spoon(page)
    assert not download_enabled(page)  # nothing erased: nothing to download (a new user downloaded the input)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    erase_and_settle(page)
    unsaved_thumb = "#photos figure.current.unsaved"
    assert state(page)["unsaved"] and page.locator(unsaved_thumb).count() == 1
    assert download_enabled(page)
    page.click("#undo")  # back to the photo as opened: the same pixels, a new array on the server
    page.wait_for_function("!document.getElementById('redo').disabled && document.body.dataset.overlay === 'shown'")
    settle(page)  # the click that erase was made from is back (tests/test_serve_undo_marks.py)
    assert not state(page)["unsaved"] and page.locator(unsaved_thumb).count() == 0
    assert not download_enabled(page)
    # redo makes it unsaved again; undo once more, and leaving the page asks nothing
    page.click("#redo")
    page.wait_for_function("document.getElementById('redo').disabled")
    settle(page)
    assert state(page)["unsaved"] and page.locator(unsaved_thumb).count() == 1
    page.click("#undo")
    page.wait_for_function("!document.getElementById('redo').disabled")
    settle(page)
    assert not state(page)["unsaved"] and not state(page)["can_undo"]
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))  # accepted: the page closes either way
    page.mouse.click(*screen_of(page, 10, 10), button="right")  # a user gesture, as browsers require
    settle(page)
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert dialogs == []
    page.errors = []


def test_a_tab_cannot_read_or_close_another_tabs_photo(server):
    mine = server.client.post("/api/photos?name=a.jpg", content=SPOON.read_bytes(),
                              headers={"x-eraser-client": "tab-one-0001"}).json()["id"]
    for path in (f"/api/photos/{mine}", f"/api/photos/{mine}/image"):
        assert server.client.get(path, headers={"x-eraser-client": "tab-two-0002"}).status_code == 410
    r = server.client.post(f"/api/photos/{mine}/close", json={"discard": True}, headers={"x-eraser-client": "tab-two-0002"})
    assert r.status_code == 410
    assert server.client.get(f"/api/photos/{mine}", headers={"x-eraser-client": "tab-one-0001"}).status_code == 200
    bad = server.client.get(f"/api/photos/{mine}", headers={"x-eraser-client": "../../etc"})
    assert bad.status_code == 400 and "client id" in bad.json()["error"]


# 6. Touch and small screens; 7. layout ---------------------------------------------------------------
def touch(cdp, kind, points):
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})


def test_phone_tap_box_keep_and_pinch(browser, server, tmp_path):
    page = new_page(browser, server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                    device_scale_factor=2)
    try:
        open_spoon(page)
        stage = page.locator("#stage").bounding_box()
        assert stage["width"] * stage["height"] >= 0.6 * 390 * 844
        for button in page.locator("#toolbar button:visible, #toolbar .button:visible, #zoom-controls button").all():
            b = button.bounding_box()
            assert b["height"] >= 40 and b["width"] >= 40, button.inner_text()
        cdp = page.context.new_cdp_session(page)
        x, y = screen_of(page, 365, 285)
        page.touchscreen.tap(x, y)
        settle(page)
        assert page.locator("#marks .plus").count() == 1
        page.click("#keep-mode")
        page.touchscreen.tap(*screen_of(page, 40, 40))
        settle(page)
        assert page.locator("#marks .minus").count() == 1
        page.click("#keep-mode")
        a, b = screen_of(page, 60, 300), screen_of(page, 150, 380)
        touch(cdp, "touchStart", [a])
        for t in np.linspace(0, 1, 6)[1:]:
            touch(cdp, "touchMove", [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))])
        touch(cdp, "touchEnd", [])
        settle(page)
        assert page.locator("#marks .box").count() == 1
        shot(page, tmp_path, "phone.png", "serve-phone.png")
        zoom = float(page.evaluate("document.body.dataset.zoom"))
        c = (195, stage["y"] + stage["height"] / 2)
        touch(cdp, "touchStart", [(c[0] - 30, c[1]), (c[0] + 30, c[1])])
        for d in (40, 60, 80, 100):
            touch(cdp, "touchMove", [(c[0] - d, c[1]), (c[0] + d, c[1])])
        touch(cdp, "touchEnd", [])
        assert float(page.evaluate("document.body.dataset.zoom")) > 2.5 * zoom
        assert page.locator("#marks .box").count() == 1 and page.locator("#marks .plus").count() == 1
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080), (390, 844)])
def test_the_photo_fits_the_window(browser, server, width, height):
    page = new_page(browser, server, viewport={"width": width, "height": height})
    try:
        for name in ("tall.jpg", "spoon.jpg"):
            open_spoon(page, name)
            photo = page.locator("#overlay").bounding_box()
            stage = page.locator("#stage").bounding_box()
            assert photo["y"] >= stage["y"] - 0.5 and photo["y"] + photo["height"] <= stage["y"] + stage["height"] + 0.5, name
            assert photo["x"] >= -0.5 and photo["x"] + photo["width"] <= width + 0.5, name
            assert stage["y"] + stage["height"] <= height - 27, name  # the status line below, whole
        assert page.locator("#status").bounding_box()["height"] == 28
        if width > 700:  # one row; a phone's wraps into rows (tests/test_serve_toolbar_fits.py)
            assert page.locator("#toolbar").bounding_box()["height"] < 60
        assert page.errors == []
    finally:
        page.context.close()


def test_notes_once_shortcuts_win_named_thumbnails_and_a_favicon(page):
    assert page.locator("#photos figcaption").all_inner_texts()[:2] == ["spoon.jpg", "tall.jpg"]
    # the whole name on hover, on the thumbnail itself (a tryout: a cut caption had no tooltip)
    assert page.locator("#photos figure").evaluate_all("fs => fs.map(f => f.title)")[:2] == ["spoon.jpg", "tall.jpg"]
    assert page.evaluate("document.querySelector('link[rel=icon]').href").endswith("favicon.svg")
    open_spoon(page)
    height = page.locator("#status").bounding_box()["height"]
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    first = page.inner_text("#message")
    page.mouse.click(*screen_of(page, 80, 330))
    settle(page)
    second = page.inner_text("#message")
    notes = [n for n in first.split(" · ")[1:] if n]
    assert all(n not in second for n in notes)  # each note said once
    assert page.locator("#status").bounding_box()["height"] == height
    page.focus("#inpainter")
    value = page.evaluate("document.getElementById('inpainter').value")
    page.keyboard.press("n")
    assert page.evaluate("document.getElementById('inpainter').value") == value
    assert "new object" in page.inner_text("#message")
    page.keyboard.press("Escape")
    page.wait_for_function("document.body.dataset.overlay === 'none'")
