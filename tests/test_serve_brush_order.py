"""Brush strokes and clicks in history order, played in Debian's Chromium
against `eraser serve` started for real. Found by a first-time tryout: a click
on a spot an earlier take-away stroke removed showed its + marker and selected
nothing there (the stroke won until painted back). And with Dilate and Feather
both 0 the copied `--mask` command must still write Download's bytes."""

import io

import numpy as np
import pytest
from PIL import Image

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import (drag, erase_and_settle, folder, open_spoon, page, run_command, screen_of, server,  # noqa: F401
                               settle, state)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

SPOON_AT = (365, 285)
STROKE = [(320, 285), (410, 285)]  # across the spoon's bowl, through SPOON_AT


def selection_mask(page):
    """The current selection as the page's "Download mask" gives it (white = remove)."""
    data = page.evaluate("""async () => {
        const r = await fetch('/api/photos/' + document.body.dataset.photo + '/mask',
                              {headers: {'x-eraser-client': document.body.dataset.client}});
        return Array.from(new Uint8Array(await r.arrayBuffer())); }""")
    return np.asarray(Image.open(io.BytesIO(bytes(data))).convert("L"))


def take_away(page, points):
    page.keyboard.press("b")
    page.click("#keep-mode")
    drag(page, [screen_of(page, *p) for p in points])
    page.click("#keep-mode")
    settle(page)
    page.keyboard.press("m")


def erase_and_compare_with_the_command(page, folder, tmp_path, extra=()):
    erase_and_settle(page)
    page.click("#more summary")
    with page.expect_download() as mask_download:
        page.click("#copy-command")
    command = page.wait_for_function("document.body.dataset.command").json_value()
    assert "--mask spoon.mask.png" in command
    for word in extra:
        assert word in command
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "download.jpg"
    download.value.save_as(saved)
    (tmp_path / "cli").mkdir()
    mask_download.value.save_as(tmp_path / "cli" / "spoon.mask.png")
    cli, _ = run_command(command, folder, tmp_path)
    assert cli == saved.read_bytes()
    page.keyboard.press("Control+z")  # the folder's photo back as it was for the next test
    page.wait_for_function("document.getElementById('redo').disabled === false")
    return command


def test_a_click_on_a_spot_taken_away_brings_back_the_object_it_marks(page, folder, tmp_path):  # noqa: F811
    open_spoon(page)
    page.mouse.click(*screen_of(page, *SPOON_AT))
    settle(page)
    assert selection_mask(page)[SPOON_AT[1], SPOON_AT[0]] == 255
    take_away(page, STROKE)
    assert selection_mask(page)[SPOON_AT[1], SPOON_AT[0]] == 0  # the stroke cut the spoon there
    # a click on the spot taken away: the object it marks comes back, the later mark wins
    page.mouse.click(*screen_of(page, *SPOON_AT))
    page.wait_for_function("document.body.dataset.markers === '2'")
    settle(page)
    page.screenshot(path=str(tmp_path / "clicked-back.png"))
    mask = selection_mask(page)
    assert mask[SPOON_AT[1], SPOON_AT[0]] == 255
    # the rest of the stroke, off the spoon, still stays (the table at the stroke's ends)
    assert mask[285, 320] == 0 and mask[285, 410] == 0
    # Ctrl-Z takes the click back: the spoon is cut again where the stroke went
    page.keyboard.press("Control+z")
    page.wait_for_function("document.body.dataset.markers === '1'")
    settle(page)
    assert selection_mask(page)[SPOON_AT[1], SPOON_AT[0]] == 0
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function("document.body.dataset.markers === '2'")
    settle(page)
    assert selection_mask(page)[SPOON_AT[1], SPOON_AT[0]] == 255
    # the page's download equals the copied command's bytes
    erase_and_compare_with_the_command(page, folder, tmp_path)


def test_with_dilate_and_feather_0_the_mask_command_writes_the_download(page, folder, tmp_path):  # noqa: F811
    open_spoon(page)
    for slider in ("#dilate", "#feather"):  # as a person would: focus the slider, Home
        with page.expect_response(lambda r: r.url.endswith("/settings")):  # sent once the slider rests
            page.focus(slider)
            page.keyboard.press("Home")
        settle(page)
    page.mouse.click(*screen_of(page, *SPOON_AT))
    settle(page)
    assert (state(page)["dilate"], state(page)["feather"]) == (0, 0)
    page.mouse.click(*screen_of(page, 40, 40), button="right")
    settle(page)
    take_away(page, [(340, 260), (380, 300)])
    command = erase_and_compare_with_the_command(page, folder, tmp_path, ("--dilate 0", "--feather 0"))
    assert "--exclude 40,40" in command
