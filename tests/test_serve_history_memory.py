"""Memory a 12 MP photo's editing history holds, measured with tracemalloc
in the server's own process (the app over HTTP through Starlette's test
client, which runs it in this process so its allocations can be traced).

Found by review: after a take-away stroke each add stroke kept two full-size
masks in the marks' history (24 MB at 12 MP: about 1 GB at the 40 marks
Ctrl-Z can take back), and the first erase's image (36 MB) was kept for the
photo's life to match the copied command to it. The history now keeps masks
packed (eraser.serve.packed) and comparisons keep digests, not images."""

import gc
import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.slow,  # 12 MP masks, strokes and two erases
              pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")]

W, H = 4000, 3000
MB = 1 << 20


@pytest.fixture(scope="module")
def photo():
    yy, xx = np.mgrid[0:H, 0:W]
    rng = np.random.default_rng(1)
    rgb = np.stack([xx * 255 // W, yy * 255 // H, (xx + yy) * 255 // (W + H)], -1) + rng.integers(0, 8, (H, W, 3))
    buf = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def client(photo):
    from starlette.testclient import TestClient

    from eraser.serve.app import Config, create_app

    with TestClient(create_app(Config())) as c:
        c.headers["x-eraser-client"] = "memory-test-tab"
        pid = c.post("/api/photos?name=big.jpg", content=photo).json()["id"]
        yield c, pid


def stroke(c, pid, points, radius=40, erase=False):
    r = c.post(f"/api/photos/{pid}/strokes", json={"points": points, "radius": radius, "erase": erase})
    assert r.status_code == 200, r.text


def held():
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_each_add_stroke_after_a_take_away_keeps_little(client):
    c, pid = client
    stroke(c, pid, [[1000, 1000], [1400, 1000]])  # a painted object
    stroke(c, pid, [[1200, 900], [1200, 1100]], 30, erase=True)  # a stroke across it taken away
    tracemalloc.start()
    try:
        stroke(c, pid, [[1000, 1100], [1050, 1100]])
        stroke(c, pid, [[1050, 1100], [1100, 1100]])
        two = held()  # the live masks replaced once: what every stroke replaces again
        for i in range(2, 10):
            stroke(c, pid, [[1000 + 50 * i, 1100], [1050 + 50 * i, 1100]])
        ten = held()
    finally:
        tracemalloc.stop()
    per_stroke = (ten - two) / 8
    print(f"history per add stroke at 12 MP: {per_stroke / MB:.2f} MB")
    # before: two full-size bool masks per stroke, 2 * 12 MB
    assert per_stroke < 1 * MB
    assert len(c.get(f"/api/photos/{pid}").json()["marks"]) >= 1
    # and the history still restores what it kept: ten Ctrl-Z back to the first stroke
    for _ in range(10):
        assert c.post(f"/api/photos/{pid}/marks/back").status_code == 200
    assert c.get(f"/api/photos/{pid}").json()["objects"] == 1


def test_the_first_erases_image_is_not_kept_after_a_second_erase(client):
    c, pid = client
    stroke(c, pid, [[1000, 1000], [1400, 1000]])
    tracemalloc.start()
    try:
        assert c.post(f"/api/photos/{pid}/erase").status_code == 200  # from the photo as opened: a command
        assert c.get(f"/api/photos/{pid}/command").status_code == 200
        stroke(c, pid, [[2000, 2000], [2400, 2000]])
        assert c.post(f"/api/photos/{pid}/erase").status_code == 200
        after_two = held()
    finally:
        tracemalloc.stop()
    image = W * H * 3
    print(f"held after two erases: {after_two / MB:.1f} MB (one image is {image / MB:.1f} MB)")
    # the image shown (one) and the undo steps' changed pixels; before: the first erase's image too
    assert after_two < 1.5 * image
    assert c.get(f"/api/photos/{pid}/command").status_code == 400  # not the first erase's image
    assert c.post(f"/api/photos/{pid}/undo").status_code == 200
    assert c.get(f"/api/photos/{pid}/command").status_code == 200  # matched again by its pixels
