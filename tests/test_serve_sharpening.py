"""Zoomed in past the view's resolution, the page fetches the photo at the
size shown; until it arrives a small "sharpening…" says the blur is not the
result. Found by a first-time tryout: 2 s of a blurred 12 MP photo at 300 %
with no sign that a sharper one was coming. The request is held in the browser
by the test (Playwright routing) for certain, not by luck."""

import re
import time

import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import new_page, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    Image.open(SPOON).resize((2400, 1600), Image.Resampling.LANCZOS).save(root / "large.jpg", quality=90)
    s = Server(root)
    yield s
    s.stop()


def test_a_small_indicator_shows_while_the_sharper_image_loads(browser, server, tmp_path):  # noqa: F811
    page = new_page(browser, server)
    try:
        page.click("#photos img[data-name='large.jpg']")
        page.wait_for_function("document.body.dataset.w === '2400' && !document.body.dataset.working")
        settle(page)
        assert page.locator("#sharpening").is_hidden()
        held = []

        def sharper(route):  # the view is 1600 px at most: a larger side is the sharper image
            side = int(route.request.url.split("max_side=")[1].split("&")[0])
            held.append(route) if side > 1600 else route.continue_()

        page.route(re.compile(r"/api/photos/[^/]+/image\?"), sharper)
        version = page.evaluate("document.body.dataset.version")
        with page.expect_request(lambda r: "max_side=2400" in r.url):
            page.keyboard.press("1")  # 1:1, past the 1600 px view: the page asks for the sharper image
        assert page.evaluate("document.body.dataset.sharpening") == "yes"
        deadline = time.monotonic() + 120
        while not held and time.monotonic() < deadline:  # the route's handler runs while Playwright is called
            page.evaluate("0")
        assert len(held) == 1
        assert page.locator("#sharpening").is_visible() and page.evaluate("document.body.dataset.version") == version
        page.screenshot(path=str(tmp_path / "sharpening.png"))
        box = page.locator("#sharpening").bounding_box()
        assert box["width"] * box["height"] < 160 * 30  # small
        held[0].continue_()
        page.wait_for_function(f"document.body.dataset.version !== '{version}' && document.body.dataset.sharpening === 'no'")
        assert page.locator("#sharpening").is_hidden()
        assert page.evaluate("document.getElementById('photo').width") == 2400
        assert page.errors == []
    finally:
        page.context.close()
