"""Tests for eraser.io.files: destination checks and atomic, no-clobber writes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser.errors import EraserError
from eraser.io import LoadedImage, check_output, files, load_image, save_image
from io_helpers import blocks, listing, single_line


def _loaded_from_file(folder: Path) -> LoadedImage:
    src = folder / "photo.png"
    Image.fromarray(blocks()).save(src)
    return load_image(src)


def test_refuses_existing_destination_without_overwrite(tmp_path: Path) -> None:
    loaded = _loaded_from_file(tmp_path)
    dest = tmp_path / "out.png"
    dest.write_bytes(b"keep me")
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, dest)
    assert "--force" in single_line(error)
    assert dest.read_bytes() == b"keep me"
    save_image(loaded, loaded.rgb, dest, overwrite=True)
    with Image.open(dest) as back:
        np.testing.assert_array_equal(np.array(back), blocks())
    assert listing(tmp_path) == {"photo.png", "out.png"}


def test_never_overwrites_the_input(tmp_path: Path) -> None:
    loaded = _loaded_from_file(tmp_path)
    before = (tmp_path / "photo.png").read_bytes()
    (tmp_path / "sub").mkdir()
    spellings = [tmp_path / "photo.png", tmp_path / "sub" / ".." / "photo.png"]
    os.symlink(tmp_path / "photo.png", tmp_path / "link.png")
    spellings.append(tmp_path / "link.png")
    for dest in spellings:
        with pytest.raises(EraserError) as error:
            save_image(loaded, 255 - loaded.rgb, dest, overwrite=True)
        assert "input" in single_line(error)
    assert (tmp_path / "photo.png").read_bytes() == before
    assert listing(tmp_path) == {"photo.png", "sub", "link.png"}


def test_missing_or_unwritable_folder(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "nowhere" / "out.png")
    assert "does not exist" in single_line(error)


def test_unwritable_folder(tmp_path: Path, monkeypatch) -> None:
    loaded = load_image(blocks())
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores folder permissions: pretend
            monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
        with pytest.raises(EraserError) as error:
            save_image(loaded, loaded.rgb, locked / "out.png")
        assert "not writable" in single_line(error)
        assert listing(locked) == set()
    finally:
        locked.chmod(0o700)


def test_temp_file_cannot_be_created(tmp_path: Path, monkeypatch) -> None:
    loaded = load_image(blocks())

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "out.png")
    assert "Permission denied" in single_line(error)
    assert listing(tmp_path) == set()


def test_destination_is_a_directory(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    (tmp_path / "out.png").mkdir()
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "out.png", overwrite=True)
    single_line(error)


def test_unsupported_extension(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "out.xyz")
    assert ".xyz" in single_line(error)
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("exc", [OSError("No space left on device"), RuntimeError("boom")])
def test_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch, exc: Exception) -> None:
    loaded = _loaded_from_file(tmp_path)
    dest = tmp_path / "out.png"
    dest.write_bytes(b"previous result")

    def failing_save(self, fp, *args, **kwargs):
        fp.write(b"partial data")
        raise exc

    monkeypatch.setattr(Image.Image, "save", failing_save)
    expected = EraserError if isinstance(exc, OSError) else RuntimeError
    with pytest.raises(expected) as error:
        save_image(loaded, loaded.rgb, dest, overwrite=True)
    if expected is EraserError:
        assert "No space left" in single_line(error)
    assert dest.read_bytes() == b"previous result"
    assert listing(tmp_path) == {"photo.png", "out.png"}


def test_new_file_permissions_follow_umask(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    out = save_image(loaded, loaded.rgb, tmp_path / "out.png")
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_rgb_shape_must_match(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    with pytest.raises(ValueError):
        save_image(loaded, np.zeros((2, 2, 3), np.uint8), tmp_path / "out.png")
    assert listing(tmp_path) == set()


def test_check_output_fails_before_any_work(tmp_path: Path) -> None:
    src = tmp_path / "photo.jpg"
    Image.fromarray(blocks()).save(src)
    assert check_output(tmp_path / "out.webp", source=src) == "WEBP"
    for dest, overwrite, words in [
        (src, True, "input"),
        (tmp_path / "out.gif", False, ".gif"),
        (tmp_path / "missing" / "out.png", False, "does not exist"),
    ]:
        with pytest.raises(EraserError) as error:
            check_output(dest, source=src, overwrite=overwrite)
        assert words in single_line(error)
    (tmp_path / "taken.png").write_bytes(b"x")
    with pytest.raises(EraserError, match="--force"):
        check_output(tmp_path / "taken.png")
    check_output(tmp_path / "taken.png", overwrite=True)
    assert listing(tmp_path) == {"photo.jpg", "taken.png"}
