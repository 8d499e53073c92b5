"""Comparing an image with a stored snapshot under a per-pixel tolerance.

A removal changes a small part of a photo, so a mean difference over the
whole image (what pytest-regressions' own image fixture measures) would hide a
bad fill; instead a pixel counts as different when any channel differs by
more than ``per_pixel``, and only a small share of such pixels is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Tolerance:
    per_pixel: int = 8  # a channel difference up to this counts as equal
    max_outliers: float = 0.005  # share of pixels allowed to differ by more
    max_mean: float = 0.5  # mean absolute difference over all channels


@dataclass(frozen=True)
class Comparison:
    ok: bool
    reason: str
    outliers: float = 0.0
    mean: float = 0.0
    max: int = 0


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


def compare_images(obtained: np.ndarray, expected: np.ndarray, tolerance: Tolerance = Tolerance()) -> Comparison:
    obtained, expected = np.asarray(obtained), np.asarray(expected)
    if obtained.shape != expected.shape:
        return Comparison(False, f"shape {obtained.shape} differs from the snapshot's {expected.shape}")
    diff = np.abs(obtained.astype(np.int16) - expected.astype(np.int16))
    per_pixel = diff.max(axis=-1) if diff.ndim == 3 else diff
    outliers = float((per_pixel > tolerance.per_pixel).mean())
    mean = float(diff.mean())
    largest = int(diff.max()) if diff.size else 0
    stats = f"{100 * outliers:.3f}% of pixels differ by more than {tolerance.per_pixel} (max {largest}), mean difference {mean:.3f}"
    ok = outliers <= tolerance.max_outliers and mean <= tolerance.max_mean
    limits = f"allowed: {100 * tolerance.max_outliers:.3f}% and mean {tolerance.max_mean}"
    return Comparison(ok, f"{stats}; {limits}", outliers, mean, largest)


def diff_image(obtained: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Expected | obtained | differences amplified 4x in red on grey."""
    obtained, expected = _rgb(obtained), _rgb(expected)
    diff = np.abs(obtained.astype(np.int16) - expected.astype(np.int16)).max(axis=-1)
    grey = (expected.mean(axis=-1) * 0.5).astype(np.uint8)
    heat = np.stack([np.maximum(grey, np.clip(diff * 4, 0, 255)).astype(np.uint8), grey, grey], axis=-1)
    return np.concatenate([expected, obtained, heat], axis=1)


def load_png(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB") if im.mode not in ("RGB", "L") else im)


class ImageSnapshot:
    """The ``image_snapshot`` fixture's object; call :meth:`check`."""

    def __init__(self, request, datadir, original_datadir) -> None:
        self.request, self.datadir, self.original_datadir = request, datadir, original_datadir

    def check(self, image: np.ndarray, path: "str | Path", tolerance: Optional[Tolerance] = None) -> None:
        """Compare ``image`` (RGB or grey uint8) with the PNG snapshot at ``path``.

        A missing snapshot is written and the test fails once; run pytest with
        ``--force-regen`` to rewrite snapshots that differ. On failure the
        obtained image and ``*.diff.png`` are written next to each other and
        named in the message.
        """
        from pytest_regressions.common import perform_regression_check

        __tracebackhide__ = True
        tolerance = tolerance or Tolerance()
        image = np.asarray(image)

        def dump(target: Path) -> None:
            Image.fromarray(image).save(target)

        def check(obtained_path: Path, expected_path: Path) -> None:
            expected = load_png(expected_path)
            result = compare_images(image, expected, tolerance)
            if not result.ok:
                diff_path = obtained_path.with_name(obtained_path.stem + ".diff.png")
                if image.shape == expected.shape:
                    Image.fromarray(diff_image(image, expected)).save(diff_path)
                raise AssertionError(
                    f"image differs from snapshot {expected_path}: {result.reason}\n"
                    f"obtained: {obtained_path}\ndiff: {diff_path}"
                )

        perform_regression_check(
            datadir=self.datadir,
            original_datadir=self.original_datadir,
            request=self.request,
            check_fn=check,
            dump_fn=dump,
            extension=".png",
            fullpath=Path(path),
        )
