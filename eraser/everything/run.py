"""``eraser.segment_everything(...)``: the generator on the chosen segmenter, as SAM's records."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np

from eraser.errors import EraserError
from eraser.everything.generator import Options, generate, settings_for
from eraser.everything.segmenter import everything_segmenter
from eraser.io import load_image


def segment_everything(image: Any, segmenter: str = "auto", **options: Any) -> list[dict]:
    """Every mask of ``image`` (a path, PIL image or RGB array) found by a
    segmenter that can segment everything (``segmenter``: ``auto``, the best
    available, or a name such as ``mobile-sam``, ``sam-vit-b``): a list of
    SAM records (see :mod:`eraser.everything`), each with its ``mask`` (bool
    array) too, best first. ``options`` are SamAutomaticMaskGenerator's
    (:class:`eraser.everything.generator.Options`); those not given take the
    segmenter's defaults (:func:`eraser.everything.generator.settings_for`)."""
    known = [f.name for f in fields(Options)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise EraserError(f"unknown option {unknown[0]!r} of segment everything; choose from {', '.join(known)}")
    Options(**options)  # bad options fail before the photo is read
    rgb = np.asarray(image) if isinstance(image, np.ndarray) else load_image(image).rgb
    model = everything_segmenter(segmenter)
    masks = generate(model, rgb, settings_for(model, options))
    return [{**m.record(), "mask": m.mask} for m in masks]
