"""The temporal fill: the background behind the object, taken from the frames
where it is visible.

For a window of frames and their holes (as flow-guided video completion does,
FGVC, Gao et al. 2020):

1. The background's motion between neighbouring frames: corners found away
   from both holes (at a working size), followed to the next frame by
   pyramidal Lucas-Kanade at full resolution (kept where following them back
   returns within half a pixel), and a homography fitted (RANSAC) to them.
   Inside a hole the flow is the object's, not the background's: the
   homography is the completed flow there. Its inverse is the motion back.
   Where no homography fits, dense flow (DIS) completed by push-pull.
2. Each hole pixel follows the completed flow to the previous frame (a forward
   pass) and to the next (a backward pass). Where it lands outside that
   frame's hole, the background was visible there; where it lands inside, it
   takes what that frame's pixel found. What is carried is a *source*: a frame
   number and a position in that frame, so colours are sampled once, from the
   frame that saw them, and do not blur hop after hop. Of the two passes, the
   source nearer in time weighs more.
3. Pixels no pass found were hidden in every frame of the window. They are
   filled by the image inpainter once, on the frame where most of them are
   (the key frame); that frame then counts as visible everywhere and the
   passes run again, so its fill is carried to its neighbours along the same
   flow instead of being invented again in each frame (which flickers).

Everything is computed on the holes' pixels (a hole is its box and the mask
inside it), never on whole frames, except the flow at the working size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

import cv2
import numpy as np

from eraser.video import seams

WORKING_SIDE = 480  # the dense flow (the fallback) is computed on frames scaled to this longest side
FEATURE_SIDE = 640  # corners are found on frames scaled to this longest side, followed at full size
CORNERS = 400  # corners per pair of frames
BACK_AND_FORTH = 0.5  # px: a corner followed to the next frame and back must land this near where it was
SAFETY = 0.01  # the holes are widened by this share of the frame's longer side (at least 2 px)
# DIS smooths over patches of 8 px: so far around a hole's box (working size)
# the flow still carries some of the object's motion and is not fitted
FLOW_MARGIN = 8
GRID = 8  # the homography of the background is fitted to the flow on a grid of this step
SEAMS = True  # each source frame's colours matched to the frame's and each other's (bench/video.py turns it off)

Inpaint = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Hole:
    """A frame's hole: the mask inside its box, at (``y0``, ``x0``) in a frame of ``shape``."""

    y0: int
    x0: int
    mask: np.ndarray  # bool, the box's size
    shape: tuple[int, int]  # the frame's (height, width)

    @classmethod
    def of(cls, full: np.ndarray) -> "Hole":
        full = np.asarray(full, bool)
        rows, cols = np.flatnonzero(full.any(axis=1)), np.flatnonzero(full.any(axis=0))
        if rows.size == 0:
            return cls.none(full.shape)
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        return cls(y0, x0, full[y0:y1, x0:x1].copy(), full.shape)

    @classmethod
    def none(cls, shape: tuple[int, int]) -> "Hole":
        return cls(0, 0, np.zeros((0, 0), bool), tuple(shape[:2]))

    @property
    def box(self) -> tuple[int, int, int, int]:
        """x0, y0, x1, y1."""
        return self.x0, self.y0, self.x0 + self.mask.shape[1], self.y0 + self.mask.shape[0]

    @property
    def empty(self) -> bool:
        return not self.mask.any()

    def widened(self, pixels: int) -> "Hole":
        if self.empty or pixels <= 0:
            return self
        height, width = self.shape
        x0, y0, x1, y1 = self.box
        nx0, ny0, nx1, ny1 = max(0, x0 - pixels), max(0, y0 - pixels), min(width, x1 + pixels), min(height, y1 + pixels)
        crop = np.zeros((ny1 - ny0, nx1 - nx0), np.uint8)
        crop[y0 - ny0:y1 - ny0, x0 - nx0:x1 - nx0] = self.mask
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
        return Hole(ny0, nx0, cv2.dilate(crop, kernel) > 0, self.shape)

    def pixels(self) -> tuple[np.ndarray, np.ndarray]:
        """The hole's pixels (x, y) in frame coordinates, row by row."""
        ys, xs = np.nonzero(self.mask)
        return xs + self.x0, ys + self.y0

    def full(self) -> np.ndarray:
        out = np.zeros(self.shape, bool)
        x0, y0, x1, y1 = self.box
        out[y0:y1, x0:x1] = self.mask
        return out


def fill_window(
    frames: Sequence[np.ndarray],
    holes: Sequence[Union[np.ndarray, Hole]],
    inpaint: Inpaint,
    numbers: Optional[Sequence[int]] = None,
    cache: Optional[FlowCache] = None,
    wanted: Optional[range] = None,
) -> list[np.ndarray]:
    """The frames with every hole pixel filled (RGB uint8, the frames' shapes);
    pixels outside the holes are the frames' own. ``holes``: full-frame
    masks or :class:`Hole`. ``numbers`` (consecutive frame numbers) and
    ``cache`` let overlapping windows share flows; ``wanted``: the positions
    to return [default: all]."""
    wanted = range(len(frames)) if wanted is None else wanted
    numbers = list(range(len(frames))) if numbers is None else list(numbers)
    cache = FlowCache() if cache is None else cache
    frames = list(frames)
    holes = [h if isinstance(h, Hole) else Hole.of(h) for h in holes]
    if all(h.empty for h in holes):
        return [frames[i] for i in wanted]
    shape = frames[0].shape[:2]
    # A tracked mask misses the object's edge here and there; a pixel next to
    # the hole is not trusted as a source (the caller composites only the hole).
    widened = [cache.add(n, frame, hole) for n, frame, hole in zip(numbers, frames, holes)]
    points = [w.pixels() for w in widened]
    sources = _propagate(points, widened, numbers, cache, shape)
    unknown = [s[0] < 0 for s in sources]
    if any(u.any() for u in unknown):
        key = int(np.argmax([u.sum() for u in unknown]))
        keyed = _sample(frames, key, points[key], sources[key], widened[key])
        hidden = np.zeros(shape, bool)
        hidden[points[key][1][unknown[key]], points[key][0][unknown[key]]] = True
        frames[key] = inpaint(keyed, hidden)
        widened[key] = Hole.none(shape)
        points[key] = widened[key].pixels()
        sources = _propagate(points, widened, numbers, cache, shape)
    out = []
    for i in wanted:
        filled = _sample(frames, i, points[i], sources[i], widened[i])
        lost = sources[i][0] < 0
        if lost.any():  # not reached from the key frame either (a hole at the window's edge)
            left = np.zeros(shape, bool)
            left[points[i][1][lost], points[i][0][lost]] = True
            filled = inpaint(filled, left)
        out.append(filled)
    return out


class Homography:
    """A motion between two frames as a 3x3 map of frame coordinates."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = np.asarray(matrix, np.float64)

    def apply(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        points = np.stack([xs, ys], -1).astype(np.float64).reshape(-1, 1, 2)
        moved = cv2.perspectiveTransform(points, self.matrix).reshape(-1, 2)
        return moved[:, 0], moved[:, 1]

    def inverse(self) -> "Homography":
        return Homography(np.linalg.inv(self.matrix))


class DenseFlow:
    """A motion as a flow field at the working size (where no homography fits)."""

    def __init__(self, flow: np.ndarray, scale: float) -> None:
        self.flow, self.scale = flow, scale

    def apply(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = self.scale
        moved = _points(self.flow, (xs + 0.5) * s - 0.5, (ys + 0.5) * s - 0.5, cv2.INTER_LINEAR,
                        cv2.BORDER_REPLICATE) / s
        return xs + moved[:, 0], ys + moved[:, 1]


class FlowCache:
    """Per frame number: the grey frame at the working size and the widened
    hole; per neighbouring pair, the background's motion both ways. Windows
    that overlap compute each once (the caller forgets what its window has
    passed)."""

    def __init__(self) -> None:
        self.small: dict[int, tuple[np.ndarray, Hole]] = {}  # full-size grey frame, widened hole
        self.pairs: dict[int, tuple] = {}  # n -> (motion n -> n+1, motion n+1 -> n)
        self.dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.scale = 1.0

    def add(self, n: int, frame: np.ndarray, hole: Hole) -> Hole:
        """Remember frame ``n``; returns its hole widened by ``SAFETY``."""
        if n not in self.small:
            height, width = frame.shape[:2]
            self.scale = min(1.0, WORKING_SIDE / max(height, width))
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            self.small[n] = gray, hole.widened(max(2, round(SAFETY * max(height, width))))
        return self.small[n][1]

    def pair(self, n: int) -> tuple:
        if n not in self.pairs:
            (gray_a, hole_a), (gray_b, hole_b) = self.small[n], self.small[n + 1]
            model = _followed_corners(gray_a, gray_b, (hole_a, hole_b))
            if model is not None:
                self.pairs[n] = (model, model.inverse())
            else:  # too few corners (a plain frame, or holes over most of it): dense flow, smoothly completed
                gray_a, gray_b = self._working(gray_a), self._working(gray_b)
                flow = self.dis.calc(gray_a, gray_b, None)
                valid = self._valid(gray_a.shape, (hole_a, hole_b))
                model = _homography(flow, valid, self.scale)
                if model is not None:
                    self.pairs[n] = (model, model.inverse())
                    return self.pairs[n]
                back = self.dis.calc(gray_b, gray_a, None)
                self.pairs[n] = (DenseFlow(push_pull(flow, valid), self.scale),
                                 DenseFlow(push_pull(back, valid), self.scale))
        return self.pairs[n]

    def _working(self, gray: np.ndarray) -> np.ndarray:
        if self.scale >= 1:
            return gray
        height, width = gray.shape
        size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)

    def _valid(self, shape: tuple[int, int], holes: Sequence[Hole]) -> np.ndarray:
        """The working-size pixels away from both holes' boxes."""
        valid = np.ones(shape, bool)
        s = self.scale
        for hole in holes:
            if hole.empty:
                continue
            x0, y0, x1, y1 = hole.box
            valid[max(0, int(y0 * s) - FLOW_MARGIN):int(np.ceil(y1 * s)) + FLOW_MARGIN,
                  max(0, int(x0 * s) - FLOW_MARGIN):int(np.ceil(x1 * s)) + FLOW_MARGIN] = False
        return valid

    def forget(self, below: int) -> None:
        for table in (self.small, self.pairs):
            for n in [n for n in table if n < below]:
                del table[n]


def _followed_corners(gray_a: np.ndarray, gray_b: np.ndarray, holes: Sequence[Hole]) -> Optional[Homography]:
    """The background's motion from frame a to frame b as a homography fitted
    to corners of a (found at ``FEATURE_SIDE``, away from both holes' boxes)
    followed into b at full size; None with too few of them. On the bench's
    720p clip chained over 58 frames it was 0.7 px off the true camera
    motion, where a homography fitted to DIS flow at 480 px was 22 px off:
    sources from far frames met with visible tears."""
    height, width = gray_a.shape
    scale = min(1.0, FEATURE_SIDE / max(height, width))
    small = gray_a if scale >= 1 else cv2.resize(
        gray_a, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    allowed = np.full(small.shape, 255, np.uint8)
    for hole in holes:
        if not hole.empty:
            x0, y0, x1, y1 = hole.box
            allowed[max(0, int(y0 * scale) - FLOW_MARGIN):int(np.ceil(y1 * scale)) + FLOW_MARGIN,
                    max(0, int(x0 * scale) - FLOW_MARGIN):int(np.ceil(x1 * scale)) + FLOW_MARGIN] = 0
    corners = cv2.goodFeaturesToTrack(small, CORNERS, 0.01, 6, mask=allowed, blockSize=5)
    if corners is None or len(corners) < 12:
        return None
    corners = ((corners + 0.5) / scale - 0.5).astype(np.float32)
    window = (21, 21)
    ahead, found, _ = cv2.calcOpticalFlowPyrLK(gray_a, gray_b, corners, None, winSize=window, maxLevel=3)
    back, returned, _ = cv2.calcOpticalFlowPyrLK(gray_b, gray_a, ahead, None, winSize=window, maxLevel=3)
    good = (found[:, 0] == 1) & (returned[:, 0] == 1) & (np.linalg.norm(back - corners, axis=2)[:, 0] < BACK_AND_FORTH)
    if good.sum() < 12:
        return None
    cv2.setRNGSeed(0)  # RANSAC samples at random: the same input gives the same fill
    model, inliers = cv2.findHomography(corners[good], ahead[good], cv2.RANSAC, 0.5, maxIters=500)
    if model is None or inliers is None or inliers.sum() < 8:
        return None
    return Homography(model)


def _homography(flow: np.ndarray, valid: np.ndarray, scale: float) -> Optional[Homography]:
    """The background's motion: a homography fitted (RANSAC) to the flow on a
    grid of valid pixels, in frame coordinates; None where none fits.
    Chained over tens of frames, small errors add up: a smooth completion from
    around the hole (push-pull) put copies of a tower side by side at 720p,
    and so did a homography plus a smooth residual of up to 2 px (the flow
    beside a moving object still carries some of its motion)."""
    height, width = valid.shape
    gy, gx = np.mgrid[2:height:GRID, 2:width:GRID]
    keep = valid[gy, gx]
    if keep.sum() < 8:
        return None
    points = np.stack([gx[keep], gy[keep]], 1).astype(np.float32)
    cv2.setRNGSeed(0)  # RANSAC samples at random: the same input gives the same fill
    model, _ = cv2.findHomography(points, points + flow[gy[keep], gx[keep]], cv2.RANSAC, 1.0, maxIters=500)
    if model is None:
        return None
    # frame pixel x -> working pixel (x + 0.5) * scale - 0.5, and back
    c = 0.5 * scale - 0.5
    to_small = np.array([[scale, 0, c], [0, scale, c], [0, 0, 1]], np.float64)
    return Homography(np.linalg.inv(to_small) @ model @ to_small)


def push_pull(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``values`` where ``valid``, elsewhere a smooth interpolation of the
    valid values around (averaged down a pyramid, interpolated back up)."""
    if valid.all():
        return values
    if not valid.any():
        return np.zeros_like(values)
    height, width = valid.shape
    if min(height, width) <= 2:
        mean = values[valid].mean(axis=0)
        return np.where(valid[..., None], values, mean).astype(values.dtype)
    weight = valid.astype(np.float32)
    half = (max(1, width // 2), max(1, height // 2))
    small_sum = cv2.resize(values * weight[..., None], half, interpolation=cv2.INTER_AREA)
    small_weight = cv2.resize(weight, half, interpolation=cv2.INTER_AREA)
    small_valid = small_weight > 1e-6
    small = np.where(small_valid[..., None], small_sum / np.maximum(small_weight, 1e-6)[..., None], 0).astype(np.float32)
    coarse = push_pull(small, small_valid)
    up = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where(valid[..., None], values, up).astype(values.dtype)


def _propagate(points, holes, numbers, cache: FlowCache, shape) -> list[tuple]:
    """For each frame's hole pixels: (source frame or -1, x, y) of the nearer
    source in time, then of the other pass's. A forward and a backward pass."""
    n = len(points)
    forward = _pass(points, holes, range(n), lambda i: cache.pair(numbers[i - 1])[1], shape)
    backward = _pass(points, holes, range(n - 1, -1, -1), lambda i: cache.pair(numbers[i])[0], shape)
    out = []
    for i in range(n):
        fs, fx, fy = forward[i]
        bs, bx, by = backward[i]
        take_back = (bs >= 0) & ((fs < 0) | (np.abs(bs - i) < np.abs(fs - i)))
        out.append((np.where(take_back, bs, fs), np.where(take_back, bx, fx), np.where(take_back, by, fy),
                    np.where(take_back, fs, bs), np.where(take_back, fx, bx), np.where(take_back, fy, by)))
    return out


def _pass(points, holes: Sequence[Hole], order, motion_to_previous, shape):
    """One direction: each frame's hole pixels take the source of where the
    background's motion to the frame before (in ``order``) lands: that
    frame itself where it lands outside its hole, else what that frame's
    pixel found (its nearest pixel's source, moved by the sub-pixel offset to
    it: a rounded position would add up to half a pixel of error a frame).
    Landing outside the frame finds nothing."""
    height, width = shape
    result: dict[int, tuple] = {}
    previous = None
    for i in order:
        xs, ys = points[i]
        if xs.size == 0:
            state = (np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
        elif previous is None:
            state = (np.full(xs.size, -1, np.int32), xs.astype(np.float64), ys.astype(np.float64))
        else:
            j, hole_j, index_j, (src_j, x_j, y_j) = previous
            qx, qy = motion_to_previous(i).apply(xs, ys)
            ix, iy = np.rint(qx).astype(np.int64), np.rint(qy).astype(np.int64)
            in_frame = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
            src = np.where(in_frame, j, -1).astype(np.int32)
            x, y = qx.copy(), qy.copy()
            cx, cy = ix - hole_j.x0, iy - hole_j.y0
            box_h, box_w = index_j.shape
            in_box = (cx >= 0) & (cx < box_w) & (cy >= 0) & (cy < box_h)
            k = np.full(xs.size, -1, np.int64)
            k[in_box] = index_j[cy[in_box], cx[in_box]]
            carried = k >= 0
            at = k[carried]
            src[carried] = src_j[at]
            x[carried] = x_j[at] + (qx - ix)[carried]
            y[carried] = y_j[at] + (qy - iy)[carried]
            state = (src, x, y)
        result[i] = state
        index = np.full(holes[i].mask.shape, -1, np.int64)
        index[holes[i].mask] = np.arange(xs.size)
        previous = (i, holes[i], index, state)
    return [result[i] for i in range(len(points))]


def _points(image: np.ndarray, xs: np.ndarray, ys: np.ndarray, interpolation: int, border: int, value: float = 0.0) -> np.ndarray:
    """Samples of ``image`` at the points (x, y): ``(N,)`` or ``(N, channels)``."""
    n = xs.size
    cols = 1024
    rows = max(1, (n + cols - 1) // cols)
    mx = np.zeros(rows * cols, np.float32)
    my = np.zeros(rows * cols, np.float32)
    mx[:n], my[:n] = xs, ys
    sampled = cv2.remap(image, mx.reshape(rows, cols), my.reshape(rows, cols), interpolation, borderMode=border,
                        borderValue=value)
    return sampled.reshape(rows * cols, -1)[:n].squeeze(-1) if image.ndim == 2 else sampled.reshape(rows * cols, -1)[:n]


def _sample(frames, i, points, source, hole: Hole) -> np.ndarray:
    """Frame ``i`` with its hole pixels sampled from their sources (unknown
    ones left as they were), each source frame's colours shifted to match
    the frame and each other (eraser.video.seams). Where both passes found a
    source, the two colours are blended, the nearer in time weighing more:
    where the forward and the backward sources meet, a hard switch showed as
    a tear."""
    out = frames[i].copy()
    xs, ys = points
    if xs.size == 0:
        return out
    first = _colours(frames, source[0], source[1], source[2])
    second = _colours(frames, source[3], source[4], source[5])
    if SEAMS:
        shift_first, shift_second = seams.offsets(frames[i], xs, ys, hole.mask, (hole.x0, hole.y0), source, first, second)
        first, second = first + shift_first, second + shift_second
    both = (source[0] >= 0) & (source[3] >= 0)
    near = 1.0 / np.maximum(np.abs(source[0] - i), 1)
    far = 1.0 / np.maximum(np.abs(source[3] - i), 1)
    weight = np.where(both, near / (near + far), 1.0)[:, None]
    colours = np.clip(np.rint(first * weight + second * (1 - weight)), 0, 255).astype(np.uint8)
    known = source[0] >= 0
    out[ys[known], xs[known]] = colours[known]
    return out


def _colours(frames, src, px, py) -> np.ndarray:
    """float32 colours of the sources (zeros where there is none), sampled
    frame by frame."""
    out = np.zeros((src.size, frames[0].shape[2]), np.float32)
    order = np.argsort(src, kind="stable")
    ordered = src[order]
    for group in np.split(order, np.flatnonzero(np.diff(ordered)) + 1):
        s = int(src[group[0]]) if group.size else -1
        if s >= 0:
            out[group] = _points(frames[s], px[group], py[group], cv2.INTER_LINEAR, cv2.BORDER_REFLECT)
    return out
