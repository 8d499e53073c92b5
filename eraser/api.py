"""The Python API: ``eraser.remove(...)``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import numpy as np
from PIL import Image

from eraser import masks, pipeline
from eraser.prompts import Prompt
from eraser.io import DEFAULT_MAX_PIXELS, LoadedImage, load_image, to_pil
from eraser.io.mask import MaskSource, load_mask
from eraser.prompts import Box, Point, PointGroup, build_prompts

ImageSource = Union[str, Path, Image.Image, np.ndarray]


def make_prompts(
    loaded: LoadedImage,
    points: Optional[Iterable[PointGroup]] = None,
    boxes: Optional[Iterable[Union[Box, str]]] = None,
    exclude: Optional[Iterable[Union[Point, str]]] = None,
    mask: Optional[MaskSource] = None,
) -> list[Prompt]:
    """The prompts for ``loaded``: one per object, plus one for a mask."""
    height, width = loaded.rgb.shape[:2]
    prompts = build_prompts(width, height, points, boxes, exclude)
    if mask is not None:
        prompts.append(Prompt(mask=load_mask(mask, width, height)))
    return prompts


def remove(
    image: ImageSource,
    points: Optional[Sequence[PointGroup]] = None,
    box: Optional[Union[Box, Sequence[Box]]] = None,
    mask: Optional[MaskSource] = None,
    exclude: Optional[Sequence[Point]] = None,
    *,
    segmenter: str = "auto",
    inpainter: str = "auto",
    dilate: int = masks.DEFAULT_DILATE,
    feather: float = masks.DEFAULT_FEATHER,
    return_mask: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
):
    """Erase the objects the prompts point at.

    ``points``: each item is one object, given as an ``(x, y)`` click or a list
    of clicks on that object. ``box``: one ``(x0, y0, x1, y1)`` box or a list of
    them, one object each. ``mask``: a mask (path, PIL image or array) of what
    to remove. ``exclude``: clicks that must stay out of every object.

    Returns an array for an array input, else a PIL image (alpha and grayscale
    kept). With ``return_mask=True`` returns ``(result, mask)`` where ``mask`` is
    the refined removal mask as uint8 (255 replaced, 0 untouched).
    """
    loaded = load_image(image, max_pixels=max_pixels)
    boxes = [box] if box is not None and len(box) == 4 and np.isscalar(box[0]) else box
    prompts = make_prompts(loaded, points, boxes, exclude, mask)
    result = pipeline.run(
        loaded.rgb, prompts, segmenter=segmenter, inpainter=inpainter, dilate=dilate, feather=feather
    )
    out = to_pil(loaded, result.image)
    if isinstance(image, np.ndarray):
        out = np.asarray(out)
    return (out, result.removal_mask()) if return_mask else out
