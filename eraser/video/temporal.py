"""The temporal fill: the background behind the object, taken from the frames
where it is visible.

For a window of frames and their holes (as flow-guided video completion does,
FGVC, Gao et al. 2020):

1. Dense optical flow (OpenCV DIS, at a working size) between neighbouring
   frames, in both directions. Inside the hole the flow is the object's, not
   the background's, so it is replaced there by a smooth completion of the
   flow around it (push-pull: averaged down a pyramid, interpolated back).
2. Each hole pixel follows the completed flow to the previous frame (a forward
   pass) and to the next (a backward pass). Where it lands outside that
   frame's hole, the background was visible there; where it lands inside, it
   takes what that frame's pixel found. What is carried is a *source*: a frame
   number and a position in that frame, so colours are sampled once, from the
   frame that saw them, and do not blur hop after hop. Of the two passes, the
   source nearer in time wins.
3. Pixels no pass found were hidden in every frame of the window. They are
   filled by the image inpainter once, on the frame where most of them are
   (the key frame); that frame then counts as visible everywhere and the
   passes run again, so its fill is carried to its neighbours along the same
   flow instead of being invented again in each frame (which flickers).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import cv2
import numpy as np

WORKING_SIDE = 480  # the flow is computed on frames scaled to this longest side
SAFETY = 0.01  # the holes are widened by this share of the frame's longer side (at least 2 px)
# DIS smooths over patches of 8 px: so far around the hole the flow still has
# some of the object's motion, and is completed like the hole's
FLOW_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (17, 17))
GRID = 8  # the homography of the background is fitted to the flow on a grid of this step
MARGIN = 8  # pixels around the holes' rectangle in which sources are tracked

Inpaint = Callable[[np.ndarray, np.ndarray], np.ndarray]


def fill_window(
    frames: Sequence[np.ndarray],
    holes: Sequence[np.ndarray],
    inpaint: Inpaint,
    numbers: Optional[Sequence[int]] = None,
    cache: Optional[FlowCache] = None,
    wanted: Optional[range] = None,
) -> list[np.ndarray]:
    """The frames with every hole pixel filled (RGB uint8, the frames' shapes);
    pixels outside the holes are the frames' own. ``numbers`` (consecutive
    frame numbers) and ``cache`` let overlapping windows share flows;
    ``wanted``: the positions to return [default: all]."""
    wanted = range(len(frames)) if wanted is None else wanted
    numbers = list(range(len(frames))) if numbers is None else list(numbers)
    cache = FlowCache() if cache is None else cache
    frames = list(frames)
    if not any(np.asarray(h).any() for h in holes):
        return [frames[i] for i in wanted]
    # A tracked mask misses the object's edge here and there; a pixel next to
    # the hole is not trusted as a source (the caller composites only the hole).
    holes = [_widen(np.asarray(h, bool)) for h in holes]
    height, width = holes[0].shape
    roi = _roi(holes, height, width)
    for n, frame, hole in zip(numbers, frames, holes):
        cache.add(n, frame, hole)
    points = [np.nonzero(h[roi]) for h in holes]  # each frame's hole pixels, ROI coordinates (y, x)
    sources = _propagate(points, numbers, cache, roi)
    unknown = [s[0] < 0 for s in sources]
    if any(u.any() for u in unknown):
        key = int(np.argmax([u.sum() for u in unknown]))
        keyed = _sample(frames, key, points[key], sources[key], roi)
        hidden = np.zeros((height, width), bool)
        hidden[roi][points[key][0][unknown[key]], points[key][1][unknown[key]]] = True
        frames[key] = inpaint(keyed, hidden)
        holes[key] = np.zeros_like(holes[key])
        points[key] = (points[key][0][:0], points[key][1][:0])
        sources = _propagate(points, numbers, cache, roi)
    out = []
    for i in wanted:
        filled = _sample(frames, i, points[i], sources[i], roi)
        lost = sources[i][0] < 0
        if lost.any():  # not reached from the key frame either (a hole at the window's edge)
            left = np.zeros((height, width), bool)
            left[roi][points[i][0][lost], points[i][1][lost]] = True
            filled = inpaint(filled, left)
        out.append(filled)
    return out


def _widen(hole: np.ndarray) -> np.ndarray:
    if not hole.any():
        return hole
    pixels = max(2, round(SAFETY * max(hole.shape)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
    return cv2.dilate(hole.astype(np.uint8), kernel) > 0


def _roi(holes: Sequence[np.ndarray], height: int, width: int) -> tuple[slice, slice]:
    ys, xs = np.nonzero(np.logical_or.reduce([h for h in holes]))
    y0, y1 = max(0, ys.min() - MARGIN), min(height, ys.max() + 1 + MARGIN)
    x0, x1 = max(0, xs.min() - MARGIN), min(width, xs.max() + 1 + MARGIN)
    return slice(int(y0), int(y1)), slice(int(x0), int(x1))


class FlowCache:
    """The completed background flows between neighbouring frames, by frame
    number, so that overlapping windows compute each pair once (the caller
    forgets what its window has passed)."""

    def __init__(self) -> None:
        self.small: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # grey frame, widened hole (working size)
        self.pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # n -> flow n -> n+1, n+1 -> n
        self.dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.scale = 1.0

    def add(self, n: int, frame: np.ndarray, hole: np.ndarray) -> None:
        if n in self.small:
            return
        height, width = hole.shape
        self.scale = scale = min(1.0, WORKING_SIDE / max(height, width))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if scale < 1:
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        self.small[n] = gray, cv2.dilate(hole.astype(np.uint8), FLOW_KERNEL) > 0

    def pair(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n not in self.pairs:
            (gray_a, hole_a), (gray_b, hole_b) = self.small[n], self.small[n + 1]
            valid = ~(hole_a | hole_b)
            # the object's motion is not the background's: inside the hole of
            # either frame the flow is completed from around it
            self.pairs[n] = (_completed(self.dis.calc(gray_a, gray_b, None), valid),
                             _completed(self.dis.calc(gray_b, gray_a, None), valid))
        return self.pairs[n]

    def forget(self, below: int) -> None:
        for table in (self.small, self.pairs):
            for n in [n for n in table if n < below]:
                del table[n]


def _completed(flow: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The background's flow (working size): inside a hole, the background's
    motion as a homography fitted (RANSAC) to the flow on a grid outside the
    holes. Chained over tens of frames, small errors add up: a smooth
    completion from around the hole (push-pull) put copies of a tower side
    by side at 720p, and so did a homography plus a smooth residual of up to
    2 px (the flow beside a moving object still carries some of its motion).
    Push-pull is the fallback where no homography fits."""
    height, width = valid.shape
    gy, gx = np.mgrid[2:height:GRID, 2:width:GRID]
    keep = valid[gy, gx]
    points = np.stack([gx[keep], gy[keep]], 1).astype(np.float32)
    model = None
    if len(points) >= 8:
        cv2.setRNGSeed(0)  # RANSAC samples at random: the same input gives the same fill
        model, _ = cv2.findHomography(points, points + flow[gy[keep], gx[keep]], cv2.RANSAC, 1.0, maxIters=500)
    if model is None:
        return push_pull(flow, valid)
    fy, fx = np.mgrid[0:height, 0:width].astype(np.float32)
    moved = cv2.perspectiveTransform(np.stack([fx, fy], -1).reshape(-1, 1, 2), model).reshape(height, width, 2)
    return np.where(valid[..., None], flow, moved - np.stack([fx, fy], -1)).astype(np.float32)


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


def _propagate(points, numbers, cache: FlowCache, roi) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each frame's hole pixels: (source frame or -1, x, y). A forward and
    a backward pass; the nearer source in time wins."""
    n = len(points)
    forward = _pass(points, roi, range(n), lambda i: cache.pair(numbers[i - 1])[1], cache.scale)
    backward = _pass(points, roi, range(n - 1, -1, -1), lambda i: cache.pair(numbers[i])[0], cache.scale)
    out = []
    for i in range(n):
        fs, fx, fy = forward[i]
        bs, bx, by = backward[i]
        take_back = (bs >= 0) & ((fs < 0) | (np.abs(bs - i) < np.abs(fs - i)))
        out.append((np.where(take_back, bs, fs), np.where(take_back, bx, fx), np.where(take_back, by, fy),
                    np.where(take_back, fs, bs), np.where(take_back, fx, bx), np.where(take_back, fy, by)))
    return out


def _pass(points, roi, order, flow_to_previous, scale):
    """One direction: each frame's hole pixels take the source of where the
    flow to the frame before (in ``order``) lands. The state of a frame is
    kept as images of the ROI (identity outside its hole: it saw those
    pixels itself); only hole pixels are computed."""
    ys, xs = roi
    gy, gx = np.mgrid[ys, xs].astype(np.float32)
    result: dict[int, tuple] = {}
    previous = None
    for i in order:
        yy, xx = points[i]
        if yy.size == 0:
            s_new = np.zeros(0, np.float32)
            x_new = y_new = s_new
        elif previous is None:
            s_new = np.full(yy.size, -1, np.float32)
            x_new, y_new = xx.astype(np.float32) + xs.start, yy.astype(np.float32) + ys.start
        else:
            j, (psrc, ppx, ppy) = previous
            flow = flow_to_previous(i)
            fx_full, fy_full = xx.astype(np.float32) + xs.start, yy.astype(np.float32) + ys.start
            moved = _points(flow, (fx_full + 0.5) * scale - 0.5, (fy_full + 0.5) * scale - 0.5,
                            cv2.INTER_LINEAR, cv2.BORDER_REPLICATE) / scale
            qx, qy = xx + moved[:, 0], yy + moved[:, 1]  # where each hole pixel lands in frame j (ROI coordinates)
            h, w = psrc.shape
            ix, iy = np.rint(qx).astype(np.int64), np.rint(qy).astype(np.int64)
            inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
            cx, cy = np.clip(ix, 0, w - 1), np.clip(iy, 0, h - 1)
            s_near = np.where(inside, psrc[cy, cx], -2).astype(np.float32)
            s_lin = _points(psrc, qx, qy, cv2.INTER_LINEAR, cv2.BORDER_CONSTANT, -2)
            x_lin = _points(ppx, qx, qy, cv2.INTER_LINEAR, cv2.BORDER_REPLICATE)
            y_lin = _points(ppy, qx, qy, cv2.INTER_LINEAR, cv2.BORDER_REPLICATE)
            # neighbours with other sources: their positions must not be blended;
            # take the nearest one's, moved by the sub-pixel offset to it (a
            # rounded position would add up to half a pixel of error a frame)
            x_near = ppx[cy, cx] + (qx - ix)
            y_near = ppy[cy, cx] + (qy - iy)
            mixed = np.abs(s_lin - s_near) > 1e-3
            x_new, y_new = np.where(mixed, x_near, x_lin), np.where(mixed, y_near, y_lin)
            # landing outside the ROI: outside every hole, so frame j saw it there
            outside = s_near == -2
            x_new = np.where(outside, fx_full + moved[:, 0], x_new)
            y_new = np.where(outside, fy_full + moved[:, 1], y_new)
            s_new = np.where(outside, j, s_near).astype(np.float32)
        result[i] = (s_new, x_new, y_new)
        src, px, py = np.full(gx.shape, i, np.float32), gx.copy(), gy.copy()
        src[yy, xx], px[yy, xx], py[yy, xx] = s_new, x_new, y_new
        previous = (i, (src, px, py))
    return [(result[i][0].astype(np.int32), result[i][1], result[i][2]) for i in range(len(points))]


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


def _sample(frames, i, points, source, roi) -> np.ndarray:
    """Frame ``i`` with its hole pixels sampled from their sources (unknown
    ones left as they were). Where both passes found a source, the two
    colours are blended, the nearer in time weighing more: where the
    forward and the backward sources meet, a hard switch showed as a tear."""
    out = frames[i].copy()
    first = _colours(frames, source[0], source[1], source[2])
    second = _colours(frames, source[3], source[4], source[5])
    both = (source[0] >= 0) & (source[3] >= 0)
    near = 1.0 / np.maximum(np.abs(source[0] - i), 1)
    far = 1.0 / np.maximum(np.abs(source[3] - i), 1)
    weight = np.where(both, near / (near + far), 1.0)[:, None]
    colours = np.rint(first * weight + second * (1 - weight)).astype(np.uint8)
    known = source[0] >= 0
    region = out[roi]
    yy, xx = points
    region[yy[known], xx[known]] = colours[known]
    return out


def _colours(frames, src, px, py) -> np.ndarray:
    """float32 colours of the sources (zeros where there is none)."""
    out = np.zeros((src.size, frames[0].shape[2]), np.float32)
    for s in np.unique(src):
        if s < 0:
            continue
        pick = src == s
        out[pick] = _remap_points(frames[s], px[pick], py[pick])
    return out


def _remap_points(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` at the points (x, y)."""
    n = xs.size
    cols = 1024
    rows = (n + cols - 1) // cols
    mx = np.zeros(rows * cols, np.float32)
    my = np.zeros(rows * cols, np.float32)
    mx[:n], my[:n] = xs, ys
    sampled = cv2.remap(image, mx.reshape(rows, cols), my.reshape(rows, cols), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return sampled.reshape(-1, image.shape[2])[:n]
