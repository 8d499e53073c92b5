"""Stage: plan regions. Where the inpainter looks, around each group of holes.

Each refined part is shown to the inpainter with context around it: every
object's box grown by ``context`` times its longest side (at least
``min_context`` pixels). Parts whose context rectangles overlap share one
region, so no crop shows a half-filled neighbour and no hole is split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eraser.geometry import Rect, merge_overlapping
from eraser.refine import MaskPart, RefinedMask, reach

CONTEXT = 0.5  # context around an object, as a share of its longest side
MIN_CONTEXT = 64  # pixels of context at least


@dataclass
class Region:
    """One inpainting job: the crop ``outer`` of the photo and the refined
    parts inside it; ``target`` is the rectangle of the crop whose fill is used."""

    outer: Rect
    parts: list[MaskPart]

    @property
    def target(self) -> Rect:
        rect = self.parts[0].rect
        for part in self.parts[1:]:
            rect = rect.union(part.rect)
        return rect

    def crop_hole(self) -> np.ndarray:
        """The holes of the parts, in the coordinates of the ``outer`` crop."""
        hole = np.zeros((self.outer.height, self.outer.width), bool)
        for part in self.parts:
            hole[part.rect.relative_to(self.outer).slices] = part.hole
        return hole


def plan(refined: RefinedMask, context: float = CONTEXT, min_context: int = MIN_CONTEXT) -> list[Region]:
    """Group the refined parts into inpainting regions (see the module docstring)."""
    height, width = refined.shape
    pad = reach(refined.dilate, refined.feather)
    items = []
    for part in refined.parts:
        outer = None
        for box in part.objects:
            # The object's box grown as far as refinement reaches, then by context.
            around = box.grow(pad, width, height).grow(max(min_context, int(context * max(box.width, box.height))), width, height)
            outer = around if outer is None else outer.union(around)
        items.append((outer, [part]))
    return [Region(outer, parts) for outer, parts in merge_overlapping(items)]
