"""How far an image may stray from its snapshot: the limits and their defaults.

The defaults come from measurements (docs/testing.md, "Why these defaults";
``bench/snapshot_tolerance.py`` reruns them): every benign rerun measured
(other ONNX Runtime thread counts, an older OpenCV and Pillow, JPEG decoded by
Pillow, OpenCV or simplejpeg) stays well inside them, and every defect a person
sees (an 8x8 blot at a contrast of 40 levels, a colour cast of 10 levels, the
fill shifted by 2 px) fails at least one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Tolerance:
    # Inside the edited region (the whole image when no region is known):
    per_pixel: int = 8  # a channel difference up to this counts as equal
    max_share: float = 0.03  # share of the region's pixels that may differ by more
    max_mean: float = 2.0  # mean absolute difference of the worst channel in the region, levels
    blob_level: int = 16  # a pixel joins a blob when a channel differs by more than this
    max_blob: int = 32  # largest 8-connected blob of such pixels, in pixels
    min_ssim: Optional[float] = None  # SSIM of the region's luma (11x11 Gaussian window); None: not checked
    # Outside the edited region: no channel of any pixel may differ by more
    # than this (from ``before`` when given, else from the snapshot).
    outside: int = 2
    # The region: what the mask covers and where the snapshot differs from
    # ``before`` by more than ``outside``, its holes filled, grown by this many px.
    margin: int = 2

    def __post_init__(self) -> None:
        for name in ("per_pixel", "blob_level", "max_blob", "outside", "margin"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Tolerance.{name} must be a whole number >= 0, not {value!r}")
        for name in ("max_share", "max_mean"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"Tolerance.{name} must be a number >= 0, not {value!r}")
        if self.min_ssim is not None and not (-1.0 <= self.min_ssim <= 1.0):
            raise ValueError(f"Tolerance.min_ssim must be None or between -1 and 1, not {self.min_ssim!r}")
