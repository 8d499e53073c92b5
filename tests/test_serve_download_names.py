"""A photo whose name is not plain ASCII downloads under its own name, so the
copied command (which names the photo's mask file) runs as copied. Found by a
first-time tryout: `Kameramann_früh_…_🙂.jpg` downloaded as
`Kameramann_fr_h_…__.erased.jpg` and its mask as `…__.mask.png`, and the copied
`--mask 'Kameramann_früh_…_🙂.mask.png'` failed with "no such file". Over
HTTP and in Debian's Chromium against `eraser serve` started for real."""

import shutil
from urllib.parse import quote

import pytest

from serve_helpers import SPOON, Server
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import erase_and_settle, new_page, open_spoon, screen_of, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server clicked in Chromium

NAME = "Müller_früh_写真_🙂.jpg"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("names")
    shutil.copy(SPOON, folder / NAME)
    s = Server(folder)
    yield s
    s.stop()


def test_the_header_carries_the_name_as_utf8(server):
    state = server.open(SPOON, NAME)
    pid = state["id"]
    server.client.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [365, 285]})
    server.client.post(f"/api/photos/{pid}/erase")
    header = server.client.get(f"/api/photos/{pid}/download").headers["content-disposition"]
    assert f"filename*=UTF-8''{quote('Müller_früh_写真_🙂.erased.jpg', safe='')}" in header
    assert 'filename="M' in header and header.isascii()  # an ASCII stand-in stays for old clients


def test_the_browser_saves_the_download_and_the_mask_under_the_photos_name(browser, server):  # noqa: F811
    page = new_page(browser, server)
    try:
        open_spoon(page, NAME)
        page.keyboard.press("b")  # a brush dab: the command names a mask file
        page.mouse.click(*screen_of(page, 365, 285))
        settle(page)
        page.keyboard.press("m")
        erase_and_settle(page)
        with page.expect_download() as download:
            page.click("#download")
        assert download.value.suggested_filename == "Müller_früh_写真_🙂.erased.jpg"
        page.click("#more summary")
        with page.expect_download() as mask:
            page.click("#copy-command")
        command = page.wait_for_function("document.body.dataset.command").json_value()
        assert mask.value.suggested_filename == "Müller_früh_写真_🙂.mask.png"
        assert "Müller_früh_写真_🙂.mask.png" in command  # the file the command reads is the one saved
        assert page.errors == []
    finally:
        page.context.close()
