"""The background's motion between neighbouring frames, for the temporal
fill (eraser.video.temporal): corners found away from both holes (at a
working size), followed to the next frame by pyramidal Lucas-Kanade at full
resolution, and a homography fitted (RANSAC) to them; inside a hole the
homography is the completed flow. Where no homography fits, dense flow (DIS)
completed by push-pull."""

from __future__ import annotations

from typing import Optional, Sequence

import cv2
import numpy as np

from eraser.video.hole import Hole

WORKING_SIDE = 480  # the dense flow (the fallback) is computed on frames scaled to this longest side
FEATURE_SIDE = 640  # corners are found on frames scaled to this longest side, followed at full size
CORNERS = 400  # corners per pair of frames
BACK_AND_FORTH = 0.5  # px: a corner followed to the next frame and back must land this near where it was
SAFETY = 0.01  # the holes are widened by this share of the frame's longer side (at least 2 px)
# DIS smooths over patches of 8 px: so far around a hole's box (working size)
# the flow still carries some of the object's motion and is not fitted
FLOW_MARGIN = 8
GRID = 8  # the homography of the background is fitted to the flow on a grid of this step
# px: DIS refuses an image under 12 px on a side and crashed the process on
# one 8 px high (OpenCV 5.1, a 64x8 clip): smaller images are padded to this
DIS_LEAST = 16


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
        moved = sample_points(self.flow, (xs + 0.5) * s - 0.5, (ys + 0.5) * s - 0.5, cv2.INTER_LINEAR,
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
        self.light: dict[int, np.ndarray] = {}  # n -> the light's change from n to n+1 (eraser.video.seams)
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
                flow = dense_flow(self.dis, gray_a, gray_b)
                valid = self._valid(gray_a.shape, (hole_a, hole_b))
                model = _homography(flow, valid, self.scale)
                if model is not None:
                    self.pairs[n] = (model, model.inverse())
                    return self.pairs[n]
                back = dense_flow(self.dis, gray_b, gray_a)
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
        for table in (self.small, self.pairs, self.light):
            for n in [n for n in table if n < below]:
                del table[n]


def dense_flow(dis, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``dis.calc(a, b)``: DIS flow from grey ``a`` to ``b``, on images padded
    (their edges repeated) to ``DIS_LEAST`` px on each side where smaller."""
    height, width = a.shape[:2]
    if height >= DIS_LEAST and width >= DIS_LEAST:
        return dis.calc(a, b, None)
    pad = ((0, max(0, DIS_LEAST - height)), (0, max(0, DIS_LEAST - width)))
    flow = dis.calc(np.pad(a, pad, mode="edge"), np.pad(b, pad, mode="edge"), None)
    return np.ascontiguousarray(flow[:height, :width])


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


def sample_points(image: np.ndarray, xs: np.ndarray, ys: np.ndarray, interpolation: int, border: int, value: float = 0.0) -> np.ndarray:
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
