"""Judging an image against its snapshot: inside the edited region and outside it.

Inside the region (see :mod:`eraser.testing.region`) a pixel differs when a
channel is off by more than ``per_pixel``; the share of such pixels, the mean
difference of the worst channel, the largest connected blob of differing
pixels and, when asked, SSIM are held to their limits. Outside the region
nothing may change by more than ``outside`` levels: that is the promise of a
magic eraser, and it is checked against ``before`` (the photo the edit
started from, decoded in the same run) when it is given, else against the
snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from eraser.testing.metrics import largest_blob, ssim_map
from eraser.testing.region import abs_diff, channel_diff, channel_max, edit_region
from eraser.testing.tolerance import Tolerance

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Comparison:
    ok: bool
    reason: str
    outliers: float = 0.0  # share of the region's pixels differing by more than per_pixel
    mean: float = 0.0  # mean absolute difference of the worst channel in the region
    max: int = 0  # largest channel difference anywhere
    blob: int = 0  # pixels in the largest blob inside the region of pixels differing by more than blob_level
    blob_box: Optional[Box] = None  # its (x0, y0, x1, y1), inclusive
    ssim: Optional[float] = None  # mean SSIM over the region, when min_ssim is set
    outside: int = 0  # pixels outside the region changed by more than the outside limit
    outside_max: int = 0  # the largest change there
    outside_box: Optional[Box] = None  # the largest blob of them
    region: Optional[np.ndarray] = None  # the bool HxW region judged (None: the whole image)
    changed_outside: Optional[np.ndarray] = None  # bool HxW: the pixels that broke the outside limit
    failed: tuple[str, ...] = ()  # which limits failed: share, mean, blob, ssim, outside, shape


def box_text(box: Box) -> str:
    x0, y0, x1, y1 = box
    return f"x {x0}-{x1}, y {y0}-{y1}"


def bounding_box(pixels: np.ndarray) -> Optional[Box]:
    ys, xs = np.nonzero(pixels)
    return (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())) if xs.size else None


def region_ssim(obtained: np.ndarray, expected: np.ndarray, region: np.ndarray) -> float:
    """Mean SSIM over ``region``, computed on its bounding box grown by the window."""
    x0, y0, x1, y1 = bounding_box(region)
    h, w = region.shape
    pad = 5  # half the 11x11 window
    ys, xs = slice(max(0, y0 - pad), min(h, y1 + pad + 1)), slice(max(0, x0 - pad), min(w, x1 + pad + 1))
    return float(ssim_map(obtained[ys, xs], expected[ys, xs])[region[ys, xs]].mean())


def compare_images(
    obtained: Any,
    expected: Any,
    tolerance: Tolerance = Tolerance(),
    before: Optional[Any] = None,
    mask: Optional[Any] = None,
) -> Comparison:
    """Judge ``obtained`` against the snapshot ``expected`` (uint8, HxW or HxWxC).

    ``before`` (the photo the edit started from) and ``mask`` (what the edit
    was allowed to change) each define the edited region; with neither, the
    whole image is judged as the region and there is no outside.
    """
    obtained, expected = np.asarray(obtained), np.asarray(expected)
    if obtained.shape != expected.shape:
        reason = f"shape {obtained.shape} differs from the snapshot's {expected.shape}"
        return Comparison(False, reason, failed=("shape",))
    t = tolerance
    region = edit_region(expected, before, mask, threshold=t.outside, margin=t.margin)
    inside = np.ones(expected.shape[:2], bool) if region is None else region
    per_channel = abs_diff(obtained, expected)
    diff = channel_max(per_channel)
    largest = int(diff.max()) if diff.size else 0
    failed: list[str] = []
    parts: list[str] = []

    n = int(inside.sum())
    differing = (diff > t.per_pixel) & inside
    share = float(differing.sum() / n) if n else 0.0
    mean = float(per_channel[inside].mean(axis=0, dtype=np.float64).max()) if n else 0.0
    blob, blob_box = largest_blob((diff > t.blob_level) & inside)
    where = "the image" if region is None else (
        f"the edited region ({box_text(bounding_box(region))}, {n} px)" if n else "the edited region (empty)")
    parts.append(f"inside {where}:")
    parts.append(f"  {100 * share:.3f}% of pixels differ by more than {t.per_pixel} levels "
                 f"(allowed {100 * t.max_share:.3f}%)")
    if share > t.max_share:
        failed.append("share")
    parts.append(f"  mean difference of the worst channel {mean:.3f} levels (allowed {t.max_mean})")
    if mean > t.max_mean:
        failed.append("mean")
    blob_where = f" at {box_text(blob_box)}" if blob else ""
    parts.append(f"  largest blob of pixels differing by more than {t.blob_level} levels: {blob} px{blob_where} "
                 f"(allowed {t.max_blob})")
    if blob > t.max_blob:
        failed.append("blob")
    ssim = None
    if t.min_ssim is not None and n:
        ssim = region_ssim(obtained, expected, inside)
        parts.append(f"  SSIM {ssim:.4f} (allowed from {t.min_ssim})")
        if ssim < t.min_ssim:
            failed.append("ssim")

    out_count, out_max, out_box, changed = 0, 0, None, None
    if region is not None:
        reference = expected if before is None else np.asarray(before)
        out_diff = channel_diff(obtained, reference)
        out_diff[region] = 0
        changed = out_diff > t.outside
        out_count, out_max = int(changed.sum()), int(out_diff.max())
        against = "the photo before the edit" if before is not None else "the snapshot"
        text = f"outside it: {out_count} px differ from {against} by more than {t.outside} levels (max {out_max})"
        if out_count:
            size, out_box = largest_blob(changed)
            text += f", the largest blob {size} px at {box_text(out_box)}"
            failed.append("outside")
        parts.append(text)
    verdict = f"failed: {', '.join(failed)}" if failed else "passed"
    return Comparison(not failed, "\n".join([verdict, *parts]), share, mean, largest, blob, blob_box if blob else None,
                      ssim, out_count, out_max, out_box, region, changed, tuple(failed))
