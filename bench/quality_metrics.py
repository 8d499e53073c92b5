"""Scores for inpainting quality and the seeded synthetic-hole generator.

Pure numpy / OpenCV / scikit-image, no eraser imports, so the tests can check
every score on constructed cases. Images are RGB ``uint8`` ``(H, W, 3)``;
holes are ``bool`` ``(H, W)`` with True = pixel that was filled.

What each score rewards, and where it misleads:

* ``psnr_hole``: the mean squared error inside the hole, in dB (higher is
  better, capped at ``PSNR_CAP`` for an exact fill). It rewards being close to
  the original pixel by pixel, so it favours blur: when the fill cannot know
  where a brick joint or a blade of grass was, the average colour has a lower
  error than a sharp but shifted texture. A smeared fill can beat a plausible one.
* ``ssim_hole`` / ``ssim_band``: SSIM (Gaussian window, sigma 1.5) averaged over
  the hole, and over a band ``BAND`` px either side of the hole's border.
  It compares local mean, contrast and structure, so it punishes a flat fill
  on texture more than PSNR does, but it still wants the texture *in the same
  place*, so a realistic but shifted texture scores little better than a smear.
  The band score shows whether the fill joins the surroundings; for thin
  strokes the band covers the whole stroke and both scores are about the same.
* ``texture``: high-frequency energy (the variance of ``gray - GaussianBlur(gray,
  1.5)``) inside the hole's core in the result, divided by the same in the
  original; 1.0 is ideal, below 1 is a smear, above 1 is invented noise or
  edges. It does not care *where* the detail is, so copying the wrong texture
  (grass into sky) can score 1.0: read it together with PSNR/SSIM, never alone.
  The core is the hole eroded by ``TEXTURE_INSET`` px, so the blur kernel does
  not reach the known pixels; for holes thinner than that (thin strokes) the
  whole hole is used, and the high-pass there also sees the known pixels beside it.
* ``copied``: the share of the fill's 24 px patches that have a near-duplicate
  outside the hole (see :func:`copied_structure`): a patch method pasting a
  name tag or header pins scores high, a smooth fill 0. Copying texture
  verbatim counts too, and so does natural repetition, so compare it with the
  original photo's own score under the same hole.
* ``seam``: the mean absolute step between each hole pixel on the border and
  its 4-neighbour just outside, in the result, divided by the same in the
  original (each plus ``SEAM_FLOOR`` grey level so that flat sky does not
  divide by zero). 1.0 means the border is as continuous as the photo was;
  above 1 is a visible seam; below 1 means the fill continues the border
  pixels *more* smoothly than the photo did, which is what diffusion (Telea,
  NS) does and is not a merit on textured photos. Lower is not always better:
  read distance from 1 for values below it.

What the eye sees and the scores above miss (issue 24: a mosaic won PSNR):

* ``coherence``: each fill patch's distance to its nearest known patch, over
  the patch's contrast, at two scales (Wexler et al., Simakov et al.). A
  smear, a mosaic or noise on texture scores high; a copy scores 0, so read
  it beside ``copied``.
* ``blockiness``: the strongest periodic step along rows or columns in the
  hole (a tile grid); compare with the photo's own (brick, blinds).
* ``edges``: the share of straight edges entering the hole that the fill
  continues at the original's place. Rewards lines, not texture.

Each function's docstring says what it rewards and where it misleads.
"""

from __future__ import annotations

import hashlib
import math
from typing import Optional

import cv2
import numpy as np

PSNR_CAP = 100.0  # dB, reported for an exact fill (the true value is infinite)
BAND = 8  # px either side of the hole border for ssim_band
TEXTURE_SIGMA = 1.5  # Gaussian whose residual is the "high-frequency" part
TEXTURE_INSET = 3  # px the hole is eroded by before measuring texture
SEAM_FLOOR = 1.0  # grey levels added to both sides of the seam ratio

HOLE_KINDS = ("blob", "thick", "thin")
# Hole area as a fraction of the frame, per kind and size. Thin strokes cover
# less: at 3 to 6 px wide, 10 % of the frame is a dense scribble.
HOLE_SIZES: dict[str, dict[str, float]] = {
    "blob": {"small": 0.03, "large": 0.12},
    "thick": {"small": 0.03, "large": 0.10},
    "thin": {"small": 0.01, "large": 0.03},
}


# --------------------------------------------------------------------------- helpers


def _gray(image: np.ndarray) -> np.ndarray:
    """Luma (BT.601 weights) as float32, so no rounding hides fine detail."""
    image = np.asarray(image, np.float32)
    if image.ndim == 2:
        return image
    return image[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def erode(hole: np.ndarray, radius: int) -> np.ndarray:
    if radius <= 0:
        return hole.copy()
    # Outside the frame counts as "not hole", so a hole touching the border shrinks there too.
    return cv2.erode(hole.astype(np.uint8), _disk(radius), borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0


def dilate(hole: np.ndarray, radius: int) -> np.ndarray:
    if radius <= 0:
        return hole.copy()
    return cv2.dilate(hole.astype(np.uint8), _disk(radius)) > 0


def band(hole: np.ndarray, width: int = BAND) -> np.ndarray:
    """Pixels within ``width`` px of the hole's border, on either side."""
    return dilate(hole, width) & ~erode(hole, width)


# --------------------------------------------------------------------------- scores


def psnr(result: np.ndarray, original: np.ndarray, region: np.ndarray) -> float:
    """PSNR in dB over ``region`` (all channels), capped at ``PSNR_CAP``."""
    region = np.asarray(region, bool)
    if not region.any():
        raise ValueError("empty region")
    diff = result[region].astype(np.float64) - original[region].astype(np.float64)
    mse = float(np.mean(diff * diff))
    if mse == 0.0:
        return PSNR_CAP
    return min(PSNR_CAP, 10.0 * math.log10(255.0**2 / mse))


def ssim_map(result: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM (mean over channels), Wang et al.'s Gaussian-window form."""
    from skimage.metrics import structural_similarity

    channel_axis = 2 if result.ndim == 3 else None
    _, full = structural_similarity(
        original, result, data_range=255, channel_axis=channel_axis, full=True,
        gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    )
    return full.mean(axis=2) if full.ndim == 3 else full


def ssim(result: np.ndarray, original: np.ndarray, region: np.ndarray, smap: Optional[np.ndarray] = None) -> float:
    """SSIM averaged over ``region``; pass ``smap`` to reuse one :func:`ssim_map`."""
    region = np.asarray(region, bool)
    if not region.any():
        raise ValueError("empty region")
    smap = ssim_map(result, original) if smap is None else smap
    return float(smap[region].mean())


def high_freq_energy(image: np.ndarray, region: np.ndarray, sigma: float = TEXTURE_SIGMA) -> float:
    """Mean squared residual of ``gray - GaussianBlur(gray, sigma)`` over ``region``."""
    gray = _gray(image)
    residual = gray - cv2.GaussianBlur(gray, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)
    return float(np.mean(residual[np.asarray(region, bool)] ** 2))


def texture_core(hole: np.ndarray, inset: int = TEXTURE_INSET) -> np.ndarray:
    """The hole eroded by ``inset``, or the hole itself when that leaves < 10 % of it."""
    core = erode(hole, inset)
    return core if core.sum() >= 0.1 * hole.sum() and core.any() else np.asarray(hole, bool)


def texture_ratio(result: np.ndarray, original: np.ndarray, hole: np.ndarray, floor: float = 1e-3) -> float:
    """High-frequency energy of the fill over that of the original (1.0 ideal, < 1 smear)."""
    core = texture_core(hole)
    return (high_freq_energy(result, core) + floor) / (high_freq_energy(original, core) + floor)


def border_step(image: np.ndarray, hole: np.ndarray) -> float:
    """Mean absolute RGB step (grey levels) from each border hole pixel to its
    4-neighbours outside the hole."""
    hole = np.asarray(hole, bool)
    img = image.astype(np.float32)
    if img.ndim == 2:
        img = img[..., None]
    total = 0.0
    count = 0
    # (inside, outside) pairs along each axis in both directions, no wrap-around.
    for axis in (0, 1):
        a = [slice(None)] * 2
        b = [slice(None)] * 2
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        a, b = tuple(a), tuple(b)
        for inner, outer in ((a, b), (b, a)):
            pairs = hole[inner] & ~hole[outer]
            if pairs.any():
                total += float(np.abs(img[inner][pairs] - img[outer][pairs]).mean(axis=1).sum())
                count += int(pairs.sum())
    if count == 0:
        raise ValueError("the hole has no border inside the frame")
    return total / count


def seam_ratio(result: np.ndarray, original: np.ndarray, hole: np.ndarray) -> float:
    """Step across the hole border in the result over that in the original (1.0 ideal, > 1 seam)."""
    return (border_step(result, hole) + SEAM_FLOOR) / (border_step(original, hole) + SEAM_FLOOR)


# Copied structure: patches this big (px) are where a copy becomes recognisable
# on photos of about 512 px (a name tag, a resistor, a row of pins).
COPY_PATCH = 24
COPY_MIN_STD = 6.0  # grey levels: a flatter patch shows nothing to recognise
COPY_NEAR = 0.1  # a match closer than this share of the patch's variance is a copy


def _box_sum(mask: np.ndarray, size: int) -> np.ndarray:
    table = cv2.integral(mask.astype(np.uint8))
    return table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]


def copied_structure(result: np.ndarray, hole: np.ndarray, patch: int = COPY_PATCH, origin: Optional[np.ndarray] = None) -> float:
    """Share of the fill's ``patch``-px patches that have a near-duplicate
    elsewhere in the photo, outside the hole (0 = nothing copied, 1 = all).

    Patches (on a half-patch grid) that lie at least 3/4 in the hole are the
    fill's; each is matched (luma, sum of squared differences) against every
    window of the result that holds no hole pixel. It counts as copied when
    it has structure (std >= ``COPY_MIN_STD``) and its best match differs by
    less than ``COPY_NEAR`` of its own variance (a pasted object, or texture
    cloned verbatim). A smooth fill scores 0: its patches are flat or match
    nothing. Natural repetition (brick, a second identical coin) also counts,
    so read it against the same score of the original photo.

    ``origin`` (bool, like ``hole``): count only copies whose match overlaps
    it, e.g. the distinct objects beside the hole (a label, a name tag), so
    cloned grain is told apart from a pasted object.
    """
    hole = np.asarray(hole, bool)
    height, width = hole.shape
    if height <= patch or width <= patch:
        return 0.0
    gray = _gray(result)
    cover = _box_sum(hole, patch)  # (H-patch+1, W-patch+1), top-left indexed
    free = cover == 0  # windows made of known pixels only
    if not free.any():
        return 0.0
    step = patch // 2
    tops = [(y, x) for y in range(0, height - patch + 1, step) for x in range(0, width - patch + 1, step)
            if cover[y, x] >= 0.75 * patch * patch]
    if not tops:
        return 0.0
    copied = 0
    for y, x in tops:
        p = gray[y : y + patch, x : x + patch]
        var = float(p.var())
        if var < COPY_MIN_STD**2:
            continue
        ssd = cv2.matchTemplate(gray, p, cv2.TM_SQDIFF)
        if origin is not None:
            near = free & (_box_sum(np.asarray(origin, bool), patch) > 0)
            if not near.any():
                continue
            best = float(ssd[near].min()) / (patch * patch)
        else:
            best = float(ssd[free].min()) / (patch * patch)
        if best < COPY_NEAR * var:
            copied += 1
    return copied / len(tops)


# --------------------------------------------------------------------------- what the eye sees

COHERENCE_PATCH = 8  # px, at full scale and at half scale
COHERENCE_SAMPLES = 150  # fill patches per scale (a seeded subset of the grid)
COHERENCE_FLOOR = 3.0  # grey levels added to a patch's std before dividing by it


def _nearest_known(gray: np.ndarray, hole: np.ndarray, patch: int, rng: np.random.Generator) -> Optional[np.ndarray]:
    """RMS distance from sampled fill patches to their nearest all-known patch
    of ``gray``, over the patch's own contrast (its std plus
    ``COHERENCE_FLOOR``); None when there is no fill patch or no source."""
    height, width = hole.shape
    if height <= patch or width <= patch:
        return None
    cover = _box_sum(hole, patch)
    free = cover == 0
    if not free.any():
        return None
    tops = np.argwhere(cover >= 0.5 * patch * patch)
    if tops.size == 0:
        return None
    if len(tops) > COHERENCE_SAMPLES:
        tops = tops[rng.choice(len(tops), COHERENCE_SAMPLES, replace=False)]
    out = []
    for y, x in tops:
        p = np.ascontiguousarray(gray[y : y + patch, x : x + patch])
        ssd = cv2.matchTemplate(gray, p, cv2.TM_SQDIFF)
        out.append(math.sqrt(max(0.0, float(ssd[free].min())) / (patch * patch)) / (float(p.std()) + COHERENCE_FLOOR))
    return np.asarray(out)


def coherence(result: np.ndarray, hole: np.ndarray, seed: int = 0) -> float:
    """Mean distance from each fill patch to its nearest known patch of the
    same photo, in units of the patch's own contrast, averaged over two
    scales (8 px patches at full and at half size): the completion term of
    Wexler et al. / Simakov et al., made fair to texture.

    The raw distance favours smooth fills: on grass a flat grey patch is
    closer to its nearest grass patch (about one texture std) than a real
    grass patch is to another (about 1.4 std), so Telea beat the truth. Over
    the patch's contrast, a smear or a mosaic's flat blocks on texture score
    high (a distance of several grey levels over a std near 0), real texture
    near 1 to 1.5, and a flat fill on a flat wall stays low (both near 0,
    the floor keeps it finite). Low is a fill made of things the photo
    contains. It misleads where copying is the fault: a pasted name tag is
    perfectly coherent (0), so read it beside ``copied``; and invented noise
    of the right strength scores like texture."""
    hole = np.asarray(hole, bool)
    rng = np.random.default_rng(seed)
    gray = _gray(result)
    scores = []
    for scale in (1, 2):
        g, h = gray, hole
        if scale == 2:
            size = (max(1, gray.shape[1] // 2), max(1, gray.shape[0] // 2))
            g = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            h = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        d = _nearest_known(g, h, COHERENCE_PATCH, rng)
        if d is not None:
            scores.append(float(d.mean()))
    return float(np.mean(scores)) if scores else 0.0


BLOCK_PERIODS = range(4, 33)  # px: synthesis grids (tiles, patches) of these periods are looked for


def blockiness(image: np.ndarray, hole: np.ndarray) -> float:
    """The strongest periodic step along rows or columns inside the hole: for
    every period P in ``BLOCK_PERIODS`` and phase k, the mean absolute step
    between columns (rows) x and x+1 with x = k mod P, over the mean step at
    all phases. A tile grid (a mosaic of 16 px tiles, 8 px JPEG-like blocks)
    makes one phase stand out (> 1.3); a photo's own texture stays near 1.
    Compare it with the original's under the same hole: brick joints and
    blinds are periodic themselves. It does not see a mosaic whose seams
    fall off any grid (a patch collage); ``coherence`` does."""
    hole = np.asarray(hole, bool)
    gray = _gray(image)
    best = 1.0
    for axis in (0, 1):
        step = np.abs(np.diff(gray, axis=axis))
        both = hole[:-1, :] & hole[1:, :] if axis == 0 else hole[:, :-1] & hole[:, 1:]
        if both.sum() < 64:
            continue
        # Sum and count per line (row or column index along the axis).
        sums = np.where(both, step, 0.0).sum(axis=1 - axis)
        counts = both.sum(axis=1 - axis).astype(np.float64)
        mean = sums.sum() / counts.sum() + 1e-6
        lines = np.arange(sums.size)
        for period in BLOCK_PERIODS:
            phase = lines % period
            s = np.bincount(phase, sums, period)
            c = np.bincount(phase, counts, period)
            enough = c >= max(32.0, 0.5 * counts.sum() / period)
            if enough.sum() < period:
                continue
            best = max(best, float((s[enough] / c[enough]).max() / mean))
    return best


EDGE_MIN_LENGTH = 20  # px: a straight edge outside the hole at least this long
EDGE_TOLERANCE = 2  # px: the continued edge may sit this far from the truth's


def _lines_into(gray: np.ndarray, hole: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Straight edges found outside the hole that end at its border and point
    into it: (point at the border, unit direction into the hole)."""
    edges = cv2.Canny(np.clip(gray, 0, 255).astype(np.uint8), 60, 150)
    edges[dilate(hole, 2)] = 0
    found = cv2.HoughLinesP(edges, 1, np.pi / 180, 20, minLineLength=EDGE_MIN_LENGTH, maxLineGap=3)
    if found is None:
        return []
    near = dilate(hole, 6)
    out = []
    for x0, y0, x1, y1 in found.reshape(-1, 4):
        for (ax, ay), (bx, by) in (((x0, y0), (x1, y1)), ((x1, y1), (x0, y0))):
            if near[by, bx] and not near[ay, ax]:
                d = np.array([bx - ax, by - ay], np.float64)
                d /= np.linalg.norm(d) + 1e-9
                out.append((np.array([bx, by], np.float64), d))
    return out[:40]


def edge_continuation(result: np.ndarray, original: np.ndarray, hole: np.ndarray) -> Optional[float]:
    """Of the straight edges outside the hole that run into it and that the
    original continues through it, the share of their length inside the
    hole where the result has the same edge (the same sign of step across
    the line, at least half as strong, within ``EDGE_TOLERANCE`` px).
    1.0: every slat, beam and line is carried on at its place; 0: none.
    None when no line enters the hole. It rewards lines, not texture: a
    fill can continue every edge and still be a smear between them. And
    strong grain misleads it: a step of the right sign somewhere within the
    tolerance counts, so busy noise across a line's place passes for a
    continued line (random-phase grain laid over a fill raised it from 0.39
    to 0.55 on the pasted scenes while looking worse)."""
    hole = np.asarray(hole, bool)
    height, width = hole.shape
    g_res, g_org = _gray(result), _gray(original)
    lines = _lines_into(g_org, hole)
    got, total = 0, 0
    for start, d in lines:
        normal = np.array([-d[1], d[0]])
        for t in range(1, int(np.hypot(height, width))):
            p = start + t * d
            x, y = int(round(p[0])), int(round(p[1]))
            if not (2 + EDGE_TOLERANCE <= x < width - 3 - EDGE_TOLERANCE and 2 + EDGE_TOLERANCE <= y < height - 3 - EDGE_TOLERANCE):
                break
            if not hole[y, x]:
                if t > 8:  # out the other side
                    break
                continue

            def step(g, off):
                a = p + (off + 1.5) * normal
                b = p + (off - 1.5) * normal
                return float(g[int(round(a[1])), int(round(a[0]))] - g[int(round(b[1])), int(round(b[0]))])

            truth = step(g_org, 0)
            if abs(truth) < 12.0:  # the original does not continue the edge here
                continue
            total += 1
            if any(step(g_res, o) * truth > 0 and abs(step(g_res, o)) >= 0.5 * abs(truth) for o in range(-EDGE_TOLERANCE, EDGE_TOLERANCE + 1)):
                got += 1
    return got / total if total else None


def score(result: np.ndarray, original: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    """Every score for one filled image; see the module docstring."""
    hole = np.asarray(hole, bool)
    smap = ssim_map(result, original)
    edge = edge_continuation(result, original, hole)
    return {
        "psnr_hole": round(psnr(result, original, hole), 3),
        "ssim_hole": round(ssim(result, original, hole, smap), 4),
        "ssim_band": round(ssim(result, original, band(hole), smap), 4),
        "texture": round(texture_ratio(result, original, hole), 4),
        "seam": round(seam_ratio(result, original, hole), 4),
        "copied": round(copied_structure(result, hole), 4),
        "coherence": round(coherence(result, hole), 3),
        "blockiness": round(blockiness(result, hole), 3),
        "edges": None if edge is None else round(edge, 3),
    }


# --------------------------------------------------------------------------- holes


def seed_for(name: str) -> int:
    """A stable seed from a case name (Python's ``hash`` changes per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def make_hole(shape: tuple[int, int], kind: str, area: float, seed: int, margin: Optional[int] = None) -> np.ndarray:
    """A seeded synthetic hole covering about ``area`` of an ``(H, W)`` frame.

    ``blob``: one smooth, object-like star-shaped polygon (random low
    harmonics of the radius), scaled to the area. ``thick``: random polylines
    5 % of the short side wide. ``thin``: random polylines 3 to 6 px wide.
    Every hole pixel stays at least ``margin`` px (default 4 % of the short
    side, at least 6) from the frame's edge.
    """
    if kind not in HOLE_KINDS:
        raise ValueError(f"unknown hole kind {kind!r}; choose one of {HOLE_KINDS}")
    if not 0 < area < 0.5:
        raise ValueError("area must be a fraction of the frame in (0, 0.5)")
    height, width = shape
    short = min(height, width)
    margin = max(6, round(0.04 * short)) if margin is None else margin
    rng = np.random.default_rng(seed)
    target = area * height * width
    if kind == "blob":
        return _blob(rng, height, width, margin, target)
    if kind == "thick":
        widths = lambda: max(3, round(0.05 * short))  # noqa: E731
    else:
        widths = lambda: int(rng.integers(3, 7))  # noqa: E731
    return _strokes(rng, height, width, margin, target, widths)


def _blob(rng: np.random.Generator, height: int, width: int, margin: int, target: float) -> np.ndarray:
    n = 96
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = np.ones(n)
    for k in range(2, 6):  # low harmonics: lobes and dents, no spikes
        radius += rng.uniform(0.04, 0.22) / (k - 1) ** 0.5 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    aspect = rng.uniform(0.6, 1.0)  # a little elongated, in a random direction
    rot = rng.uniform(0, np.pi)
    x = radius * np.cos(theta)
    y = radius * np.sin(theta) * aspect
    x, y = x * np.cos(rot) - y * np.sin(rot), x * np.sin(rot) + y * np.cos(rot)
    # Shoelace area of the unit shape, then scale to the target area.
    unit_area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    scale = math.sqrt(target / unit_area)
    xs, ys = x * scale, y * scale
    # Shrink if it cannot fit inside the margins.
    fit = min((width - 2 * margin) / (np.ptp(xs) + 1), (height - 2 * margin) / (np.ptp(ys) + 1), 1.0)
    xs, ys = xs * fit, ys * fit
    cx = rng.uniform(margin - xs.min(), width - margin - 1 - xs.max())
    cy = rng.uniform(margin - ys.min(), height - margin - 1 - ys.max())
    pts = np.stack([xs + cx, ys + cy], axis=1)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(pts * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return mask > 0


def _strokes(rng, height: int, width: int, margin: int, target: float, widths) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    short = min(height, width)
    while cv2.countNonZero(mask) < target:
        w = widths()
        lo = margin + (w + 1) // 2
        hi_x, hi_y = width - 1 - lo, height - 1 - lo
        p = np.array([rng.uniform(lo, hi_x), rng.uniform(lo, hi_y)])
        angle = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(3, 7))):  # vertices per stroke
            angle += rng.uniform(-1.0, 1.0)
            length = rng.uniform(0.12, 0.3) * short
            q = p + length * np.array([np.cos(angle), np.sin(angle)])
            if not (lo <= q[0] <= hi_x and lo <= q[1] <= hi_y):
                angle += np.pi  # bounce off the margin
                q = np.clip(p + length * np.array([np.cos(angle), np.sin(angle)]), [lo, lo], [hi_x, hi_y])
            # Walk the segment in short steps so the area stops near the target.
            steps = max(1, int(np.linalg.norm(q - p) // max(2, w)))
            a = p
            for t in np.linspace(0, 1, steps + 1)[1:]:
                b = p + t * (q - p)
                cv2.line(mask, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), 1, thickness=w, lineType=cv2.LINE_8)
                a = b
                if cv2.countNonZero(mask) >= target:
                    return mask > 0
            p = q
    return mask > 0
