"""The thumbnail cache's tag follows the file, not only its size and time:
a picture of the same size copied over a photo with its time kept (`cp -p`,
`rsync -t`) gets a new thumbnail (found by review: the strip kept the old
picture and the browser was told 304)."""

import os
import shutil

from PIL import Image

from eraser.serve.thumbs import Thumbnails


def test_a_same_size_picture_copied_over_with_its_time_kept_gets_a_new_thumbnail(tmp_path):
    red, blue, photo = tmp_path / "red.bmp", tmp_path / "blue.bmp", tmp_path / "photo.bmp"
    Image.new("RGB", (40, 30), (200, 0, 0)).save(red)
    Image.new("RGB", (40, 30), (0, 0, 200)).save(blue)
    shutil.copy(red, photo)
    made = []
    thumbs = Thumbnails(lambda p: made.append(p) or p.read_bytes())
    tag, data = thumbs.get(photo)
    assert thumbs.get(photo) == (tag, data) and len(made) == 1  # kept while the file is the same

    before = photo.stat()
    shutil.copy(blue, photo.with_suffix(".new"))
    os.replace(photo.with_suffix(".new"), photo)  # a new file in its place, as cp -p or rsync write it
    os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = photo.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    new_tag, new_data = thumbs.get(photo)
    assert new_tag != tag and new_data == blue.read_bytes() and len(made) == 2
