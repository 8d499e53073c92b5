"""Segment everything's defaults come from the segmenter: one that gives
``everything_defaults`` (as SAM 2.1's does, after SAM2AutomaticMaskGenerator)
runs with them wherever the user set nothing, one that gives none runs with
SamAutomaticMaskGenerator's, and what the user sets wins over both, through
the API, ``Session.suggestions`` and ``eraser segment --auto``."""

import json

import numpy as np
import pytest
from PIL import Image

import eraser
from eraser import hookimpl
from eraser.defaults import EVERYTHING
from eraser.everything.generator import settings_for

IMAGE = np.full((64, 64, 3), 128, np.uint8)


class Scored:
    """Two candidates per point, both stable: a small disk predicted at IoU
    0.85 and the square around it at 0.95; SAM's threshold (0.88) keeps only
    the square, a threshold of 0.8 keeps both."""

    def __init__(self, defaults=None):
        if defaults is not None:
            self.everything_defaults = defaults

    def segment(self, image, prompt):
        raise NotImplementedError  # not needed here

    def embed(self, crop):
        return crop.shape[:2]

    def decode(self, embedding, crop_shape, points):
        yy, xx = np.mgrid[0:crop_shape[0], 0:crop_shape[1]]
        logits = [np.stack([np.where(np.hypot(xx - x, yy - y) < 6, 5.0, -5.0),
                            np.where(np.maximum(abs(xx - x), abs(yy - y)) < 12, 5.0, -5.0)]) for x, y in points]
        return np.stack(logits).astype(np.float32), np.tile(np.float32([0.85, 0.95]), (len(points), 1))

    def upscale(self, logits, crop_shape):
        return logits


class ScoredPlugin:
    @hookimpl
    def register_segmenters(register):
        register("own-defaults", lambda: Scored({"pred_iou_thresh": 0.8, "points_per_side": 2}),
                 capabilities=("everything",), priority=-50)
        register("sam-defaults", Scored, capabilities=("everything",), priority=-51)
        register("bad-defaults", lambda: Scored({"pred_iou_thresh": 2.0}), capabilities=("everything",), priority=-52)
        register("odd-defaults", lambda: Scored({"iou": 0.5}), capabilities=("everything",), priority=-53)


def ious(records):
    return sorted({round(r["predicted_iou"], 2) for r in records})


def test_the_segmenters_defaults_apply_where_the_user_set_nothing(register_plugin):
    register_plugin(ScoredPlugin, name="scored")
    own = eraser.segment_everything(IMAGE, segmenter="own-defaults")
    assert len(own) == 8 and ious(own) == [0.85, 0.95]  # 2 x 2 points (its default), both candidates
    assert ious(eraser.segment_everything(IMAGE, segmenter="own-defaults", pred_iou_thresh=0.9)) == [0.95]
    assert len(eraser.segment_everything(IMAGE, segmenter="own-defaults", points_per_side=1)) == 2
    sam = eraser.segment_everything(IMAGE, segmenter="sam-defaults", points_per_side=2)
    assert len(sam) == 4 and ious(sam) == [0.95]  # SamAutomaticMaskGenerator's 0.88
    session = eraser.Session(IMAGE)
    assert [r["bbox"] for r in session.suggestions(segmenter="own-defaults")] == [r["bbox"] for r in own]


def test_settings_for_merges_sam_then_the_segmenters_then_the_users():
    settings = settings_for(Scored({"pred_iou_thresh": 0.8}), {"box_nms_thresh": 0.5})
    assert (settings.pred_iou_thresh, settings.box_nms_thresh) == (0.8, 0.5)
    assert settings.stability_score_thresh == EVERYTHING["stability_score_thresh"]
    assert settings_for(Scored()).pred_iou_thresh == EVERYTHING["pred_iou_thresh"]


@pytest.mark.parametrize("name, why", [("bad-defaults", "pred_iou_thresh must be a number from 0 to 1"),
                                       ("odd-defaults", "must map option names")])
def test_a_segmenters_bad_defaults_are_one_line(register_plugin, name, why):
    register_plugin(ScoredPlugin, name="scored")
    with pytest.raises(eraser.EraserError, match="everything_defaults") as caught:
        eraser.segment_everything(IMAGE, segmenter=name)
    assert why in str(caught.value) and "\n" not in str(caught.value)


def test_the_cli_takes_the_segmenters_defaults(register_plugin, eraser_cli, tmp_path):
    register_plugin(ScoredPlugin, name="scored")
    photo = tmp_path / "grey.png"
    Image.fromarray(IMAGE).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "--segmenter", "own-defaults", "-o", tmp_path / "own")
    assert code == 0, err
    assert len(json.loads((tmp_path / "own" / "masks.json").read_text())) == 8
    code, _, err = eraser_cli("segment", photo, "--auto", "--segmenter", "own-defaults", "--pred-iou-thresh", "0.9",
                              "-o", tmp_path / "given")
    assert code == 0, err
    assert len(json.loads((tmp_path / "given" / "masks.json").read_text())) == 4
