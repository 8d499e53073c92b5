"""Issue 23's tab cap, in Chromium: photos are kept per tab, so one tab
reaching its cap closes only its own least recently used photo without
unsaved erases, never another tab's, never the photo being reopened, never
one with unsaved erases."""

import shutil

import pytest
from PIL import Image

from serve_helpers import SPOON, Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import close_page, erase_and_settle, new_page, open_spoon, screen_of, settle, state

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("shoot")
    shutil.copy(SPOON, root / "spoon.jpg")
    Image.open(SPOON).transpose(Image.Transpose.ROTATE_90).save(root / "tall.jpg", quality=92)
    Image.open(SPOON).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(root / "third.jpg", quality=92)
    s = Server(root, "--max-photos", "2")
    yield s
    s.stop()


def mine(page):
    return sorted(p["name"] for p in page.evaluate("""async () => (await fetch('/api/photos/mine',
        {headers: {'x-eraser-client': document.body.dataset.client}})).json()""")["photos"])


def test_a_full_tab_closes_only_its_own_clean_photos(browser, server):  # noqa: F811
    a = new_page(browser, server)
    open_spoon(a)
    a.mouse.click(*screen_of(a, 365, 285))
    settle(a)
    erase_and_settle(a)
    open_spoon(a, "tall.jpg")
    assert mine(a) == ["spoon.jpg", "tall.jpg"]  # A's cap (2) is reached
    # tab B fills its own cap and one more: it closes its own oldest photo, not A's
    b = new_page(browser, server)
    for name in ("spoon.jpg", "tall.jpg", "third.jpg"):
        open_spoon(b, name)
    assert "closed spoon.jpg" in b.inner_text("#message") and mine(b) == ["tall.jpg", "third.jpg"]
    assert mine(a) == ["spoon.jpg", "tall.jpg"]
    # A reopens its erased photo: kept as it was, nothing closed to make room for it
    open_spoon(a, "spoon.jpg")
    assert state(a)["can_undo"] and state(a)["unsaved"] and "closed" not in a.inner_text("#message")
    # A opens a third photo: its clean tall.jpg goes, never the spoon with unsaved erases
    open_spoon(a, "third.jpg")
    text = a.inner_text("#message")
    assert "closed tall.jpg" in text and "spoon" not in text.split("closed")[1].split("to make room")[0]
    assert mine(a) == ["spoon.jpg", "third.jpg"] and mine(b) == ["tall.jpg", "third.jpg"]
    open_spoon(a, "spoon.jpg")
    assert state(a)["can_undo"] and a.locator("#undo").is_enabled()
    for page in (a, b):
        assert close_page(page) == []
