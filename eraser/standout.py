"""Whether a click's selection found anything: a note when it did not, or
when it took nearly the whole photo.

A click on a flat sky or a plain wall gives any segmenter nothing to
outline; the classical one then keeps a small spot around the click. Erasing
that spot is harmless (it is filled with the same flat colour), but a person
who sees no change deserves to know why, so the selection is looked at: a
small one (under ``SMALL_SHARE`` of the photo) whose pixels are flat and of
the colour around it gets one note. It is a note, not an error: a faint
sensor spot clicked in a batch, or one idle click among real objects, must
not fail the photo.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from eraser.floats import short_number
from eraser.prompts import Prompt

NEARLY_ALL = 0.9  # a click's selection over this share of the photo gets a note
SMALL_SHARE = 0.01  # selections larger than this share of the photo are not looked at
# In OpenCV's 8-bit Lab (L scaled to 0..255): the mean colour inside against the ring
# around it, and the spread of the colours inside. A flat evening sky measured
# 0.4 and 1.0 on skimage's rocket photo; the samples' objects 2.8 to 119 and 30 to 79.
SAME_COLOUR = 4.0
FLAT = 6.0
GRAIN = 1.25  # the spread inside may reach this times the spread around (noise) and still be flat
# A faint spot (sensor dust) smaller than the click's selection shows in the selection's
# middle: its inner half's mean colour against the ring, at least SPOT_APART and SPOT_Z
# times what the ring's grain gives a mean of that many pixels (plain walls against
# faint dust spots: measured in docs/quality.md).
SPOT_APART = 1.5
SPOT_Z = 5.0


def nothing_stands_out(image: np.ndarray, prompt: Prompt, mask: np.ndarray) -> Optional[str]:
    """The note for a click prompt whose selection (``mask`` >= 0.5) is a
    small flat spot the colour of its surroundings; None otherwise."""
    clicks = prompt.positive_points
    if prompt.kind != "point" or not clicks:
        return None
    h, w = mask.shape
    # look near the clicks first: a selection reaching past a small window is not small
    reach = max(8, int(np.sqrt(SMALL_SHARE * h * w)))
    xs, ys = [int(x) for x, _ in clicks], [int(y) for _, y in clicks]
    x0, y0 = max(0, min(xs) - reach), max(0, min(ys) - reach)
    x1, y1 = min(w, max(xs) + reach + 1), min(h, max(ys) + reach + 1)
    near = mask[y0:y1, x0:x1] >= 0.5
    if not near.any() or _touches_edge(near, (x0, y0, x1, y1), (w, h)):
        return None
    inside = int(np.count_nonzero(near))
    if inside > SMALL_SHARE * h * w or _selected_beyond(mask, (x0, y0, x1, y1)):
        return None  # large, or parts elsewhere: something was found
    rows, cols = np.flatnonzero(near.any(axis=1)), np.flatnonzero(near.any(axis=0))
    spot = (int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
    ring = max(3, round(0.5 * np.sqrt(inside)))
    # the spot and its ring only: the colour conversion and the dilation cost what they cover
    # within the window, as `near` is: a spot near its side but not on it left the image's
    # slice taller than the mask's (an IndexError on a click at 2400x1600)
    top, bottom = max(0, rows[0] - ring - 1), min(near.shape[0], rows[-1] + ring + 2)
    left, right = max(0, cols[0] - ring - 1), min(near.shape[1], cols[-1] + ring + 2)
    if _stands_out(image[y0 + top : y0 + bottom, x0 + left : x0 + right], near[top:bottom, left:right], ring):
        return None
    at = _clicks_text(clicks)
    return (f"nothing stands out at {at}: the selection is a {spot[0]}x{spot[1]} px spot the colour of its "
            "surroundings; click on an object, add clicks, or mark it with a box")


def nearly_everything(prompt: Prompt, mask: np.ndarray) -> Optional[str]:
    """The note for a click prompt whose selection covers more than ``NEARLY_ALL`` of the
    photo (any segmenter; the classical one no longer does): erasing it repaints the
    photo, which a click never means, so it must not pass in silence. None otherwise."""
    clicks = prompt.positive_points
    h, w = mask.shape
    if prompt.kind != "point" or not clicks or not h or not w:
        return None
    step = max(1, int(np.sqrt(h * w / 250_000)))  # a strided look: exact enough, no full-size temporary
    share = float(np.count_nonzero(mask[::step, ::step] >= 0.5)) / mask[::step, ::step].size
    if share <= NEARLY_ALL:
        return None
    # 100 % only when every pixel is (counted in full: the strided look may miss one)
    whole = share == 1.0 and (step == 1 or bool((mask >= 0.5).all()))
    covers = "all of" if whole else f"{min(99, int(share * 100))}% of"
    at = _clicks_text(clicks)
    return (f"the selection at {at} covers {covers} the photo; click on an object, "
            "exclude what must stay, or mark it with a box")


def _clicks_text(clicks: list[tuple[float, float]]) -> str:
    """The clicks as the CLI takes them: ``x,y+x,y``."""
    return "+".join(f"{short_number(float(x))},{short_number(float(y))}" for x, y in clicks)


def _selected_beyond(mask: np.ndarray, window: tuple[int, int, int, int]) -> bool:
    """Selected pixels outside the window (maxima of the four sides: no full-size temporary)."""
    x0, y0, x1, y1 = window
    rest = (mask[:y0], mask[y1:], mask[y0:y1, :x0], mask[y0:y1, x1:])
    return any(part.size and float(part.max()) >= 0.5 for part in rest)


def _touches_edge(near: np.ndarray, window: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    """Selected pixels on a side of the window that is not the photo's edge."""
    x0, y0, x1, y1 = window
    w, h = size
    return bool((y0 > 0 and near[0].any()) or (y1 < h and near[-1].any())
                or (x0 > 0 and near[:, 0].any()) or (x1 < w and near[:, -1].any()))


def _stands_out(rgb: np.ndarray, inside: np.ndarray, ring_width: int) -> bool:
    rgb = np.asarray(rgb)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    lab = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring_width + 1, 2 * ring_width + 1))
    ring = (cv2.dilate(inside.astype(np.uint8), disk) > 0) & ~inside
    if not ring.any():
        return True  # the whole window is selected: nothing to compare with
    colours, around = lab[inside], lab[ring]
    apart = float(np.linalg.norm(colours.mean(axis=0) - around.mean(axis=0)))
    spread = float(np.linalg.norm(colours.std(axis=0)))
    grain = float(np.linalg.norm(around.std(axis=0)))
    # a grainy wall is as grainy inside as around: grain alone is not an object
    if apart >= SAME_COLOUR or spread >= max(FLAT, GRAIN * grain):
        return True  # an object: no need to look for a faint spot in its middle
    depth = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)
    middle = lab[depth >= 0.5 * float(depth.max())]
    centre = float(np.linalg.norm(middle.mean(axis=0) - around.mean(axis=0)))
    return centre >= max(SPOT_APART, SPOT_Z * grain / np.sqrt(len(middle)))  # a faint spot
