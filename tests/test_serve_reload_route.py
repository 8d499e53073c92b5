"""The routes behind "changed on disk" (eraser.serve.on_disk) over the ASGI
test client: what each answers as a folder's photo is replaced, saved from,
read again and removed, and the refusals (one line each)."""

import shutil

import numpy as np
from PIL import Image
from starlette.testclient import TestClient

from eraser.serve.app import Config, create_app
from serve_helpers import SPOON


def test_disk_state_save_reload_and_refusals(tmp_path):
    shutil.copy(SPOON, tmp_path / "spoon.jpg")
    with TestClient(create_app(Config(folder=tmp_path))) as c:
        opened = c.post("/api/photos/open", json={"name": "spoon.jpg"}).json()
        pid = opened["id"]
        assert opened["disk"] is None and c.get(f"/api/photos/{pid}/disk").json() == {"disk": None}
        c.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [365, 285]})
        assert c.post(f"/api/photos/{pid}/erase").json()["unsaved"] is True
        # replaced on disk: said by the light route and by every answer
        Image.fromarray(np.asarray(Image.open(SPOON))[::-1]).save(tmp_path / "spoon.jpg", quality=95)
        assert c.get(f"/api/photos/{pid}/disk").json() == {"disk": "changed"}
        assert c.get(f"/api/photos/{pid}").json()["disk"] == "changed"
        # Save asks (409 with stale), then saves from the copy read when told to
        r = c.post(f"/api/photos/{pid}/save", json={})
        assert r.status_code == 409 and r.json()["stale"] == "changed" and not (tmp_path / "spoon.erased.jpg").exists()
        assert c.post(f"/api/photos/{pid}/save", json={"stale": True}).json()["saved"] == "spoon.erased.jpg"
        c.post(f"/api/photos/{pid}/undo")  # unsaved again (the image differs from the one saved)
        # reload: refused while erases are unsaved, unless discarded; then a fresh photo of the newer file
        r = c.post(f"/api/photos/{pid}/reload", json={})
        assert r.status_code == 409 and r.json()["unsaved"] is True
        assert c.post(f"/api/photos/{pid}/reload", json={"discard": "yes"}).status_code == 400
        fresh = c.post(f"/api/photos/{pid}/reload", json={"discard": True}).json()
        assert fresh["id"] != pid and fresh["disk"] is None and fresh["marks"] == [] and not fresh["can_undo"]
        assert c.get(f"/api/photos/{pid}/disk").status_code == 410  # the old one is closed
        assert c.get(f"/api/photos/{fresh['id']}/disk", headers={"x-eraser-client": "another-tab"}).status_code == 410
        # removed from the folder: said; reading it again is a one-line refusal that closes nothing
        (tmp_path / "spoon.jpg").unlink()
        assert c.get(f"/api/photos/{fresh['id']}/disk").json() == {"disk": "removed"}
        r = c.post(f"/api/photos/{fresh['id']}/reload", json={})
        assert r.status_code == 400 and "\n" not in r.json()["error"]
        assert c.get(f"/api/photos/{fresh['id']}/disk").status_code == 200
        # an uploaded photo has no file to watch or read again
        up = c.post("/api/photos?name=up.jpg", content=SPOON.read_bytes()).json()
        assert up["disk"] is None and c.post(f"/api/photos/{up['id']}/reload", json={}).status_code == 400
