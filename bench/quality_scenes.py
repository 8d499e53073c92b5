"""Constructed erase scenes with a known background, for seams on dark and
bright surroundings and for copied objects.

The synthetic holes of ``quality.py`` are scored with ``feather=0`` on photos
whose pixels under the hole are the answer. A real erase differs in two ways
this module reproduces: the hole is an *object* (its pixels are not the
answer, and a fill that copies patches can copy them or their neighbours),
and the fill is blended in with the default widening and feather, where a
halo or a brighter band shows on a dark background.

Each scene: a real texture (scikit-image's gravel or grass) toned to a dark
(mean about 25) or bright (about 225) surface; three distinct small objects
(labels with text, a row of "header pins") placed near the object (in the
``crowded`` variant, two of them a few pixels from its widened hole); and the
object to remove, a contrasting ellipse with a soft edge and a printed
label. The truth is the scene without that object. Scores (against the truth,
over the refined hole):

* ``seam``: ``quality_metrics.seam_ratio`` on the refined hole's border;
* ``halo``: mean luma of the result minus the truth over the hole's outer
  ring (within ``2 * feather`` px of its border), in grey levels: positive
  is a brighter band, negative a darker one;
* ``copied``: ``quality_metrics.copied_structure`` of the result.
"""

from __future__ import annotations

import cv2
import numpy as np

from bench import quality_metrics as qm

SIZE = 320
SURFACES = {"dark": 25.0, "bright": 225.0}
TEXTURES = ("gravel", "grass")


def _surface(texture: str, mean: float) -> np.ndarray:
    import skimage.data

    g = getattr(skimage.data, texture)().astype(np.float32)
    g = cv2.resize(g, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    g = (g - g.mean()) / (g.std() + 1e-6)
    # Faint texture (std about 7 grey levels) like a dark backdrop or a pale wall.
    tint = np.float32([1.0, 0.97, 1.05]) if mean < 128 else np.float32([1.0, 0.98, 0.94])
    return np.clip(np.rint((mean + 7.0 * g)[..., None] * tint), 0, 255).astype(np.uint8)


def _label(img: np.ndarray, x: int, y: int, text: str, fg, bg) -> None:
    cv2.rectangle(img, (x, y), (x + 34, y + 18), bg, -1)
    cv2.putText(img, text, (x + 3, y + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, fg, 1, cv2.LINE_AA)


def _pins(img: np.ndarray, x: int, y: int, colour) -> None:
    for i in range(5):
        cv2.rectangle(img, (x + 7 * i, y), (x + 7 * i + 3, y + 14), colour, -1)


def make_scene(surface: str, texture: str, crowded: bool = False) -> dict:
    """One scene: ``image`` (with the object), ``truth`` (without), ``selection`` (float32 object alpha).

    ``crowded``: the label and the pins sit a few pixels from the widened
    hole, as the name tag sits beside the astronaut's helmet."""
    mean = SURFACES[surface]
    truth = _surface(texture, mean)
    fg = (235, 235, 230) if surface == "dark" else (30, 30, 35)
    other = (200, 170, 60) if surface == "dark" else (40, 60, 140)
    # Distinct objects near the one to remove, all outside its widened hole.
    if crowded:
        _label(truth, 60, 150, "R4", fg, other)
        _pins(truth, 150, 94, fg)
    else:
        _label(truth, 60, 70, "R4", fg, other)
        _pins(truth, 230, 80, fg)
    _label(truth, 220, 235, "J2", fg, other)
    # The object: an ellipse with a shaded body, a label on it and a soft edge.
    alpha = np.zeros((SIZE, SIZE), np.float32)
    cv2.ellipse(alpha, (160, 165), (55, 42), 20, 0, 360, 1.0, -1, cv2.LINE_AA)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    body = np.stack([(xx - 100) * 0.4 + 120, (yy - 100) * 0.3 + 110, np.full_like(xx, 150)], axis=-1)
    if surface == "dark":
        body = body + 80
    else:
        body = body - 60
    body = np.clip(body, 0, 255).astype(np.uint8)
    _label(body, 140, 155, "ID", fg, other)
    image = np.rint(truth * (1 - alpha[..., None]) + body * alpha[..., None]).clip(0, 255).astype(np.uint8)
    name = f"{surface}/{texture}" + ("/crowded" if crowded else "")
    return {"name": name, "surface": surface, "image": image, "truth": truth, "selection": alpha}


def scenes() -> list[dict]:
    return [make_scene(s, t, c) for s in SURFACES for t in TEXTURES for c in (False, True)]


def score_scene(result: np.ndarray, truth: np.ndarray, hole: np.ndarray, feather: float) -> dict[str, float]:
    ring = hole & ~qm.erode(hole, max(1, round(2 * feather)))
    halo = float(np.mean(qm._gray(result)[ring] - qm._gray(truth)[ring]))
    return {
        "seam": round(qm.seam_ratio(result, truth, hole), 4),
        "halo": round(halo, 3),
        "psnr_hole": round(qm.psnr(result, truth, hole), 3),
        "copied": round(qm.copied_structure(result, hole), 4),
    }
