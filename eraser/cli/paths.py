"""Output paths checked before any work: no two outputs name one file, no
output is an input (image or mask, through links too), each is writable."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence


def check(outputs: Sequence[Optional[Path]], *, image: Path, inputs: Sequence[Optional[Path]], force: bool) -> None:
    from eraser.io import check_output
    from eraser.io.files import check_distinct_outputs

    check_distinct_outputs(outputs)
    for path in outputs:
        if path is not None:
            check_output(path, source=image, inputs=inputs, overwrite=force)


_LOSSLESS_MASK = (".png", ".tif", ".tiff")


def check_masks(masks: Sequence[Optional[Path]]) -> None:
    """A mask is written losslessly: JPEG, lossy WebP, HEIF or AVIF would put
    grey speckles into its 0s and 255s and blur its edge, and the mask read
    back would select other pixels."""
    from eraser.errors import EraserError

    for path in masks:
        if path is not None and path.suffix.lower() not in _LOSSLESS_MASK:
            raise EraserError(f"{path}: a mask is written as PNG or TIFF (a '{path.suffix}' file would blur it); "
                              f"use {path.with_suffix('.png').name}")
