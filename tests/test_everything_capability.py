"""Segment everything is a segmenter's capability, chosen through the registry:
a third-party segmenter that has it serves ``eraser.segment_everything``,
``eraser segment --auto`` and ``Session.suggestions()``; a blocked plugin's
segmenter serves none of them."""

import json

import cv2
import numpy as np
import pytest
from PIL import Image

import eraser
from eraser import hookimpl, plugins, registry
from eraser.backends import EverythingSegmenter
from eraser.errors import PluginWarning

# random-free settings: every candidate kept, so what is found depends on the model only
LOW = {"points_per_side": 5, "pred_iou_thresh": 0.0, "stability_score_thresh": 0.0}


class ColourSegmenter:
    """A small model of the protocol: the embedding is the crop at 64x64;
    a point's two candidates are the pixels within two colour distances of
    the point's colour (logits: how much closer than the distance)."""

    def segment(self, image, prompt):
        raise NotImplementedError  # not needed here

    def embed(self, crop):
        return cv2.resize(crop, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)

    def decode(self, embedding, crop_shape, points):
        height, width = crop_shape
        logits, ious = [], []
        for x, y in points:
            colour = embedding[min(int(y * 64 / height), 63), min(int(x * 64 / width), 63)]
            distance = np.linalg.norm(embedding - colour, axis=-1)
            logits.append(np.stack([(40.0 - distance) / 10, (90.0 - distance) / 10]))
            ious.append([0.95, 0.9])
        return np.stack(logits), np.array(ious, np.float32)

    def upscale(self, logits, crop_shape):
        return cv2.resize(logits.astype(np.float32), (crop_shape[1], crop_shape[0]), interpolation=cv2.INTER_LINEAR)


class ColourPlugin:
    @hookimpl
    def register_segmenters(register):
        register("colour-sam", ColourSegmenter, prompts=("point",), capabilities=("everything",),
                 description="colour regions, for segment everything")
        register("no-methods", object, capabilities=("everything",), priority=-5)


class LaterPlugin:
    """Written for a later eraser that knows more capabilities."""

    @hookimpl
    def register_segmenters(register):
        register("later", object, capabilities=("everything", "tracking"), priority=-6)


def _iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def _found_the_disk(records, disk):
    return max(_iou(r["mask"], disk) for r in records)


def test_a_third_party_segmenter_segments_everything(register_plugin, scene, eraser_cli, tmp_path):
    image, disk = scene
    register_plugin(ColourPlugin, name="colour")
    register_plugin(LaterPlugin, name="later")
    with pytest.warns(PluginWarning, match="segmenter 'later': unknown capabilities 'tracking' ignored"):
        assert isinstance(registry.build(registry.choose("segmenter", "colour-sam")), EverythingSegmenter)
    # the model store is empty: MobileSAM is registered but not installed, so auto takes ours
    records = eraser.segment_everything(image, **LOW)
    assert records and _found_the_disk(records, disk) > 0.9
    named = eraser.segment_everything(image, segmenter="colour-sam", **LOW)
    assert [r["bbox"] for r in named] == [r["bbox"] for r in records]

    session = eraser.Session(image)
    suggested = session.suggestions(**LOW)
    assert [r["bbox"] for r in suggested] == [r["bbox"] for r in records]

    photo = tmp_path / "scene.png"
    Image.fromarray(image).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "-o", tmp_path / "out", "--points-per-side", "5",
                              "--pred-iou-thresh", "0", "--stability-score-thresh", "0")
    assert code == 0, err
    table = json.loads((tmp_path / "out" / "masks.json").read_text())
    assert [row["bbox"] for row in table] == [r["bbox"] for r in records]

    code, out, _ = eraser_cli("plugins", "--json")
    entries = {e["name"]: e for r in json.loads(out) for e in r["segmenters"]}
    assert entries["colour-sam"]["capabilities"] == ["everything"]
    assert entries["later"]["capabilities"] == ["everything"]  # an unknown capability is dropped with a note
    assert entries["mobile-sam"]["capabilities"] == ["everything"] and entries["point"]["capabilities"] == []


def test_a_segmenter_without_the_capability_is_refused(register_plugin, scene, eraser_cli, tmp_path):
    image, _ = scene
    register_plugin(ColourPlugin, name="colour")
    with pytest.raises(eraser.EraserError, match="needs a SAM model .*not 'point'; choose one of: auto, colour-sam, "
                                                 "mobile-sam, no-methods, sam-vit-b"):
        eraser.segment_everything(image, segmenter="point")
    with pytest.raises(eraser.EraserError, match=r"segmenter 'no-methods' \(colour\) is registered as able to segment "
                                                 "everything but has no embed, decode and upscale"):
        eraser.segment_everything(image, segmenter="no-methods")
    photo = tmp_path / "scene.png"
    Image.fromarray(image).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "--segmenter", "nonesuch", "-o", tmp_path / "out")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not 'nonesuch'" in err
    assert not (tmp_path / "out").exists()


def test_with_no_capable_segmenter_available_auto_says_why(scene, eraser_cli, tmp_path):
    image, _ = scene
    with pytest.raises(eraser.EraserError, match="no segmenter that can segment everything is available: "
                                                 "'mobile-sam' is not available: .*not installed"):
        eraser.segment_everything(image)
    photo = tmp_path / "scene.png"
    Image.fromarray(image).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "-o", tmp_path / "out")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "can segment everything" in err


@pytest.fixture
def blocked_mobile_sam(monkeypatch):
    monkeypatch.setenv(plugins.ENV_BLOCK, "mobile-sam")
    registry.reset()
    yield
    monkeypatch.undo()
    registry.reset()


def test_a_blocked_plugin_stays_blocked(blocked_mobile_sam, scene):
    image, _ = scene
    assert not {"mobile-sam", "sam-vit-b"} & set(registry.backends("segmenter"))
    with pytest.raises(eraser.EraserError, match="no segmenter here can segment everything"):
        eraser.segment_everything(image)
    with pytest.raises(eraser.EraserError, match="needs a SAM model .*not 'mobile-sam'; choose one of: auto$"):
        eraser.segment_everything(image, segmenter="mobile-sam")
    with pytest.raises(eraser.EraserError, match="can segment everything"):
        eraser.Session(image).suggestions()
    pm = plugins.get_plugin_manager()
    pm.register(ColourPlugin, name="colour")  # a third party's still serves it
    try:
        assert _found_the_disk(eraser.segment_everything(image, **LOW), scene[1]) > 0.9
    finally:
        pm.unregister(ColourPlugin)
