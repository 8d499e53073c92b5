"""On a phone, the rubber band of a one-finger box drag is clearly visible at
low zoom. Found by a first-time tryout at 390x844 with touch on a 12 MP photo
(fitted at 9 %): the band was a faint grey fill with no outline, its dashes
being set in photo pixels (a third of a screen pixel each). Read from the
pixels of a screenshot taken during the drag, in Debian's Chromium against
`eraser serve` started for real."""

import io

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import new_page, open_spoon, screen_of, touch

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    Image.open(SPOON).resize((4240, 2832), Image.Resampling.BICUBIC).save(folder / "big.jpg", quality=90)
    s = Server(folder)
    yield s
    s.stop()


def edge_columns_seen(shot, y, x0, x1, scale=2):
    """The share of columns along a horizontal edge at screen row y (CSS
    pixels; the shot in device pixels, `scale` to one) where the band shows: a
    near-white pixel within 3 CSS pixels, and a dark one. Device pixels: in a
    shot scaled to CSS pixels a 1.5 px line that straddles two rows is grey."""
    y, x0, x1 = (round(v * scale) for v in (y, x0, x1))
    rows = shot[max(y - 3 * scale, 0):y + 3 * scale + 1, x0 + 4 * scale:x1 - 4 * scale].astype(int)
    white = (rows.min(axis=2) >= 215).any(axis=0)
    dark = (rows.max(axis=2) <= 90).any(axis=0)
    return white.mean(), dark.mean()


def test_the_band_is_a_clear_dashed_line_at_9_percent(browser, server, tmp_path):  # noqa: F811
    page = new_page(browser, server, **PHONE)
    try:
        open_spoon(page, "big.jpg")
        assert float(page.evaluate("document.body.dataset.zoom")) < 0.12  # the 12 MP photo fitted: about 9 %
        cdp = page.context.new_cdp_session(page)
        a, b = screen_of(page, 400, 2000), screen_of(page, 2600, 2700)  # over the table and the saucer
        touch(cdp, "touchStart", [a])
        for t in np.linspace(0, 1, 6)[1:]:
            touch(cdp, "touchMove", [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))])
        page.wait_for_function("document.body.dataset.band === 'shown'")
        shot = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))  # device pixels (x2)
        Image.fromarray(shot).save(tmp_path / "phone-band.png")
        white, dark = edge_columns_seen(shot, a[1], a[0], b[0])
        assert white >= 0.4 and dark >= 0.4, (white, dark)  # white dashes on a dark line, along the whole edge
        white, dark = edge_columns_seen(shot, b[1], a[0], b[0])
        assert white >= 0.4 and dark >= 0.4, (white, dark)
        touch(cdp, "touchEnd", [])
        page.wait_for_function("document.querySelectorAll('#marks .box').length === 1")
        assert page.errors == []
    finally:
        page.context.close()
