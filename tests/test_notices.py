"""What the session notices about a photo (a multi-page TIFF or an animated
WebP is edited on its first frame) reaches the user of every interface: a
'note:' line from the CLI (none with -q, which prints nothing on success),
the batch's records, JSON report and lines, and Session.notices."""

import json

import numpy as np
import pytest
from PIL import Image

import eraser

FRAMES = [Image.fromarray(np.full((40, 60, 3), v, np.uint8)) for v in (40, 120, 200)]


def _multi(path):
    FRAMES[0].save(path, save_all=True, append_images=FRAMES[1:], **({"lossless": True} if path.suffix == ".webp" else {}))
    return path


@pytest.fixture(params=["pages.tif", "moving.webp"])
def multi(request, tmp_path):
    return _multi(tmp_path / request.param)


def test_the_session_knows(multi):
    session = eraser.Session(multi, inpainter="telea")
    assert len(session.notices) == 1 and "3 frames" in session.notices[0]
    session.add(boxes=(5, 5, 20, 20))
    assert session.erase().notices[0] == session.notices[0]


def test_remove_and_segment_print_the_note(eraser_cli, multi, tmp_path):
    code, out, err = eraser_cli("remove", multi, "--box", "5,5,20,20", "-i", "telea", "-o", tmp_path / "o.png")
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: ") and "frames" in line]
    assert len(notes) == 1 and multi.name in notes[0] and "3 frames" in notes[0] and "only the first" in notes[0]
    code, out, err = eraser_cli("segment", multi, "--box", "5,5,20,20", "-o", tmp_path / "m.png")
    assert code == 0 and sum("3 frames" in line for line in err.splitlines()) == 1, err
    code, out, err = eraser_cli("remove", multi, "--box", "5,5,20,20", "-i", "telea", "-o", tmp_path / "q.png", "-q")
    assert code == 0 and err == ""  # -q: nothing on success, notes included


def test_batch_reports_the_note(eraser_cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _multi(folder / "pages.tif")
    FRAMES[0].save(folder / "plain.png")
    report = eraser.batch(folder, tmp_path / "out", boxes=["5,5,20,20"], inpainter="telea")
    by_photo = {r.photo: r for r in report.records}
    assert not any("frames" in n for n in by_photo["plain.png"].notices)
    assert "3 frames" in by_photo["pages.tif"].notices[0]
    code, out, err = eraser_cli("batch", folder, "-o", tmp_path / "out2", "--box", "5,5,20,20", "-i", "telea",
                                "--report", tmp_path / "report.json")
    assert code == 0, err
    assert [line for line in err.splitlines() if "frames" in line] == [f"note: pages.tif: {by_photo['pages.tif'].notices[0]}"]
    photos = {p["photo"]: p for p in json.loads((tmp_path / "report.json").read_text())["photos"]}
    assert photos["pages.tif"]["notices"] == by_photo["pages.tif"].notices
