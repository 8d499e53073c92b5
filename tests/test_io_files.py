"""Tests for eraser.io.files: destination checks and atomic, no-clobber writes."""

from __future__ import annotations

import errno
import multiprocessing
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser.errors import EraserError
from eraser.io import LoadedImage, atomic_write, check_output, files, load_image, save_array, save_image
from eraser.io.files import check_distinct_outputs
from io_helpers import blocks, listing, noise, single_line


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


# ------------------------------------------------------------ atomic_write


def _temp_files(folder: Path) -> list[str]:
    return [name for name in listing(folder) if name.endswith(".tmp")]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, MemoryError, ValueError])
@pytest.mark.parametrize("overwrite", [False, True])
def test_interrupted_write_leaves_no_temp_file(tmp_path: Path, exc: type, overwrite: bool) -> None:
    dest = tmp_path / "out.png"
    if overwrite:
        dest.write_bytes(b"previous")

    def write(f) -> None:
        f.write(b"half a picture")
        assert _temp_files(tmp_path), "the data goes to a temp file first"
        raise exc()

    with pytest.raises(exc):
        atomic_write(dest, write, overwrite=overwrite)
    assert _temp_files(tmp_path) == []
    assert listing(tmp_path) == ({"out.png"} if overwrite else set())
    if overwrite:
        assert dest.read_bytes() == b"previous"


def test_atomic_write_publishes_complete_files_and_refuses_existing_ones(tmp_path: Path) -> None:
    dest = tmp_path / "out.bin"
    atomic_write(dest, lambda f: f.write(b"first"), overwrite=False)
    assert dest.read_bytes() == b"first"
    with pytest.raises(EraserError) as error:
        atomic_write(dest, lambda f: f.write(b"second"), overwrite=False)
    assert single_line(error) == f"{dest} exists; use --force to overwrite"
    assert dest.read_bytes() == b"first" and _temp_files(tmp_path) == []
    atomic_write(dest, lambda f: f.write(b"third"), overwrite=True)
    assert dest.read_bytes() == b"third" and listing(tmp_path) == {"out.bin"}
    # A dangling symlink is an existing name too: the link is not followed.
    os.symlink(tmp_path / "nowhere", tmp_path / "link.bin")
    with pytest.raises(EraserError, match="exists"):
        atomic_write(tmp_path / "link.bin", lambda f: f.write(b"x"), overwrite=False)
    assert not (tmp_path / "nowhere").exists()


def test_no_clobber_without_hard_links(tmp_path: Path, monkeypatch) -> None:
    """File systems without hard links (FAT, some shares): O_EXCL keeps the promise."""

    def no_links(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(files.os, "link", no_links)
    dest = tmp_path / "out.bin"
    atomic_write(dest, lambda f: f.write(b"first"), overwrite=False)
    with pytest.raises(EraserError, match="exists"):
        atomic_write(dest, lambda f: f.write(b"second"), overwrite=False)
    assert dest.read_bytes() == b"first" and listing(tmp_path) == {"out.bin"}
    mask = os.umask(0)
    os.umask(mask)
    assert dest.stat().st_mode & 0o777 == 0o666 & ~mask


def _race_writer(dest: str, payload: bytes, barrier, queue) -> None:
    """One of two processes writing the same new file at the same moment."""
    barrier.wait()

    def slow_write(f) -> None:
        for i in range(0, len(payload), 4096):  # both are mid-write at once
            f.write(payload[i : i + 4096])
            time.sleep(0.0005)

    try:
        atomic_write(dest, slow_write, overwrite=False)
        queue.put("won")
    except EraserError as e:
        queue.put(f"lost: {e}")


@pytest.mark.parametrize("round_", range(10))
def test_racing_writers_without_force_exactly_one_wins(tmp_path: Path, round_: int) -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    dest = tmp_path / "out.bin"
    payloads = [bytes([65 + k]) * 200_000 for k in range(2)]
    barrier = context.Barrier(len(payloads))
    procs = [context.Process(target=_race_writer, args=(str(dest), p, barrier, queue)) for p in payloads]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    results = sorted(queue.get(timeout=5) for _ in procs)
    assert results[1] == "won"
    assert results[0] == f"lost: {dest} exists; use --force to overwrite"
    assert dest.read_bytes() in payloads  # one writer's whole file, never a mix
    assert listing(tmp_path) == {"out.bin"}


def test_racing_threads_without_force_exactly_one_wins(tmp_path: Path) -> None:
    dest = tmp_path / "out.bin"
    barrier = threading.Barrier(8)
    results: list[str] = []

    def writer(k: int) -> None:
        def write(f) -> None:
            barrier.wait()  # everyone has a temp file and is writing now
            f.write(bytes([65 + k]) * 50_000)

        try:
            atomic_write(dest, write, overwrite=False)
            results.append("won")
        except EraserError as e:
            results.append("exists" if "exists; use --force" in str(e) else str(e))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["exists"] * 7 + ["won"]
    assert len(set(dest.read_bytes())) == 1
    assert listing(tmp_path) == {"out.bin"}


# ----------------------------------------------------- destination checks


@pytest.mark.parametrize("link", ["symlink", "hardlink", "symlink to folder"])
@pytest.mark.parametrize("which", ["image", "mask"])
def test_output_through_a_link_to_an_input_is_refused(tmp_path: Path, link: str, which: str) -> None:
    image, mask = tmp_path / "photo.png", tmp_path / "mask.png"
    Image.fromarray(blocks()).save(image)
    Image.fromarray(blocks()[:, :, 0]).save(mask)
    target = image if which == "image" else mask
    before = {p: p.read_bytes() for p in (image, mask)}
    if link == "symlink":
        dest = tmp_path / "out.png"
        os.symlink(target, dest)
    elif link == "hardlink":
        dest = tmp_path / "out.png"
        os.link(target, dest)
    else:
        os.symlink(tmp_path, tmp_path / "same")
        dest = tmp_path / "same" / target.name
    for overwrite in (False, True):
        with pytest.raises(EraserError) as error:
            check_output(dest, source=image, inputs=[mask], overwrite=overwrite)
        assert "refusing to overwrite the input" in single_line(error)
    loaded = load_image(image)
    if which == "image":  # save_image knows its own source
        with pytest.raises(EraserError, match="input"):
            save_image(loaded, 255 - loaded.rgb, dest, overwrite=True)
    assert {p: p.read_bytes() for p in (image, mask)} == before


def test_special_files_are_refused_even_with_force(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.png"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    os.symlink("/dev/null", tmp_path / "null.png")
    try:
        cases = {fifo: "FIFO", sock_path: "socket", Path("/dev/null"): "device",
                 tmp_path / "null.png": "device"}
        for dest, kind in cases.items():
            for overwrite in (False, True):
                with pytest.raises(EraserError) as error:  # (opening the FIFO would hang here)
                    check_output(dest, overwrite=overwrite)
                assert kind in single_line(error)
            with pytest.raises(EraserError, match=kind):
                save_array(noise(channels=0), dest, overwrite=True)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_ISSOCK(os.lstat(sock_path).st_mode)
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    finally:
        sock.close()


def test_over_long_names_are_refused_before_any_work(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    for name in ["a" * (limit - 3) + ".png", "é" * (limit // 2) + ".png"]:  # bytes, not characters
        with pytest.raises(EraserError) as error:
            check_output(tmp_path / name, overwrite=True)
        assert f"({limit} bytes)" in single_line(error)
        with pytest.raises(EraserError):
            save_array(noise(channels=0), tmp_path / name)
    # A name just at the limit works: the temp file's name is shortened to fit.
    longest = tmp_path / ("b" * (limit - 4) + ".png")
    assert check_output(longest) == "PNG"
    save_array(noise(channels=0), longest)
    assert listing(tmp_path) == {longest.name}


def test_odd_destinations_give_one_line(tmp_path: Path) -> None:
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "file").write_bytes(b"x")
    os.symlink(tmp_path / "folder.png", tmp_path / "dirlink.png")
    os.symlink(tmp_path / "loop.png", tmp_path / "loop.png")
    for dest, words in [
        (tmp_path / "folder.png", "directory"),
        (tmp_path / "dirlink.png", "directory"),
        (tmp_path / "file" / "out.png", "does not exist"),
        (tmp_path / "nul\0.png", "NUL"),
        (tmp_path / "loop.png", "exists"),
    ]:
        with pytest.raises(EraserError) as error:
            check_output(dest)
        assert words in single_line(error)


def test_check_distinct_outputs(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "real.png").write_bytes(b"x")
    os.symlink(tmp_path / "real.png", tmp_path / "alias.png")
    os.link(tmp_path / "real.png", tmp_path / "hard.png")
    check_distinct_outputs([tmp_path / "a.png", tmp_path / "b.png", None, tmp_path / "real.png"])
    same = [
        (tmp_path / "o.png", tmp_path / "o.png"),
        (tmp_path / "o.png", tmp_path / "sub" / ".." / "o.png"),
        (tmp_path / "real.png", tmp_path / "alias.png"),
        (tmp_path / "real.png", tmp_path / "hard.png"),
    ]
    for a, b in same:
        with pytest.raises(EraserError) as error:
            check_distinct_outputs([a, None, b])
        assert "same file" in single_line(error)


def test_umask_is_read_without_changing_it(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        assert files._umask() == 0o027
        out = save_array(noise(channels=0), tmp_path / "m.png")
        assert out.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)


def test_file_helpers_import_without_numpy_or_pillow() -> None:
    """The model store and the CLI's early checks use these before any image work."""
    code = (
        "import sys; from eraser.io.files import atomic_write, check_destination; import eraser.io; "
        "print(sorted(m for m in ('numpy', 'PIL', 'PIL.Image') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
