"""The ``image_snapshot`` fixture's object: an edit's result against a stored PNG.

Snapshot files are managed by pytest-regressions: a missing snapshot is
written and the test fails once, and ``pytest --force-regen`` rewrites the
snapshots that fail. The judgement (:func:`eraser.testing.compare_images`)
looks where the edit is: give ``before`` (the photo the edit started from) or
``mask`` (what it was allowed to change) and the edited region and the rest
are judged apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
from PIL import Image

from eraser.testing.compare import Comparison, compare_images
from eraser.testing.diffimage import diff_image
from eraser.testing.tolerance import Tolerance

__all__ = ["Comparison", "ImageSnapshot", "Tolerance", "compare_images", "diff_image", "load_png"]


def load_png(path: Path) -> np.ndarray:
    """A snapshot as the array it was written from: grey, grey + alpha, RGB or
    RGBA kept; a palette or other mode as RGB (RGBA when it has transparency)."""
    with Image.open(path) as im:
        if im.mode in ("L", "LA", "RGB", "RGBA"):
            return np.asarray(im)
        has_alpha = "A" in im.getbands() or "transparency" in im.info
        return np.asarray(im.convert("RGBA" if has_alpha else "RGB"))


def as_image(image: Any) -> np.ndarray:
    """An array, or a PIL image (what ``eraser.remove`` returns for a path), as uint8."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"image_snapshot compares uint8 images, not {array.dtype}")
    return array


class ImageSnapshot:
    """The ``image_snapshot`` fixture's object; call :meth:`check`."""

    def __init__(self, request, datadir, original_datadir) -> None:
        self.request, self.datadir, self.original_datadir = request, datadir, original_datadir

    def check(
        self,
        image: Any,
        path: "str | Path",
        tolerance: Optional[Tolerance] = None,
        *,
        before: Optional[Any] = None,
        mask: Optional[Any] = None,
    ) -> Comparison:
        """Compare ``image`` (RGB, RGBA or grey uint8; an array or a PIL image)
        with the PNG snapshot at ``path``.

        ``before``: the photo the edit started from, as loaded in this run;
        ``mask``: what the edit was allowed to change (above 0 counts). Give
        either or both, and pixels outside the edited region may change by at
        most ``tolerance.outside`` levels. On failure the obtained image and
        ``*.diff.png`` are written next to each other and named in the
        message. Returns the :class:`Comparison` of a passing check (None when
        the snapshot was just written).
        """
        from pytest_regressions.common import perform_regression_check

        __tracebackhide__ = True
        tolerance = tolerance or Tolerance()
        image = as_image(image)
        before = None if before is None else as_image(before)
        if before is not None and before.shape != image.shape:
            raise ValueError(f"before has shape {before.shape}, the image {image.shape}")
        passed: list[Comparison] = []

        def dump(target: Path) -> None:
            Image.fromarray(image).save(target)

        def check(obtained_path: Path, expected_path: Path) -> None:
            expected = load_png(expected_path)
            result = compare_images(image, expected, tolerance, before=before, mask=mask)
            if result.ok:
                passed.append(result)
                return
            diff_path = obtained_path.with_name(obtained_path.stem + ".diff.png")
            if image.shape == expected.shape:
                Image.fromarray(diff_image(image, expected, result, tolerance.per_pixel)).save(diff_path)
            raise AssertionError(
                f"image differs from snapshot {expected_path}\n{result.reason}\n"
                f"obtained: {obtained_path}\ndiff: {diff_path} (expected | obtained | differences in red, "
                "the edited region outlined in cyan, the largest blob boxed in yellow, changes outside in magenta)"
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
        return passed[0] if passed else None
