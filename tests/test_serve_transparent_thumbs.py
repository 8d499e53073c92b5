"""A photo with transparency in the thumbnail strip: its transparent parts on
a checkerboard, as in the view, not black. Found by a first-time tryout: a
served folder's RGBA PNG had a thumbnail whose cut-out half was black (the
thumbnail was a JPEG of the colours the transparent pixels hold). Looked at
in Debian's Chromium against `eraser serve` started for real."""

import io
import shutil

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_compare import checkerboard_seen, transparent_photo
from test_serve_editor import close_page, new_page, server, settle  # noqa: F401 - server: on this module's folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("shoot")
    shutil.copy(SPOON, root / "spoon.jpg")
    transparent_photo(root / "cut-out.png")
    return root


def thumb_greys(page, name, tmp_path):
    """The screen over the right quarter of thumbnail `name` (its transparent part), grey levels."""
    img = page.locator(f"#photos img[data-name='{name}']")
    img.evaluate("(e) => e.complete || new Promise((done) => { e.onload = done; })")
    box = img.bounding_box()
    clip = {"x": box["x"] + box["width"] * 0.72, "y": box["y"] + 3, "width": box["width"] * 0.22, "height": box["height"] - 6}
    return np.asarray(Image.open(io.BytesIO(page.screenshot(path=str(tmp_path / f"{name}.png"), clip=clip))).convert("L"))


def test_transparent_thumbnails_show_a_checkerboard(browser, server, folder, tmp_path):  # noqa: F811
    page = new_page(browser, server)
    try:
        for name in ("cut-out.png", "spoon.jpg"):
            page.wait_for_selector(f"#photos img[data-name='{name}']")
        shot = thumb_greys(page, "cut-out.png", tmp_path)
        assert shot.min() > 120 and (shot < 180).any() and (shot >= 180).any(), np.unique(shot)  # two greys, no black
        # the main view too, and the thumbnail of an uploaded copy (served from the photo's session)
        page.click("#photos img[data-name='cut-out.png']")
        page.wait_for_selector("body.has-photo.has-alpha")
        settle(page)  # drawn: the open is over (an image load is no request the busy count sees)
        checkerboard_seen(page, tmp_path, "view.png")
        upload = tmp_path / "another.png"
        shutil.copy(folder / "cut-out.png", upload)
        page.set_input_files("#file", str(upload))
        page.wait_for_selector("#photos img[data-name='another.png']")
        shot = thumb_greys(page, "another.png", tmp_path)
        assert shot.min() > 120 and (shot < 180).any() and (shot >= 180).any(), np.unique(shot)
        # an opaque photo's thumbnail shows no checkerboard at its edge
        spoon = thumb_greys(page, "spoon.jpg", tmp_path)
        assert spoon.std() > 3  # the photo itself, not a flat pattern
    finally:
        assert close_page(page) == []
