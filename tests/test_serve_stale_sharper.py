"""A zoom's sharper image that answers late must not be drawn over a newer
image: after an Undo, or after switching to another photo, the canvas shows
the newer one. The sharper image's request is held in the browser (Playwright
routing) and released after the newer image is drawn, so the order is certain,
not luck. Played in Debian's Chromium against `eraser serve` started for real."""

import re
import time

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import close_page, erase_and_settle, new_page, screen_of, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    large = Image.open(SPOON).resize((2400, 1600), Image.Resampling.LANCZOS)
    large.save(root / "large.jpg", quality=90)
    large.transpose(Image.Transpose.FLIP_LEFT_RIGHT).convert("L").convert("RGB").save(root / "other.jpg", quality=90)
    s = Server(root)
    yield s
    s.stop()


@pytest.fixture
def page(browser, server):  # noqa: F811
    page = new_page(browser, server)
    yield page
    assert close_page(page) == []


def open_photo(page, name):
    page.click(f"#photos img[data-name='{name}']")
    page.wait_for_function(f"document.querySelector('#photos figure.current')?.dataset.name === '{name}' "
                           "&& !document.body.dataset.working")
    settle(page)


def hold_first_sharper(page):
    """Hold the first answer for the photo larger than the 1600 px view (the
    server answers now, with the image it has now; the page gets it when the
    test releases it); the rest pass."""
    held = []

    def route(r):
        side = int(r.request.url.split("max_side=")[1].split("&")[0])
        if side > 1600 and not held:
            held.append((r, r.fetch()))
        else:
            r.continue_()

    page.route(re.compile(r"/api/photos/[^/]+/image\?"), route)
    return held


def wait_held(page, held):
    deadline = time.monotonic() + 120
    while not held and time.monotonic() < deadline:  # the route's handler runs while Playwright is called
        page.evaluate("0")
    assert len(held) == 1


def canvas(page):
    """The photo canvas's pixels (RGB), as drawn."""
    w, h, data = page.evaluate("""() => { const c = document.getElementById('photo');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return [c.width, c.height, Array.from(d.filter((_, i) => i % 4 !== 3 && (i >> 2) % 8 === 0))]; }""")
    return w, h, np.asarray(data, np.uint8)


def release_and_wait(page, held):
    """Release the held image; wait until the page drew it or dropped it."""
    version, stale = page.evaluate("[document.body.dataset.version, document.body.dataset.staleImages || '0']")
    route, answer = held[0]
    route.fulfill(response=answer)
    page.wait_for_function(f"document.body.dataset.version !== '{version}' "
                           f"|| (document.body.dataset.staleImages || '0') !== '{stale}'")


def test_a_late_sharper_image_is_not_drawn_over_the_image_after_undo(page, tmp_path):
    open_photo(page, "large.jpg")
    x, y = screen_of(page, 1460, 1140)  # the spoon
    page.mouse.click(x, y)
    settle(page)
    erase_and_settle(page)
    held = hold_first_sharper(page)
    page.keyboard.press("1")  # 1:1: the sharper copy of the erased image is asked for, answered, and held
    wait_held(page, held)
    version = page.evaluate("document.body.dataset.version")
    page.keyboard.press("Control+z")  # the photo as opened, drawn at the size shown
    page.wait_for_function(f"document.body.dataset.version !== '{version}' && !document.body.dataset.working")
    settle(page)
    undone = canvas(page)
    assert undone[0] == 2400
    release_and_wait(page, held)
    page.screenshot(path=str(tmp_path / "after-undo.png"))
    after = canvas(page)
    assert after[:2] == undone[:2] and np.array_equal(after[2], undone[2])  # the erased image was dropped


def test_a_late_sharper_image_is_not_drawn_over_another_photo(page, tmp_path):
    open_photo(page, "large.jpg")
    held = hold_first_sharper(page)
    page.keyboard.press("1")
    wait_held(page, held)
    version = page.evaluate("document.body.dataset.version")
    open_photo(page, "other.jpg")
    page.wait_for_function(f"document.body.dataset.version !== '{version}'")
    other = canvas(page)
    release_and_wait(page, held)
    page.screenshot(path=str(tmp_path / "after-switch.png"))
    after = canvas(page)
    assert after[:2] == other[:2] and np.array_equal(after[2], other[2])  # large.jpg's image was dropped
    rgb = after[2].reshape(-1, 3).astype(int)
    assert np.abs(rgb[:, 0] - rgb[:, 1]).max() <= 3  # other.jpg is grey: what is shown is other.jpg
