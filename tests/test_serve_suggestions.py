"""Suggestions on the page: segment everything behind `Suggest`, the object
under the pointer highlighted, a click marking it. A real server with a
random-weight MobileSAM installed (the thresholds are lowered: random weights
give no confident masks), spoken to over HTTP and clicked in Chromium."""

import base64
import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from eraser import modelstore
from serve_helpers import SPOON, Server

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="the random-weight checkpoint is made with torch")

# random weights: keep every candidate (SAM's defaults keep only confident, stable masks)
LOW = {"points_per_side": 4, "pred_iou_thresh": 0, "stability_score_thresh": 0, "box_nms_thresh": 1.0}


@pytest.fixture(scope="module")
def store(mobile_sam_store):
    """The run's shared random-weight MobileSAM store (seed 1)."""
    patch = pytest.MonkeyPatch()
    patch.setenv(modelstore.ENV_DIR, str(mobile_sam_store[0]))
    yield mobile_sam_store[0]
    patch.undo()


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("suggest-photos")
    shutil.copy(SPOON, folder / "spoon.jpg")
    s = Server(folder, env={"ERASER_MODELS_DIR": str(store)})
    yield s
    s.stop()


def _index_map(found):
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(found["map"]))).convert("RGB"), np.int32)


def test_suggestions_mark_the_object_under_them(server):
    photo = server.open()
    found = server.client.post(f"/api/photos/{photo['id']}/suggestions", json={"options": LOW})
    assert found.status_code == 200, found.text
    found = found.json()
    index = _index_map(found)
    labels = index[..., 0] + 256 * index[..., 1]
    assert found["count"] > 1 and labels.shape == (photo["view"][1], photo["view"][0])
    assert 0 < labels.max() <= found["count"] and index[..., 2].max() == 0
    taken = server.client.post(f"/api/photos/{photo['id']}/suggestions/take", json={"index": int(labels.max()) - 1})
    assert taken.status_code == 200, taken.text
    assert taken.json()["objects"] == 1 and taken.json()["overlay"]
    for bad in (found["count"], -1, "0", True, None):
        response = server.client.post(f"/api/photos/{photo['id']}/suggestions/take", json={"index": bad})
        assert response.status_code == 400 and "index must be" in response.json()["error"]
    response = server.client.post(f"/api/photos/{photo['id']}/suggestions", json={"options": {"crop_n_layers": 3}})
    assert response.status_code == 400 and "options must be" in response.json()["error"]
    for bad in ({"points_per_side": 10**9}, {"points_per_side": 2.5}, {"pred_iou_thresh": "x"},
                {"box_nms_thresh": float("inf")}, {"min_mask_region_area": True}):
        response = server.client.post(f"/api/photos/{photo['id']}/suggestions",
                                      content=json.dumps({"options": bad}), headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500 and "must be" in response.json()["error"], bad
    # an erase changes the photo: the old suggestions cannot be taken any more
    assert server.client.post(f"/api/photos/{photo['id']}/erase").status_code == 200
    response = server.client.post(f"/api/photos/{photo['id']}/suggestions/take", json={"index": 0})
    assert response.status_code == 400 and "ask for them first" in response.json()["error"]


def test_without_a_sam_model_the_page_is_told_how_to_install_one(tmp_path):
    s = Server(env={"ERASER_MODELS_DIR": str(tmp_path / "empty")})
    try:
        photo = s.open()
        response = s.client.post(f"/api/photos/{photo['id']}/suggestions", json={})
        assert 400 <= response.status_code < 500
        assert "eraser models install mobile-sam" in response.json()["error"]
    finally:
        s.stop()


@pytest.mark.browser
def test_hover_highlights_and_a_click_marks_a_suggestion(server, tmp_path):
    from test_serve_browser import CHROMIUM, FLAGS, playwright_api, shot, wait_idle

    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is missing: apt-get install -y chromium (.ci/run does)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=yes]")
        page.click("#photos img[data-name='spoon.jpg']")
        page.wait_for_selector("body.has-photo")
        wait_idle(page)
        page.evaluate("(options) => window.eraserSuggest(options)", LOW)
        page.wait_for_function("Number(document.body.dataset.suggestions) > 0")
        box = page.locator("#overlay").bounding_box()
        hovered = "0"
        for fy in np.linspace(0.1, 0.9, 9):  # somewhere a suggestion lies under the pointer
            for fx in np.linspace(0.1, 0.9, 9):
                page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
                hovered = page.evaluate("document.body.dataset.hovered")
                if hovered != "0":
                    break
            if hovered != "0":
                break
        assert hovered != "0"
        lit = page.evaluate("""() => { const d = document.getElementById('hover').getContext('2d')
            .getImageData(0, 0, 600, 400).data; let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }""")
        assert lit > 0
        shot(page, tmp_path, "suggested.png", "serve-suggestions.png")
        page.mouse.down()
        page.mouse.up()
        page.wait_for_selector("body[data-overlay=shown]")
        wait_idle(page)
        assert not page.locator("#erase").is_disabled()  # one object marked
        page.keyboard.press("Escape")
        page.wait_for_function("document.body.dataset.suggestions === 'none'")
        browser.close()
        assert errors == []


def test_session_suggestions_are_kept_until_the_photo_changes(store):
    from eraser import Session

    session = Session(SPOON, inpainter="telea")
    first = session.suggestions(**LOW)
    assert len(first) > 1 and all(r["mask"].shape == session.image.shape[:2] for r in first)
    assert session.suggestions(**LOW) is first  # the same photo and options: not segmented again
    preview = session.add(mask=first[-1]["mask"])
    assert preview is not None and len(session.objects) == 1
    session.erase()
    assert session.suggestions(**LOW) is not first  # the photo changed
