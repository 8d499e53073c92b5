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
    plain = truth.copy()
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
    objects = np.any(truth != plain, axis=2)  # the labels and pins: things a fill must not paste
    return {"name": name, "surface": surface, "image": image, "truth": truth, "selection": alpha, "objects": objects}


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


# --------------------------------------------------------------------------- pasted objects

# Real backgrounds (scikit-image's bundled photos: crops as (row0, row1, col0, col1)),
# chosen for structure a fill must continue or texture it must match.
BACKGROUNDS = {
    "flag stripes": ("astronaut", (0, 300, 0, 110)),
    "brick": ("brick", None),
    "grass": ("grass", None),
    "gravel": ("gravel", None),
    "text on paper": ("text", None),
    "sky and tower": ("rocket", (0, 300, 300, 640)),
    "wood table": ("coffee", (0, 160, 380, 600)),
    "suit fabric": ("astronaut", (330, 512, 0, 200)),
    "lawn and buildings": ("camera", (150, 400, 250, 512)),
}
# Cut-outs: the project's samples' objects (photo x hand-drawn mask).
OBJECTS = ("rocket_falcon9", "coffee_cup", "coins_coin", "camera_tripod", "astronaut_helmet", "coffee_spoon")

# The held-out set: judged once per round, never tuned on. Other photos (or
# other crops of the same photos) than BACKGROUNDS, and the same cut-outs in
# another order, so that no photo meets the object it met in the tuned set
# and no object lands on its own photo (tests/test_quality_scenes.py checks both).
# Names short: a sheet's row title shows 30 characters, the object's name included.
HOLDOUT_BACKGROUNDS = {
    "cat fur": ("chelsea", (0, 300, 0, 300)),
    "garage shelves": ("stereo_motorcycle", (0, 280, 330, 741)),
    "deep field": ("hubble_deep_field", (100, 500, 100, 500)),
    "moon": ("moon", None),
    "printed page": ("page", None),
    "tissue": ("immunohistochemistry", None),
    "saucer rim": ("coffee", (0, 400, 0, 170)),
    "lattice towers": ("rocket", (150, 427, 0, 300)),
    "clock on a wall": ("clock", None),
    "old coins": ("coins", (150, 303, 0, 250)),
    "garage floor": ("stereo_motorcycle", (300, 500, 300, 741)),
}
HOLDOUT_OBJECTS = ("camera_tripod", "coffee_cup", "coins_coin", "astronaut_helmet", "coffee_spoon", "rocket_falcon9")
PASTED_SIZE = 256  # px, the longer side of every background
OBJECT_SHARE = 0.12  # the object's area as a share of the background's

# The second held-out set, for when the first has been looked at: the same
# rule, on crops that overlap no crop above (nor a sample's object), with the
# cut-outs in a third order so that no photo meets a cut-out it met before.
# Mostly structure a fill must continue (vessels, a rim, lattice, planks,
# rows of coins, lights), two smooth ones (a sky, a microscope's grain); the
# third value is the object's share of the area, varied so the holes are too.
HOLDOUT2_BACKGROUNDS = {
    "table and saucer": ("coffee", (160, 400, 420, 600), 0.12),
    "dusk tower": ("rocket", (0, 150, 0, 300), 0.15),
    "shuttle model": ("astronaut", (0, 260, 330, 512), 0.10),
    "coin rows": ("coins", (0, 150, 0, 240), 0.05),
    "pad lights": ("rocket", (300, 427, 340, 640), 0.08),
    "dark coat": ("camera", (250, 512, 0, 220), 0.08),
    "retina vessels": ("retina", (300, 600, 300, 600), 0.15),
    "hair on sky": ("camera", (0, 150, 160, 420), 0.12),
    "cell grain": ("cell", (0, 260, 0, 320), 0.18),
    "fundus notch": ("retina", (40, 340, 1010, 1310), 0.10),
    "garage wall": ("stereo_motorcycle", (0, 140, 0, 300), 0.06),
}
HOLDOUT2_OBJECTS = ("coins_coin", "astronaut_helmet", "coffee_spoon", "rocket_falcon9", "camera_tripod", "coffee_cup")
# Each set: its backgrounds and cut-outs; 0 is the tuned one, then the held-out ones in order.
PASTED_SETS = {
    0: (BACKGROUNDS, OBJECTS),
    1: (HOLDOUT_BACKGROUNDS, HOLDOUT_OBJECTS),
    2: (HOLDOUT2_BACKGROUNDS, HOLDOUT2_OBJECTS),
}


def _background(source: str, crop) -> np.ndarray:
    import skimage.data

    img = getattr(skimage.data, source)()
    if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity); the left photo
        img = img[0]
    if img.ndim == 2:
        img = np.dstack([img] * 3)
    if crop is not None:
        img = img[crop[0] : crop[1], crop[2] : crop[3]]
    k = PASTED_SIZE / max(img.shape[:2])
    size = (round(img.shape[1] * k), round(img.shape[0] * k))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)


def _cutout(sample: str, root) -> tuple[np.ndarray, np.ndarray]:
    folder = root / "samples" / sample
    photo = next(p for p in folder.iterdir() if p.name.startswith("photo."))
    img = cv2.cvtColor(cv2.imread(str(photo), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE) >= 128
    ys, xs = np.nonzero(mask)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    return img[box], mask[box]


def pasted_scenes(root, held_out: int = 0) -> list[dict]:
    """Real objects pasted onto real backgrounds; the background is the truth.

    Each background takes one of the samples' cut-outs in turn, scaled to
    ``OBJECT_SHARE`` of its area (or the share its entry names) and placed
    a little off centre (seeded by the scene's name); the selection is the
    object's own outline (soft by 1 px), which the pipeline widens and
    feathers as ``eraser remove`` does.

    ``held_out``: which set of ``PASTED_SETS`` (0, the tuned one; 1,
    ``HOLDOUT_BACKGROUNDS``; 2, ``HOLDOUT2_BACKGROUNDS``; ``True`` is 1),
    made the same way; a held-out set is judged once per round, never tuned on."""
    backgrounds, objects = PASTED_SETS[int(held_out)]
    made = []
    for i, (name, entry) in enumerate(backgrounds.items()):
        source, crop, share = (*entry, OBJECT_SHARE)[:3]
        truth = _background(source, crop)
        obj, mask = _cutout(objects[i % len(objects)], root)
        height, width = truth.shape[:2]
        k = min(np.sqrt(share * height * width / mask.sum()), 0.8 * height / mask.shape[0], 0.8 * width / mask.shape[1])
        size = (max(4, round(mask.shape[1] * k)), max(4, round(mask.shape[0] * k)))
        obj = cv2.resize(obj, size, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        rng = np.random.default_rng(qm.seed_for(name))
        y0 = int(np.clip((height - size[1]) // 2 + rng.integers(-height // 10, height // 10 + 1), 4, height - size[1] - 4))
        x0 = int(np.clip((width - size[0]) // 2 + rng.integers(-width // 10, width // 10 + 1), 4, width - size[0] - 4))
        selection = np.zeros((height, width), np.float32)
        selection[y0 : y0 + size[1], x0 : x0 + size[0]] = alpha
        placed = truth.astype(np.float32).copy()
        a = selection[..., None]
        placed[y0 : y0 + size[1], x0 : x0 + size[0]] = obj
        image = np.rint(truth * (1 - a) + placed * a).clip(0, 255).astype(np.uint8)
        made.append({"name": f"{name} / {objects[i % len(objects)]}", "image": image, "truth": truth, "selection": selection})
    return made
