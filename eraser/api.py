"""The Python API: ``eraser.remove(...)``, one call through an editing session."""

from __future__ import annotations

from typing import Any

import numpy as np

from eraser.arguments import flag
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER, DEFAULT_MAX_PIXELS
from eraser.session import Session


def remove(
    image: Any,
    points: Any = None,
    box: Any = None,
    mask: Any = None,
    exclude: Any = None,
    *,
    segmenter: str = "auto",
    inpainter: str = "auto",
    dilate: int = DEFAULT_DILATE,
    feather: float = DEFAULT_FEATHER,
    return_mask: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
):
    """Erase the objects the prompts point at.

    ``image``: a path, a PIL image, an RGB/RGBA/grayscale ``uint8`` array, or
    the bytes of an image file (``bytes`` or a binary file object).
    ``points``: each item is one object, given as an ``(x, y)`` click or a list
    of clicks on that object (a single ``(x, y)`` is one object). ``box``: one
    ``(x0, y0, x1, y1)`` box or a list of them, one object each. ``mask``: a
    mask (path, PIL image or array) of what to remove. ``exclude``: clicks that
    must stay out of every object. Numbers may be Python or numpy numbers.

    Returns an array for an array input, else a PIL image (alpha and grayscale
    kept). With ``return_mask=True`` returns ``(result, mask)`` where ``mask`` is
    the refined removal mask as uint8 (255 replaced, 0 untouched).
    Every mistake a caller can make raises :class:`eraser.EraserError`.
    """
    return_mask = flag("return_mask", return_mask)
    session = Session(
        image, segmenter=segmenter, inpainter=inpainter, dilate=dilate, feather=feather,
        max_pixels=max_pixels, history=0,
    )
    session.add(points=points, boxes=box, exclude=exclude, mask=mask)
    result = session.erase()
    out = session.to_pil()
    if isinstance(image, np.ndarray):
        out = np.asarray(out)
    return (out, result.removal_mask()) if return_mask else out

