"""A served folder's listing (eraser.serve.folder.PhotoFolder) with a file named in
bytes that are not UTF-8: the other photos are listed, that one is left out."""

import os
import shutil

import pytest

from eraser.errors import EraserError
from eraser.serve.folder import PhotoFolder

from serve_helpers import SPOON


def test_a_file_named_in_bytes_that_are_not_utf8_is_left_out(tmp_path):
    shutil.copy(SPOON, tmp_path / "spoon.jpg")
    shutil.copy(SPOON, os.fsencode(tmp_path) + b"/caf\xe9.jpg")
    folder = PhotoFolder(tmp_path)
    assert folder.photos() == ["spoon.jpg"]
    with pytest.raises(EraserError, match="no photo named"):
        folder.photo(b"caf\xe9.jpg".decode("utf-8", "surrogateescape"))


def test_photos_are_listed_as_a_file_manager_lists_them(tmp_path):
    """Tryout 9: the strip put 'Katze.jpg' before 'astronaut.jpg' and IMG_10 before IMG_2."""
    names = ["Katze.jpg", "astronaut.jpg", "IMG_10.jpg", "IMG_2.jpg", "img_3.png", "Zebra 1.png", "zebra 01.png"]
    for name in names:
        shutil.copy(SPOON, tmp_path / name)
    assert PhotoFolder(tmp_path).photos() == [
        "astronaut.jpg", "IMG_2.jpg", "img_3.png", "IMG_10.jpg", "Katze.jpg", "Zebra 1.png", "zebra 01.png"]
