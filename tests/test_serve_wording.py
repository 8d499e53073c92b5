"""The core's messages that reach the page, said in the page's terms (click,
box, brush), never the CLI's flags. Found by a first-time tryout: the page
said "nothing to remove: give --point, --box or --mask". Each message is made
to happen for real (over HTTP, or by the core call that raises it), then
checked for the page's words and for no CLI flag."""

import io
import re
import warnings

import numpy as np
import pytest
from PIL import Image

from eraser.errors import EraserError
from eraser.serve.app import Config, create_app
from eraser.serve.wording import in_page_terms
from eraser.session import Session
from serve_helpers import SPOON
from test_serve_browser import browser  # noqa: F401 - the module's Chromium fixture
from test_serve_editor import folder, open_spoon, page, screen_of, server, settle  # noqa: F401

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx
    from starlette.testclient import TestClient

CLI_WORDS = re.compile(r"--(?:point|box|mask|segmenter|force|exclude)\b|\bgive --|see `eraser plugins`$")


def said(text):
    assert not CLI_WORDS.search(text), text
    return text


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Config())) as c:
        yield c


def opened(client):
    return client.post("/api/photos?name=photo.jpg", content=SPOON.read_bytes()).json()["id"]


def test_erase_with_nothing_marked_says_click_box_or_brush(client):
    pid = opened(client)
    r = client.post(f"/api/photos/{pid}/erase")
    assert r.status_code == 400 and "click an object" in said(r.json()["error"]) and "Brush" in r.json()["error"]


def test_a_keep_spot_the_object_covers_is_said_with_the_pages_tools(client):
    pid = opened(client)
    client.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [365, 285]})
    notes = client.post(f"/api/photos/{pid}/marks", json={"kind": "exclude", "point": [365, 285]}).json()["notices"]
    keep = [said(n) for n in notes if "365,285" in n]
    assert keep and "Brush in Keep mode" in keep[0]


def test_an_all_black_mask_is_refused_in_the_pages_terms(client):
    pid = opened(client)
    buf = io.BytesIO()
    Image.fromarray(np.zeros((400, 600), np.uint8)).save(buf, format="PNG")
    r = client.post(f"/api/photos/{pid}/mask", content=buf.getvalue())
    assert r.status_code == 400 and "all black" in said(r.json()["error"])


def test_a_photo_over_the_pixel_limit_names_the_servers_option():
    with TestClient(create_app(Config(max_pixels=10_000))) as c:
        r = c.post("/api/photos?name=photo.jpg", content=SPOON.read_bytes())
    assert r.status_code == 400 and "start eraser serve again" in said(r.json()["error"])


def test_suggest_unavailable_and_a_save_race_in_the_pages_terms(client, tmp_path):
    reason = client.get("/api/info").json()["suggest_unavailable"]
    if reason is not None:  # (a SAM model installed here: Suggest is available)
        said(reason)
    # Save racing another save of the same file: the core's refusal, then the page's words for it
    target = tmp_path / "photo.erased.jpg"
    target.write_bytes(b"saved meanwhile")
    with pytest.raises(EraserError) as raised:
        Session(SPOON).save(target)
    assert "press Save again" in said(in_page_terms(str(raised.value)))


@pytest.mark.browser
@pytest.mark.slow  # Chromium: with the other browser modules, out of the quick loop
def test_the_page_says_a_covered_keep_spot_in_its_own_terms(page):  # noqa: F811
    """Played as a person does: a click on the spoon, a right-click on it (keep this spot)."""
    open_spoon(page)
    page.mouse.click(*screen_of(page, 365, 285))
    settle(page)
    page.mouse.click(*screen_of(page, 365, 285), button="right")
    page.wait_for_function("document.getElementById('message').textContent.includes('could not keep')")
    text = page.locator("#message").get_attribute("title")  # the whole note (the line may end in "…")
    assert "Brush in Keep mode" in said(text)
