"""Segment everything: eraser's generator (ONNX) against upstream SAM's
SamAutomaticMaskGenerator (torch) on the same random-weight MobileSAM; our
NMS against a plain reference; RLE, small regions, the CLI's files."""

import json
import sys
import types

import numpy as np
import pytest
from PIL import Image

from eraser.errors import EraserError
from eraser.everything.boxes import box_iou, mask_to_box, nms
from eraser.everything.generator import Options, generate
from eraser.everything.grid import crop_boxes, point_grid
from eraser.everything.regions import remove_small
from eraser.everything.rle import decode, encode


pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

def reference_nms(boxes, scores, threshold):
    """The textbook loop, one pair at a time."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    for i in order:
        ok = True
        for j in keep:
            ax0, ay0, ax1, ay1 = boxes[i]
            bx0, by0, bx1, by1 = boxes[j]
            iw, ih = max(0.0, min(ax1, bx1) - max(ax0, bx0)), max(0.0, min(ay1, by1) - max(ay0, by0))
            inter = iw * ih
            union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
            if union > 0 and inter / union > threshold:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


@pytest.mark.parametrize("seed", range(20))
def test_nms_equals_the_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    xy = rng.uniform(0, 100, (n, 2))
    wh = rng.uniform(1, 40, (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    scores = rng.uniform(0, 1, n)
    for threshold in (0.0, 0.3, 0.7, 1.0):
        assert nms(boxes, scores, threshold).tolist() == reference_nms(boxes.tolist(), scores.tolist(), threshold)


def test_boxes_grid_crops_rle_and_regions():
    masks = np.zeros((2, 10, 12), bool)
    masks[0, 2:5, 3:9] = True
    assert mask_to_box(masks).tolist() == [[3, 2, 8, 4], [0, 0, 0, 0]]
    assert np.allclose(box_iou(np.array([0, 0, 2, 2.0]), np.array([[1, 1, 3, 3.0], [5, 5, 6, 6]])), [1 / 7, 0])
    grid = point_grid(4)
    assert grid.shape == (16, 2) and grid[0].tolist() == [0.125, 0.125] and grid[-1].tolist() == [0.875, 0.875]
    boxes, layers = crop_boxes(600, 400, 1, 512 / 1500)
    assert boxes[0] == [0, 0, 600, 400] and layers == [0, 1, 1, 1, 1] and len(boxes) == 5
    assert all(b[2] <= 600 and b[3] <= 400 for b in boxes)
    rle = encode(masks[0])
    assert rle["size"] == [10, 12] and isinstance(rle["counts"], str) and np.array_equal(decode(rle), masks[0])
    blob = np.zeros((40, 40), bool)
    blob[5:30, 5:30] = True
    blob[10:12, 10:12] = False  # a 4-pixel hole
    blob[35, 35] = True  # a 1-pixel island
    filled, changed = remove_small(blob, 10, holes=True)
    assert changed and filled[10:12, 10:12].all()
    cleaned, changed = remove_small(filled, 10, holes=False)
    assert changed and not cleaned[35, 35] and cleaned[5:30, 5:30].all()
    tiny = np.zeros((9, 9), bool)
    tiny[1, 1] = tiny[5, 5] = tiny[5, 6] = True  # every island small: the largest stays
    assert remove_small(tiny, 10, holes=False)[0].sum() == 2


@pytest.mark.parametrize("bad", [{"points_per_side": 0}, {"pred_iou_thresh": float("nan")}, {"box_nms_thresh": 2},
                                 {"crop_n_layers": -1}, {"points_per_side": True}, {"input_size_percent": 101}])
def test_bad_options_are_one_line(bad):
    with pytest.raises(EraserError) as err:
        Options(**bad)
    assert "\n" not in str(err.value)


# ------------------------------------------------------------ against upstream

torch = pytest.importorskip("torch")


def _torchvision_shim():
    """segment_anything imports torchvision for batched_nms, box_area and a PIL
    resize; PyPI's torchvision does not import beside this torch (FACTS.md), so
    the test gives it those three, written plainly."""
    tv = types.ModuleType("torchvision")
    ops, boxes_mod = types.ModuleType("torchvision.ops"), types.ModuleType("torchvision.ops.boxes")
    transforms, functional = types.ModuleType("torchvision.transforms"), types.ModuleType("torchvision.transforms.functional")

    def batched_nms(boxes, scores, idxs, iou_threshold):  # one category in SAM's calls
        assert (idxs == idxs[0]).all()
        keep = reference_nms(boxes.tolist(), scores.tolist(), iou_threshold)
        return torch.as_tensor(keep, dtype=torch.int64)

    boxes_mod.batched_nms = batched_nms
    boxes_mod.box_area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    functional.resize = lambda image, size: image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    functional.to_pil_image = lambda array: Image.fromarray(array)
    tv.ops, ops.boxes, tv.transforms, transforms.functional = ops, boxes_mod, transforms, functional
    return {"torchvision": tv, "torchvision.ops": ops, "torchvision.ops.boxes": boxes_mod,
            "torchvision.transforms": transforms, "torchvision.transforms.functional": functional}


@pytest.fixture(scope="module")
def models(mobile_sam_store):
    """The same random weights as upstream's Sam (torch) and as eraser's installed ONNX
    (the run's shared random-weight MobileSAM)."""
    patch = pytest.MonkeyPatch()
    for name, module in _torchvision_shim().items():
        patch.setitem(sys.modules, name, module)
    pytest.importorskip("segment_anything", reason="the reference: pip install segment-anything (the test extra)")
    from eraser import modelstore

    store, mobile = mobile_sam_store
    patch.setenv(modelstore.ENV_DIR, str(store))
    from segment_anything.modeling import MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

    sam = Sam(image_encoder=mobile.image_encoder,
              prompt_encoder=PromptEncoder(embed_dim=256, image_embedding_size=(64, 64), input_image_size=(1024, 1024),
                                           mask_in_chans=16),
              mask_decoder=MaskDecoder(num_multimask_outputs=3, transformer=TwoWayTransformer(
                  depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8), transformer_dim=256, iou_head_depth=3,
                  iou_head_hidden_dim=256),
              pixel_mean=[123.675, 116.28, 103.53], pixel_std=[58.395, 57.12, 57.375])
    sam.load_state_dict(mobile.state_dict(), strict=True)
    yield sam.eval()
    patch.undo()


def _photo():
    return np.asarray(Image.open(__import__("pathlib").Path(__file__).resolve().parents[3] / "samples" / "coffee_spoon"
                                 / "photo.jpg").convert("RGB").resize((1024, 683)))


@pytest.mark.parametrize("settings", [
    dict(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0, box_nms_thresh=1.0),
    dict(points_per_side=3, pred_iou_thresh=0.0, stability_score_thresh=0.0, box_nms_thresh=1.0,
         min_mask_region_area=300),
])
def test_masks_match_upstream_generator(models, settings):
    from segment_anything import SamAutomaticMaskGenerator

    from eraser.everything.segmenter import everything_segmenter

    photo = _photo()
    with torch.no_grad():
        theirs = SamAutomaticMaskGenerator(models, **settings).generate(photo)
    ours = generate(everything_segmenter("mobile-sam"), photo, Options(**settings))
    assert len(ours) == len(theirs) > 1
    for mine, ref in zip(ours, theirs):  # the same order
        a, b = mine.mask, ref["segmentation"]
        iou = (a & b).sum() / max((a | b).sum(), 1)
        assert iou >= 0.95
        assert abs(mine.predicted_iou - ref["predicted_iou"]) < 1e-3
        assert abs(mine.stability_score - ref["stability_score"]) < 0.01
        assert mine.record()["bbox"] == [float(v) for v in ref["bbox"]] or iou < 1
        assert mine.record()["point_coords"] == [[float(v) for v in ref["point_coords"][0]]]


def test_cli_writes_masks_json_and_overlay(models, tmp_path, eraser_cli):
    photo = tmp_path / "photo.png"
    Image.fromarray(_photo()).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "-o", tmp_path / "out", "--points-per-side", "4",
                              "--pred-iou-thresh", "0", "--stability-score-thresh", "0", "--box-nms-thresh", "0.95")
    assert code == 0, err
    table = json.loads((tmp_path / "out" / "masks.json").read_text())
    assert table and set(table[0]) >= {"file", "segmentation", "area", "bbox", "predicted_iou", "stability_score",
                                       "point_coords", "crop_box"}
    for row in table:
        mask = np.asarray(Image.open(tmp_path / "out" / row["file"])) > 127
        assert np.array_equal(mask, decode(row["segmentation"])) and row["area"] == mask.sum()
    assert Image.open(tmp_path / "out" / "overlay.png").size == (1024, 683)
    code, _, err = eraser_cli("segment", photo, "--auto", "-o", tmp_path / "out", "--points-per-side", "4")
    assert code == 2 and "exists" in err  # nothing replaced without --force
    code, _, err = eraser_cli("segment", photo, "--auto", "-o", photo)
    assert code == 2 and "not a folder" in err
