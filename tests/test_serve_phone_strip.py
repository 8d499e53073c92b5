"""At 390x844 a person can tell the thumbnail strip holds more than it shows:
the edge with thumbnails beyond it fades, and a count says which photo of how
many is shown ("3 of 12"). Found by a first-time tryout on a phone: twelve
photos in the folder, four on screen, no sign the strip scrolls sideways.
Played in Debian's Chromium (touch) against `eraser serve` started for real."""

import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser, wait_idle  # noqa: F401 - browser: the module's Chromium fixture
from test_serve_editor import close_page, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

NAMES = [f"p{i:02d}.jpg" for i in range(1, 13)]
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 1}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shoot")
    small = Image.open(SPOON).resize((150, 100))
    for name in NAMES:
        small.save(folder / name, quality=85)
    s = Server(folder)
    yield s
    s.stop()


def strip(page):
    return page.evaluate("""({classes: document.getElementById('photos').className,
        mask: getComputedStyle(document.getElementById('photos')).maskImage || getComputedStyle(document.getElementById('photos')).webkitMaskImage,
        count: document.getElementById('strip-count').hidden ? '' : document.getElementById('strip-count').textContent})""")


def test_the_phone_strip_says_it_scrolls(browser, server, tmp_path):  # noqa: F811
    page = new_page(browser, server, **PHONE)
    try:
        page.wait_for_function(f"document.querySelectorAll('#photos figure').length === {len(NAMES)}")
        s = strip(page)
        assert "more-right" in s["classes"] and "more-left" not in s["classes"] and "gradient" in s["mask"]
        assert s["count"] == "12 photos"
        count = page.locator("#strip-count").bounding_box()
        assert count and count["x"] + count["width"] <= 390 and count["height"] >= 10  # on screen
        page.tap("#photos figure[data-name='p03.jpg']")
        page.wait_for_function("document.getElementById('strip-count').textContent === '3 of 12'")
        wait_idle(page)
        page.screenshot(path=str(tmp_path / "phone-strip-start.png"))
        # swiped to the end: the fade moves to the left edge
        page.evaluate("document.getElementById('photos').scrollLeft = 1e6")
        page.wait_for_function("document.getElementById('photos').classList.contains('more-left')"
                               " && !document.getElementById('photos').classList.contains('more-right')")
        # the last photo opened from there: the count follows
        page.tap("#photos figure[data-name='p12.jpg']")
        page.wait_for_function("document.getElementById('strip-count').textContent === '12 of 12'")
        wait_idle(page)
        page.screenshot(path=str(tmp_path / "phone-strip-end.png"))
    finally:
        assert close_page(page) == []
