"""Numbers too big for a float (10**400, a 400-digit string) are refused with
one short line by every interface, like any other bad number: never an
OverflowError, never an HTTP 500."""

import json
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

import eraser
from eraser import EraserError
from eraser.everything.generator import Options

HUGE = 10**400
HUGE_VALUES = [HUGE, -HUGE, Fraction(HUGE)]
PHOTO = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)


def refused(call) -> str:
    with pytest.raises(EraserError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    return message


@pytest.mark.parametrize("huge", HUGE_VALUES, ids=["int", "negative", "Fraction"])
def test_remove_refuses_huge_coordinates(huge):
    assert "bad point" in refused(lambda: eraser.remove(PHOTO, points=(huge, 3)))
    assert "bad point" in refused(lambda: eraser.remove(PHOTO, points=[[(1, 1), (3, huge)]]))
    assert "bad box" in refused(lambda: eraser.remove(PHOTO, box=(0, 0, huge, 5)))
    assert "bad point" in refused(lambda: eraser.remove(PHOTO, box=(1, 1, 9, 9), exclude=[(huge, 1)]))


def test_remove_and_session_refuse_huge_dilate_and_feather():
    assert "dilate" in refused(lambda: eraser.remove(PHOTO, box=(1, 1, 9, 9), dilate=HUGE))
    assert "feather" in refused(lambda: eraser.remove(PHOTO, box=(1, 1, 9, 9), feather=HUGE))
    assert "feather" in refused(lambda: eraser.Session(PHOTO, feather=-HUGE))


def test_session_add_refuses_huge_coordinates_and_keeps_its_marks():
    session = eraser.Session(PHOTO, inpainter="telea")
    session.add(boxes=(2, 2, 12, 12))
    refused(lambda: session.add(points=(HUGE, 1)))
    refused(lambda: session.add(boxes=(0, 0, 5, HUGE)))
    refused(lambda: session.add(exclude=[(1, HUGE)]))
    assert len(session.objects) == 1


def test_segment_everything_options_refuse_huge_numbers():
    assert "pred_iou_thresh" in refused(lambda: Options(pred_iou_thresh=HUGE))
    assert "points_per_side" in refused(lambda: Options(points_per_side=HUGE))


def test_batch_refuses_huge_numbers_before_any_work(tmp_path):
    (tmp_path / "in").mkdir()
    Image.fromarray(PHOTO).save(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    digits = str(HUGE)
    refused(lambda: eraser.batch(tmp_path / "in", out, points=[f"{digits},1"], inpainter="telea"))
    refused(lambda: eraser.batch(tmp_path / "in", out, boxes=[f"0,0,{digits},5"], inpainter="telea"))
    refused(lambda: eraser.batch(tmp_path / "in", out, points=["1,1"], dilate=HUGE, inpainter="telea"))
    refused(lambda: eraser.batch(tmp_path / "in", out, points=["1,1"], feather=HUGE, inpainter="telea"))
    assert not out.exists()
    # In a prompts file the photo fails with one line; the run goes on.
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(json.dumps({"photo": "a.png", "points": [[HUGE, 1]]}) + "\n")
    report = eraser.batch(tmp_path / "in", out, prompts=prompts, inpainter="telea")
    (record,) = report.records
    assert record.status == "failed" and "bad point" in record.error and "\n" not in record.error
    assert len(record.error) < 300
