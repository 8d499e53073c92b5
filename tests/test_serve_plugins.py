"""Plugins in the server's own process: a broken one gives the page a message, never a dead
server (ASGI test client); a slow one does not hold up another photo (real uvicorn, port 0)."""

import socket
import threading
import time

import httpx
import pytest
import uvicorn
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


class Slow:
    started = threading.Event()
    release = threading.Event()

    def inpaint(self, image, mask):
        Slow.started.set()
        # the test lets it finish once the other photo's preview came back (the fixture's teardown
        # always does): no clock, which on a loaded box could end the fill before the preview
        Slow.release.wait()
        return image


@pytest.fixture
def live_server(register_plugin):
    """The app on a real uvicorn server (in this process, so the slow plugin is registered), port 0."""

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register("slow", Slow)

    register_plugin(Plugin(), name="slow-serve-plugin")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(create_app(Config()), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=60) as client:
        yield client
    Slow.release.set()
    server.should_exit = True
    thread.join(10)


def test_a_long_erase_does_not_hold_up_another_photos_preview(live_server):
    c = live_server
    a = c.post("/api/photos?name=a.jpg", content=SPOON.read_bytes()).json()["id"]
    b = c.post("/api/photos?name=b.jpg", content=SPOON.read_bytes()).json()["id"]
    c.post(f"/api/photos/{a}/marks", json={"kind": "box", "box": [330, 200, 420, 330]})
    assert c.post(f"/api/photos/{a}/settings", json={"inpainter": "slow"}).status_code == 200
    Slow.started.clear(), Slow.release.clear()
    done = {}
    erase = threading.Thread(target=lambda: done.setdefault("erase", c.post(f"/api/photos/{a}/erase")))
    erase.start()
    assert Slow.started.wait(30)
    preview = c.post(f"/api/photos/{b}/marks", json={"kind": "point", "point": [365, 285]})
    assert preview.status_code == 200 and preview.json()["overlay"] and "erase" not in done
    Slow.release.set()
    erase.join()  # its request ends by itself now (the client's own timeout bounds it)
    assert done["erase"].status_code == 200 and done["erase"].json()["can_undo"]
