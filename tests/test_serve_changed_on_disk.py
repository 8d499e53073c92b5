"""A folder's photo replaced on disk while a tab has it open (an external
editor saved over it): the tab says so once, in the status line, with Reload
beside it; Save asks before it saves from the pixels read before; Reload
reads the newer file. Played in Debian's Chromium against `eraser serve`
started for real. Found by a first-time tryout: the tab went on erasing the
older pixels and saved them without a word."""

import io

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import (close_page, erase_and_settle, folder, new_page, open_spoon,  # noqa: F401 - folder, server:
                               screen_of, server, settle, state)  # this module's own copies (it rewrites spoon.jpg)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

NOTE = "changed on disk after it was opened here"


def shown_pixels(page):
    """The photo as the page was sent it (full size: the spoon is under the view's limit)."""
    data = page.evaluate("""async () => {
        const r = await fetch('/api/photos/' + document.body.dataset.photo + '/image?max_side=1600',
                              {headers: {'x-eraser-client': document.body.dataset.client}});
        return Array.from(new Uint8Array(await r.arrayBuffer()));
    }""")
    return np.asarray(Image.open(io.BytesIO(bytes(data))).convert("RGB"), np.float32)


def test_a_photo_changed_on_disk_is_said_once_asked_on_save_and_reloaded(browser, server, folder):  # noqa: F811
    page = new_page(browser, server)
    dialogs = []
    try:
        open_spoon(page)
        page.mouse.click(*screen_of(page, 365, 285))
        settle(page)
        erase_and_settle(page)
        assert NOTE not in page.inner_text("#message") and page.is_hidden("#reload-photo")
        # an external editor saves over the photo (mirrored: another picture, the same size)
        newer = np.asarray(Image.open(SPOON).convert("RGB"))[:, ::-1]
        Image.fromarray(newer).save(folder / "spoon.jpg", quality=95)
        # the person comes back to the tab: said at once, with Reload beside it
        page.evaluate("window.dispatchEvent(new Event('focus'))")
        # as patient as every wait (PatientBrowser): "at once" is that nothing but the focus asks for it
        page.wait_for_function(f"document.getElementById('message').textContent.includes({NOTE!r})")
        assert page.is_visible("#reload-photo")
        # said once: the next mark's answer does not say it again; Reload stays offered
        page.mouse.click(*screen_of(page, 100, 100))
        settle(page)
        assert NOTE not in page.inner_text("#message") and page.is_visible("#reload-photo")
        page.keyboard.press("Escape")
        settle(page)
        # Save asks first; declined, nothing is written
        answers = [False, True]  # Save: no; Reload: yes
        page.on("dialog", lambda d: (dialogs.append(d.message), d.accept() if answers.pop(0) else d.dismiss()))
        page.click("#save")
        page.wait_for_function("document.getElementById('message').textContent.includes('the copy opened here')")
        assert len(dialogs) == 1 and NOTE in dialogs[0]
        assert not (folder / "spoon.erased.jpg").exists()
        # Reload: asked (the erase here is unsaved), then the newer file is shown, its marks and history fresh
        old_id = page.evaluate("document.body.dataset.photo")
        page.click("#reload-photo")
        page.wait_for_function(f"document.body.dataset.photo && document.body.dataset.photo !== {old_id!r}")
        settle(page)
        assert len(dialogs) == 2 and "erases made here are lost" in dialogs[1]
        s = state(page)
        assert (s["disk"], s["unsaved"], s["can_undo"], s["marks"]) == (None, False, False, [])
        assert page.is_hidden("#reload-photo")
        pixels = shown_pixels(page)
        assert np.abs(pixels - newer).mean() < 3 < np.abs(pixels - newer[:, ::-1]).mean()
    finally:
        assert close_page(page) == []
