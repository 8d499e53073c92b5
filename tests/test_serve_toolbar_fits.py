"""Every toolbar control on screen, whole and apart, at the window sizes people
use, in Mark and in Brush mode (the Size slider shown). Found by a first-time
tryout: at 1280x900 in Brush mode the toolbar was wider than the window and
the "?" button was cut off at the right edge. Boxes measured in Debian's
Chromium against `eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, new_page, open_spoon, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

CONTROLS = ("#toolbar > label.button, #toolbar .group > button, #toolbar .group > label, #toolbar .group > .button, "
            "#toolbar #more > summary")
SIZES = [(1280, 900, False), (1024, 768, False), (1366, 768, False), (390, 844, True)]


def boxes(page):
    """The visible toolbar controls' boxes on screen, by name."""
    found = {}
    for control in page.locator(CONTROLS).all():
        if control.is_visible():
            found[control.evaluate("e => e.id || e.textContent.trim().slice(0, 12)")] = control.bounding_box()
    return found


def overlap(a, b):
    return (min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 0.5 and
            min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 0.5)


@pytest.mark.parametrize("width, height, phone", SIZES)
def test_every_control_is_on_screen_whole_and_apart(browser, server, tmp_path, width, height, phone):  # noqa: F811
    context = {"viewport": {"width": width, "height": height}}
    if phone:
        context.update(has_touch=True, is_mobile=True, device_scale_factor=2)
    page = new_page(browser, server, **context)
    try:
        open_spoon(page)
        for mode in ("m", "b"):  # Mark, then Brush (the Size slider shown)
            page.keyboard.press(mode)
            page.wait_for_function(f"document.body.dataset.tool === '{'brush' if mode == 'b' else 'mark'}'")
            page.screenshot(path=str(tmp_path / f"toolbar-{width}x{height}-{mode}.png"))
            found = boxes(page)
            assert "help-button" in found and "brush-size" not in found
            assert any(b.startswith("Size") for b in found) == (mode == "b"), found.keys()  # the slider in Brush only
            bar = page.locator("#toolbar").bounding_box()
            for name, box in found.items():
                assert box["x"] >= -0.5 and box["x"] + box["width"] <= width + 0.5, (name, box, width)
                assert box["y"] >= bar["y"] - 0.5 and box["y"] + box["height"] <= bar["y"] + bar["height"] + 0.5, name
            names = list(found)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    assert not overlap(found[a], found[b]), (a, b, found[a], found[b])
            assert page.evaluate("document.getElementById('toolbar').scrollWidth <= "
                                 "document.getElementById('toolbar').clientWidth")
            stage = page.locator("#stage").bounding_box()
            assert stage["height"] >= (0.6 if phone else 0.7) * height, stage  # the photo keeps the room
        assert page.errors == []
    finally:
        page.context.close()
