"""The automatic mask generator, on any segmenter that embeds a crop and decodes points
(an :class:`eraser.backends.EverythingSegmenter`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Callable, Mapping, Optional

import cv2
import numpy as np

from eraser.backends import EverythingSegmenter
from eraser.defaults import EVERYTHING
from eraser.errors import EraserError
from eraser.floats import shown, to_float
from eraser.everything.boxes import mask_to_box, nms, xyxy_to_xywh
from eraser.everything.grid import crop_boxes, layer_grids
from eraser.everything.regions import remove_small

MASK_THRESHOLD = 0.0  # logits above it are in the mask


@dataclass(frozen=True)
class Options:
    """SamAutomaticMaskGenerator's options, with its defaults (names as the seed has them)."""

    points_per_side: int = EVERYTHING["points_per_side"]
    points_per_batch: int = EVERYTHING["points_per_batch"]
    pred_iou_thresh: float = EVERYTHING["pred_iou_thresh"]
    stability_score_thresh: float = EVERYTHING["stability_score_thresh"]
    stability_score_offset: float = EVERYTHING["stability_score_offset"]
    box_nms_thresh: float = EVERYTHING["box_nms_thresh"]
    crop_n_layers: int = EVERYTHING["crop_n_layers"]
    crop_nms_thresh: float = EVERYTHING["crop_nms_thresh"]
    crop_overlap_ratio: float = EVERYTHING["crop_overlap_ratio"]
    crop_n_points_downscale_factor: int = EVERYTHING["crop_n_points_downscale_factor"]
    min_mask_region_area: int = EVERYTHING["min_mask_region_area"]
    input_size_percent: int = EVERYTHING["input_size_percent"]

    def __post_init__(self) -> None:
        ints = {"points_per_side": (1, 256), "points_per_batch": (1, 4096), "crop_n_layers": (0, 4),
                "crop_n_points_downscale_factor": (1, 16), "min_mask_region_area": (0, 10**9),
                "input_size_percent": (1, 100)}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ints:
                low, high = ints[f.name]
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                    raise EraserError(f"{f.name} must be a whole number from {low} to {high}, not {shown(value)}")
            else:
                bad = isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer))
                if bad or not math.isfinite(to_float(value)) or not 0.0 <= value <= (10.0 if "offset" in f.name else 1.0):
                    raise EraserError(f"{f.name} must be a number from 0 to {10 if 'offset' in f.name else 1}, not {shown(value)}")


def settings_for(model: object, given: Optional[Mapping[str, Any]] = None) -> Options:
    """The options segment everything runs ``model`` with: the model's own
    defaults (its optional ``everything_defaults`` mapping, such as SAM 2.1's
    ``SAM2AutomaticMaskGenerator`` values) over SamAutomaticMaskGenerator's,
    and ``given`` (what the user set) over both."""
    own = getattr(model, "everything_defaults", None) or {}
    names = {f.name for f in fields(Options)}
    if not isinstance(own, Mapping) or not set(own) <= names:
        raise EraserError(f"{type(model).__name__}.everything_defaults must map option names "
                          f"({', '.join(sorted(names))}) to values")
    try:
        Options(**own)
    except EraserError as exc:
        raise EraserError(f"{type(model).__name__}.everything_defaults: {exc}") from None
    return Options(**{**own, **(given or {})})


@dataclass
class Mask:
    mask: np.ndarray  # bool (H, W), the whole photo
    box: np.ndarray  # XYXY
    predicted_iou: float
    stability_score: float
    point: tuple[float, float]
    crop_box: list[int]  # XYXY

    def record(self) -> dict:
        from eraser.everything.rle import encode

        return {"segmentation": encode(self.mask), "area": int(self.mask.sum()), "bbox": xyxy_to_xywh(self.box),
                "predicted_iou": float(self.predicted_iou), "point_coords": [[float(self.point[0]), float(self.point[1])]],
                "stability_score": float(self.stability_score), "crop_box": xyxy_to_xywh(self.crop_box)}


def stability(logits: np.ndarray, offset: float) -> float:
    """IoU of the mask thresholded at +offset and at -offset."""
    inner = np.count_nonzero(logits > MASK_THRESHOLD + offset)
    outer = np.count_nonzero(logits > MASK_THRESHOLD - offset)
    return inner / outer if outer else 0.0


def _near_crop_edge(box: np.ndarray, crop: list[int], width: int, height: int, tol: float = 20.0) -> bool:
    """A box touching an inner edge of its crop (not the photo's edge) is cut off there."""
    box = box.astype(np.float64)
    near_crop = np.isclose(box, np.array(crop, np.float64), atol=tol, rtol=0)
    near_photo = np.isclose(box, np.array([0, 0, width, height], np.float64), atol=tol, rtol=0)
    return bool(np.any(near_crop & ~near_photo))


def _crop_masks(model: EverythingSegmenter, image: np.ndarray, crop: list[int], layer: int, grid: np.ndarray,
                o: Options, progress: Optional[Callable[[int], None]]) -> list[Mask]:
    height, width = image.shape[:2]
    x0, y0, x1, y1 = crop
    piece = np.ascontiguousarray(image[y0:y1, x0:x1])
    ch, cw = piece.shape[:2]
    embedding = model.embed(piece)
    points = grid * np.array([[cw, ch]], np.float64)
    found: list[Mask] = []
    for start in range(0, len(points), o.points_per_batch):
        batch = points[start:start + o.points_per_batch]
        logits, ious = model.decode(embedding, (ch, cw), batch)
        for b, point in enumerate(batch):
            for k in range(logits.shape[1]):
                iou = float(ious[b, k])
                if o.pred_iou_thresh > 0 and not iou > o.pred_iou_thresh:
                    continue
                full = model.upscale(logits[b, k], (ch, cw))
                score = stability(full, o.stability_score_offset)
                if o.stability_score_thresh > 0 and not score >= o.stability_score_thresh:
                    continue
                binary = full > MASK_THRESHOLD
                box = mask_to_box(binary[None])[0]
                box_in_photo = box + np.array([x0, y0, x0, y0], np.float32)
                if crop != [0, 0, width, height] and _near_crop_edge(box_in_photo, crop, width, height):
                    continue
                whole = np.zeros((height, width), bool)
                whole[y0:y1, x0:x1] = binary
                found.append(Mask(whole, box_in_photo, iou, score, (point[0] + x0, point[1] + y0), crop))
        if progress:
            progress(len(batch))
    if not found:
        return []
    keep = nms(np.stack([m.box for m in found]), np.array([m.predicted_iou for m in found]), o.box_nms_thresh)
    return [found[i] for i in keep]


def _small_regions(masks: list[Mask], o: Options) -> list[Mask]:
    changed = []
    for m in masks:
        mask, holes = remove_small(m.mask, o.min_mask_region_area, holes=True)
        mask, islands = remove_small(mask, o.min_mask_region_area, holes=False)
        changed.append(holes or islands)
        m.mask = mask
        m.box = mask_to_box(mask[None])[0]
    # prefer masks that needed no change, as SAM does
    keep = nms(np.stack([m.box for m in masks]), np.array([0.0 if c else 1.0 for c in changed]), o.box_nms_thresh)
    return [masks[i] for i in keep]


def generate(model: EverythingSegmenter, image: np.ndarray, options: Optional[Options] = None,
             progress: Optional[Callable[[int], None]] = None) -> list[Mask]:
    """Every mask of ``image`` (RGB uint8), best first; ``options`` default to
    :func:`settings_for` the model."""
    o = options or settings_for(model)
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise EraserError("segment everything needs an RGB uint8 image")
    height, width = image.shape[:2]
    scale = o.input_size_percent / 100
    work = image
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        work = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    h, w = work.shape[:2]
    boxes, layers = crop_boxes(w, h, o.crop_n_layers, o.crop_overlap_ratio)
    grids = layer_grids(o.points_per_side, o.crop_n_layers, o.crop_n_points_downscale_factor)
    masks: list[Mask] = []
    for crop, layer in zip(boxes, layers):
        masks += _crop_masks(model, work, crop, layer, grids[layer], o, progress)
    if len(boxes) > 1 and masks:
        # masks found in smaller crops are preferred where crops overlap
        areas = np.array([max(float((c[2] - c[0]) * (c[3] - c[1])), 1.0) for c in (m.crop_box for m in masks)])
        keep = nms(np.stack([m.box for m in masks]), 1.0 / areas, o.crop_nms_thresh)
        masks = [masks[i] for i in keep]
    if o.min_mask_region_area > 0 and masks:
        masks = _small_regions(masks, o)
    if scale < 1:
        sx, sy = width / w, height / h
        for m in masks:
            m.mask = cv2.resize(m.mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
            m.box = mask_to_box(m.mask[None])[0]
            m.point = (m.point[0] * sx, m.point[1] * sy)
            m.crop_box = [round(m.crop_box[0] * sx), round(m.crop_box[1] * sy), round(m.crop_box[2] * sx),
                          round(m.crop_box[3] * sy)]
    return masks
