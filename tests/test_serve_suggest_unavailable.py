"""Without a model that can segment everything, Suggest is greyed with the
reason as its tooltip. Found by a first-time tryout: it was live and a press
answered in red with the error. Debian's Chromium against `eraser serve`
(the tests' model store is empty: no SAM model installed)."""

import pytest

from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, open_spoon, page, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium


def test_suggest_is_greyed_with_the_reason(page):  # noqa: F811
    open_spoon(page)
    assert page.locator("#suggest").is_disabled()
    assert "segment everything" in page.get_attribute("#suggest", "title")
    page.keyboard.press("s")  # the key says why, not an error
    assert "segment everything" in page.inner_text("#message")
    assert page.locator("#message.error").count() == 0
