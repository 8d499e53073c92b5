"""On touch, a single tap after a two-finger pan or pinch marks (a report of
"a tap lost after a two-finger pan"). Several ways fingers land and lift are
played with CDP touch events in Debian's Chromium against `eraser serve`.
Reproduced when the first finger moved a little before the second landed: its
rubber band stayed drawn and, redrawn with the pinch's (absent) box, threw on
every redraw, so the next tap's pointerdown stopped before it began a mark."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, new_page, open_spoon, screen_of, server, settle, state, touch  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


def pan(cdp, a, b, how):
    """Two fingers from around a to around b; `how` says how they land and lift."""
    d = 40
    f = lambda p, t: [(p[0] - d + t * (b[0] - a[0]), p[1] + t * (b[1] - a[1])),  # noqa: E731
                      (p[0] + d + t * (b[0] - a[0]), p[1] + t * (b[1] - a[1]))]
    if how.startswith("together"):
        touch(cdp, "touchStart", f(a, 0))
    else:  # one finger, then the second a moment later (after the first moved a little)
        touch(cdp, "touchStart", f(a, 0)[:1])
        touch(cdp, "touchMove", [(f(a, 0)[0][0] + 12, f(a, 0)[0][1])])
        touch(cdp, "touchStart", [(f(a, 0)[0][0] + 12, f(a, 0)[0][1]), f(a, 0)[1]])
    for t in (0.25, 0.5, 0.75, 1.0):
        touch(cdp, "touchMove", f(a, t))
    if how.endswith("one-by-one"):
        touch(cdp, "touchEnd", f(a, 1.0)[:1])
        touch(cdp, "touchMove", [(f(a, 1.0)[0][0] + 15, f(a, 1.0)[0][1] + 5)])  # the last finger moves alone
        touch(cdp, "touchEnd", [])
    else:
        touch(cdp, "touchEnd", [])


@pytest.mark.parametrize("how", ["together", "together-one-by-one", "staggered", "staggered-one-by-one"])
def test_a_tap_after_a_two_finger_pan_marks(browser, server, how):  # noqa: F811
    page = new_page(browser, server, **PHONE)
    try:
        open_spoon(page)
        cdp = page.context.new_cdp_session(page)
        before = page.evaluate("[document.body.dataset.zoom, document.getElementById('canvas-box').style.transform]")
        pan(cdp, screen_of(page, 300, 200), screen_of(page, 260, 180), how)
        assert page.evaluate("document.getElementById('canvas-box').style.transform") != before[1]  # it panned
        band = page.evaluate("document.body.dataset.band"), page.locator("#marks .band").count()
        page.touchscreen.tap(*screen_of(page, 365, 285))
        settle(page)
        assert page.locator("#marks .plus").count() == 1 and state(page)["objects"] == 1  # the tap marked
        assert page.locator("#marks .box").count() == 0
        assert band[0] != "shown" and band[1] == 0  # no rubber band left over from the first finger
        assert page.errors == []
    finally:
        page.context.close()
