"""A duplicated tab is a tab of its own. Found by a first-time tryout: a tab
opened with window.open (as Duplicate tab does, copying sessionStorage) had
the first tab's client id, so both tabs worked on one photo session without
either showing the other's marks, and one tab's Enter erased the other's.
A reload must still keep the tab's id (its photos come back). Played in
Debian's Chromium against `eraser serve` started for real."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import close_page, folder, new_page, open_spoon, screen_of, server, settle, state  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


def test_a_duplicated_tab_gets_its_own_photos_and_a_reload_keeps_them(browser, server):  # noqa: F811
    first = new_page(browser, server)
    try:
        open_spoon(first)
        first.mouse.click(*screen_of(first, 365, 285))
        settle(first)
        mine = first.evaluate("document.body.dataset.client")
        with first.context.expect_page() as opened:
            first.evaluate("window.open(location.href)")  # sessionStorage copied, as Duplicate tab does
        second = opened.value
        second.wait_for_selector("body[data-ready=yes]")
        assert second.evaluate("sessionStorage.getItem('eraser-client')") == second.evaluate("document.body.dataset.client")
        assert second.evaluate("document.body.dataset.client") != mine
        open_spoon(second)
        assert state(second)["objects"] == 0  # not the first tab's marks
        assert state(first)["objects"] == 1
        first.reload()  # a reload keeps the id: the photo and its mark come back
        first.wait_for_selector("body[data-ready=yes]")
        assert first.evaluate("document.body.dataset.client") == mine
        first.wait_for_function("document.body.dataset.markers === '1'")
    finally:
        assert close_page(first) == []
