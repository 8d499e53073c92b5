"""The public Python functions check their arguments' types as the CLI's
parser does: a wrong type is one EraserError line that names the argument,
before any work and before anything is written."""

import os

import numpy as np
import pytest
from PIL import Image

import eraser
from eraser import EraserError

PHOTO = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    Image.fromarray(PHOTO).save(tmp_path / "in" / "a.png")
    return tmp_path


WRONG = [
    ("output", None), ("output", 3), ("output", b"out"), ("output", ["out"]), ("output", ""),
    ("input", None), ("input", 3.5),
    ("save_mask", 3), ("masks", True), ("prompts", ["p.jsonl"]), ("mask", 0),
    ("points", "1,1"), ("points", None), ("points", [(1, True)]), ("points", [(1, 2, 3)]), ("exclude", 3),
    ("boxes", [[1, 1, 5]]), ("boxes", [(1, 1, 5, "5")]), ("boxes", [[(1, 1), (5, 5)]]),
    ("recursive", None), ("recursive", "yes"), ("force", 1), ("ray", "no"),
    ("segmenter", None), ("inpainter", ["telea"]),
    ("max_pixels", None), ("max_pixels", 1.5), ("max_pixels", "100"), ("max_pixels", 0),
    ("progress", 3), ("ray_address", 3),
]


@pytest.mark.parametrize("name, value", WRONG, ids=[f"{n}={v!r}" for n, v in WRONG])
def test_batch_refuses_a_wrong_type_and_writes_nothing(folder, name, value):
    args = {"input": "in", "output": "out", "points": ["5,5"], "inpainter": "telea", name: value}
    with pytest.raises(EraserError) as caught:
        eraser.batch(args.pop("input"), args.pop("output"), **args)
    message = str(caught.value)
    assert name in message and "\n" not in message
    assert sorted(os.listdir(folder)) == ["in"]  # no "None", no "3", no "out"


def test_batch_takes_paths_and_numpy_bools(folder):
    report = eraser.batch(folder / "in", folder / "out", points=("5,5",), inpainter="telea", force=np.bool_(False))
    assert [r.status for r in report.records] == ["done"]


TUPLES_AND_STRINGS = [
    ({"points": [(5, 5)]}, {"points": ["5,5"]}),
    ({"points": [[(5, 5), (6, 6)]]}, {"points": ["5,5+6,6"]}),
    ({"points": [(np.int64(5), 5.0)]}, {"points": ["5,5"]}),
    ({"points": [(5e0, 5e-0)]}, {"points": ["5,5"]}),
    ({"boxes": [(1, 1, 9, 9)]}, {"boxes": ["1,1,9,9"]}),
    ({"points": ["5,5"], "exclude": [(20, 20)]}, {"points": ["5,5"], "exclude": ["20,20"]}),
]


@pytest.mark.parametrize("tuples, strings", TUPLES_AND_STRINGS,
                         ids=["tuple", "clicks of one object", "numpy numbers", "exponent", "box tuple", "exclude tuple"])
def test_batch_takes_prompts_as_remove_does(folder, tuples, strings):
    """eraser.remove's tuples work in eraser.batch too (a new user's
    points=[(10, 10)] was refused), with the same result as the CLI's strings."""
    report = eraser.batch(folder / "in", folder / "out", inpainter="telea", **tuples)
    assert [r.status for r in report.records] == ["done"]
    again = eraser.batch(folder / "in", folder / "again", inpainter="telea", **strings)
    assert [r.status for r in again.records] == ["done"]
    assert (folder / "out" / "a.png").read_bytes() == (folder / "again" / "a.png").read_bytes()


@pytest.mark.parametrize("value", [None, 1, "yes"])
def test_remove_refuses_a_return_mask_that_is_not_a_bool(value):
    with pytest.raises(EraserError, match="return_mask"):
        eraser.remove(PHOTO, box=(1, 1, 9, 9), inpainter="telea", return_mask=value)


def test_session_save_and_mask_refuse_wrong_types(tmp_path):
    session = eraser.Session(PHOTO, inpainter="telea")
    for value in (None, 3, ["o.png"]):
        with pytest.raises(EraserError, match="path"):
            session.save(value)
    with pytest.raises(EraserError, match="overwrite"):
        session.save(tmp_path / "o.png", overwrite="yes")
    with pytest.raises(EraserError, match="a mask is a path"):
        session.add(mask=3)
    assert os.listdir(tmp_path) == []


def test_segment_everything_refuses_an_unknown_option():
    with pytest.raises(EraserError, match="unknown option 'bogus'"):
        eraser.segment_everything(PHOTO, bogus=1)


@pytest.mark.parametrize("name, value", [("clip", None), ("clip", 123), ("output", 4.5), ("save_mask", ["m.mp4"]), ("compare", "")])
def test_erase_video_refuses_a_wrong_path_type_in_one_line(tmp_path, name, value):
    pytest.importorskip("av")
    given = {"clip": tmp_path / "in.mp4", "output": tmp_path / "out.mp4", name: value}
    with pytest.raises(eraser.EraserError, match=f"^{name} must"):
        eraser.erase_video(given.pop("clip"), given.pop("output"), points=[(1, 1)], **given)
    assert list(tmp_path.iterdir()) == []


def test_batch_says_a_point_far_outside_is_outside(folder):
    """1e308 was written "1e+308", whose "+" split it into a bad point "1e"; now the
    photo fails alone, as for any point outside it, in its own words."""
    report = eraser.batch(folder / "in", folder / "out", points=[(1e308, 5)], inpainter="telea")
    [record] = report.records
    assert record.status == "failed" and "is outside the 40x30 image" in record.error, record.error
