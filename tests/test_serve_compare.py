"""Compare and transparency, as a new user met them, in Debian's Chromium:
Compare toggles with a click, a tap or C (and still peeks while held), and
a photo's transparent parts show on a checkerboard, in the view and in
compare (the page showed them in whatever colour they held, black here)."""

import io

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser, click_photo, wait_idle  # noqa: F401 - browser: the module's Chromium fixture
from test_serve_editor import close_page, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def page(browser, server):
    page = new_page(browser, server, has_touch=True)
    yield page
    assert close_page(page) == []


def photo_pixels(page, x, y, w=1, h=1):
    """The #photo canvas's RGBA at view pixels (x, y, w, h)."""
    return np.array(page.evaluate(
        "([x, y, w, h]) => Array.from(document.getElementById('photo').getContext('2d').getImageData(x, y, w, h).data)",
        [x, y, w, h]), np.uint8).reshape(h, w, 4)


def version(page):
    return int(page.evaluate("document.body.dataset.version"))


def comparing(page):
    return page.evaluate("document.body.dataset.comparing")


def shown_after(page, before):
    page.wait_for_function(f"Number(document.body.dataset.version) > {before}")
    wait_idle(page)


def test_compare_toggles_by_click_tap_and_key_and_peeks_while_held(page, tmp_path):
    page.set_input_files("#file", str(SPOON))
    page.wait_for_selector("body.has-photo")
    wait_idle(page)
    click_photo(page, 365, 285)
    page.wait_for_selector("body[data-overlay=shown]")
    wait_idle(page)
    v = version(page)
    page.keyboard.press("Enter")
    shown_after(page, v)
    erased = photo_pixels(page, 330, 250, 60, 60)
    toggles = [lambda: page.click("#compare"), lambda: page.tap("#compare"), lambda: page.keyboard.press("c")]
    for toggle in toggles:
        v = version(page)
        toggle()  # the handlers set the state before the click returns: the old page had already ended it
        assert comparing(page) == "yes"
        shown_after(page, v)
        original = photo_pixels(page, 330, 250, 60, 60)
        assert comparing(page) == "yes" and page.get_attribute("#compare", "aria-pressed") == "true"
        assert np.abs(original.astype(int) - erased).mean() > 5  # the spoon is back: the original shows
        assert page.evaluate("getComputedStyle(document.getElementById('overlay')).opacity") == "0"
        assert "Original" in page.evaluate("getComputedStyle(document.getElementById('stage'), '::after').content")
        if toggle is toggles[0]:
            page.screenshot(path=str(tmp_path / "compare-on.png"))
        v = version(page)
        toggle()
        assert comparing(page) == "no"
        shown_after(page, v)
        assert np.array_equal(photo_pixels(page, 330, 250, 60, 60), erased)
        assert page.get_attribute("#compare", "aria-pressed") == "false"
        assert page.evaluate("getComputedStyle(document.getElementById('stage'), '::after').content") == "none"
    # held: C auto-repeats (a second keydown is a repeat), the button is pressed past the hold time
    v = version(page)
    page.keyboard.down("c")
    page.keyboard.down("c")
    assert comparing(page) == "yes"
    page.keyboard.up("c")
    assert comparing(page) == "no"
    shown_after(page, v)
    page.evaluate("document.body.dataset.compareHoldMs = '0'")  # any press counts as held
    page.click("#compare")
    assert comparing(page) == "no"
    wait_idle(page)
    # an undo shows the current image: compare ends with it
    page.evaluate("document.body.dataset.compareHoldMs = ''")
    page.click("#compare")
    assert comparing(page) == "yes"
    v = version(page)
    page.keyboard.press("Control+z")
    page.wait_for_function(f"Number(document.body.dataset.version) > {v} && document.body.dataset.comparing === 'no'")
    help_text = page.evaluate("document.getElementById('help').textContent")
    assert "toggled" in help_text and "hold to peek" in help_text


def transparent_photo(path):
    """300x200: the left half opaque green, the right half fully transparent
    (black underneath), a soft band between."""
    rgba = np.zeros((200, 300, 4), np.uint8)
    rgba[:, :150] = (40, 170, 60, 255)
    rgba[:, 150:170, 1] = 170
    rgba[:, 150:170, 3] = np.linspace(255, 0, 20, dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(path)
    return path


def checkerboard_seen(page, tmp_path, name):
    """The screen over the transparent half: two greys (the checkerboard), no black."""
    box = page.locator("#overlay").bounding_box()
    clip = {"x": box["x"] + box["width"] * 0.7, "y": box["y"] + box["height"] * 0.2,
            "width": box["width"] * 0.25, "height": box["height"] * 0.6}
    shot = np.asarray(Image.open(io.BytesIO(page.screenshot(path=str(tmp_path / name), clip=clip))).convert("L"))
    values = np.unique(shot)
    assert shot.min() > 120, values  # no black: the transparent pixels' hidden colour is not shown
    dark, light = (shot < 180).mean(), (shot >= 180).mean()
    assert 0.3 < dark < 0.7 and 0.3 < light < 0.7, (dark, light)


def test_transparent_parts_show_on_a_checkerboard_in_the_view_and_in_compare(page, server, tmp_path):
    page.set_input_files("#file", str(transparent_photo(tmp_path / "cut-out.png")))
    page.wait_for_selector("body.has-photo")
    wait_idle(page)
    assert photo_pixels(page, 250, 100)[0, 0, 3] == 0 and photo_pixels(page, 50, 100)[0, 0, 3] == 255
    checkerboard_seen(page, tmp_path, "view.png")
    assert page.evaluate("document.body.classList.contains('has-alpha')")
    page.screenshot(path=str(tmp_path / "page.png"))
    assert page.locator("#compare").is_disabled()  # nothing erased or marked: nothing to compare
    click_photo(page, 50, 100)
    wait_idle(page)
    v = version(page)
    page.click("#compare")
    shown_after(page, v)
    assert comparing(page) == "yes" and photo_pixels(page, 250, 100)[0, 0, 3] == 0
    checkerboard_seen(page, tmp_path, "compare.png")
    # an opaque photo: no checkerboard class
    page.set_input_files("#file", str(SPOON))
    page.wait_for_function("!document.body.classList.contains('has-alpha')")


def test_the_image_route_sends_transparency_as_png(server, tmp_path):
    pid = server.open(transparent_photo(tmp_path / "cut-out.png"))["id"]
    for version_ in ("current", "original"):
        answer = server.client.get(f"/api/photos/{pid}/image", params={"version": version_})
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        shown = np.asarray(Image.open(io.BytesIO(answer.content)))
        assert shown.shape == (200, 300, 4) and shown[100, 250, 3] == 0 and shown[100, 50, 3] == 255
    # scaled down, the colours are weighted by alpha: the black the transparent half hides does not darken the edge
    small = np.asarray(Image.open(io.BytesIO(server.client.get(f"/api/photos/{pid}/image", params={"max_side": 100}).content)))
    band = small[:, 45:60]
    assert small.shape == (67, 100, 4) and (band[..., 3] > 0).any() and (band[..., 1][band[..., 3] > 0] >= 165).all()
    assert server.client.get(f"/api/photos/{pid}").json()["alpha"] is True
    opaque = server.open(SPOON)["id"]
    assert server.client.get(f"/api/photos/{opaque}/image").headers["content-type"] == "image/jpeg"
