"""A served folder's thumbnails are made once per version of a file and
confirmed with a 304 after that. Found by a first-time tryout: after a
reload the strip stayed blank for about a second while every photo was
decoded again in full. Over HTTP against `eraser serve` started for real."""

import io
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from serve_helpers import SPOON, Server

pytestmark = pytest.mark.slow  # a server started for real


def test_a_thumbnail_is_confirmed_by_its_etag_and_made_again_when_the_file_changes(tmp_path):
    shutil.copy(SPOON, tmp_path / "spoon.jpg")
    s = Server(tmp_path)
    try:
        c = s.client
        first = c.get("/api/folder/thumb", params={"name": "spoon.jpg"})
        assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
        tag = first.headers["etag"]
        again = c.get("/api/folder/thumb", params={"name": "spoon.jpg"}, headers={"if-none-match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
        assert c.get("/api/folder/thumb", params={"name": "spoon.jpg"}).content == first.content  # kept
        # the photo replaced (another picture, a later time): a new thumbnail, a new tag
        Image.new("RGB", (600, 400), (0, 90, 200)).save(tmp_path / "spoon.jpg", quality=90)
        stat = (tmp_path / "spoon.jpg").stat()
        os.utime(tmp_path / "spoon.jpg", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        changed = c.get("/api/folder/thumb", params={"name": "spoon.jpg"}, headers={"if-none-match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag and changed.content != first.content
        blue = np.asarray(Image.open(io.BytesIO(changed.content)).convert("RGB")).reshape(-1, 3).mean(axis=0)
        assert blue[2] > 150 and blue[0] < 40
    finally:
        s.stop()
