"""Zoomed in, a + marker stays green and a - marker blue, each a ring with its
sign, the same size on screen at any zoom. Found by a first-time tryout: from
about 4x up both turned into the same plain white disc (their 1.5 px ring was
scaled with the photo), so a mark could not be told from a keep. Read from a
screenshot's pixels in Debian's Chromium against `eraser serve`."""

import io

import numpy as np
import pytest
from PIL import Image

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, open_spoon, page, screen_of, server, settle, zoom_in_at  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


def fill_at(shot, x, y):
    """The marker's colour inside its ring, off the sign's strokes (5 px right and down of its centre)."""
    return shot[int(round(y)) + 5, int(round(x)) + 5].astype(int)


def test_markers_keep_their_colours_zoomed_in(page, tmp_path):  # noqa: F811
    open_spoon(page)
    zoom_in_at(page, 365, 285, 6)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    page.mouse.click(*screen_of(page, 340, 270), button="right")
    settle(page)
    page.wait_for_function("document.body.dataset.markers === '2'")
    shot = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
    Image.fromarray(shot).save(tmp_path / "markers-zoomed.png")
    plus = page.locator("#marks .plus circle").bounding_box()
    minus = page.locator("#marks .minus circle").bounding_box()
    assert 16 <= plus["width"] <= 24 and 16 <= minus["width"] <= 24  # 9 px radius and its ring, on screen
    r, g, b = fill_at(shot, plus["x"] + plus["width"] / 2, plus["y"] + plus["height"] / 2)
    assert g - r > 80 and g - b > 40, (r, g, b)  # green
    r, g, b = fill_at(shot, minus["x"] + minus["width"] / 2, minus["y"] + minus["height"] / 2)
    assert b - r > 120, (r, g, b)  # blue
