"""A broken plugin gives the page a message, never a dead server (in-process ASGI client)."""

import pytest
from starlette.testclient import TestClient

from eraser.hookspecs import hookimpl
from eraser.serve.app import Config, create_app
from serve_helpers import SPOON


class Raises:
    def inpaint(self, image, mask):
        raise RuntimeError("the GPU caught fire")


class Crashes:
    def segment(self, image, prompt):
        raise MemoryError("out of memory")


@pytest.fixture
def client(register_plugin):
    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register("fire", Raises)

        @hookimpl
        def register_segmenters(self, register):
            register("crash", Crashes, priority=10_000, prompts=("point",))

    register_plugin(Plugin(), name="broken-serve-plugin")  # the registry rebuilds itself on this
    with TestClient(create_app(Config())) as c:
        yield c


def test_a_broken_backend_is_a_message(client):
    assert "fire" in client.get("/api/info").json()["inpainters"]
    pid = client.post("/api/photos?name=photo.jpg", content=SPOON.read_bytes()).json()["id"]
    marked = client.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [365, 285]})
    assert marked.status_code == 200  # auto passed over the crashing segmenter, with a note
    assert any("crash" in n for n in marked.json()["notices"])
    assert client.post(f"/api/photos/{pid}/settings", json={"inpainter": "fire"}).status_code == 200
    r = client.post(f"/api/photos/{pid}/erase")
    assert r.status_code == 400 and "fire" in r.json()["error"] and "\n" not in r.json()["error"]
    assert client.post(f"/api/photos/{pid}/settings", json={"inpainter": "telea"}).status_code == 200
    assert client.post(f"/api/photos/{pid}/erase").json()["can_undo"]
