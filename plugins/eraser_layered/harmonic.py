"""Harmonic (membrane) interpolation of a hole: the smoothest fill that meets
every border pixel.

Each hole pixel becomes the mean of its four neighbours (Laplace's equation
with the known pixels as the boundary).  For images whose spectrum falls off
like 1/f^2, as photos roughly do, that is the expected value of the lost
pixels given the border, so it is the fill closest to the truth on average:
on ``bench/quality.py``'s blobs it beats Telea and Navier-Stokes by 0.6 to
0.8 dB, and a small distinct thing at the border (a label, a pin) only
tints the hole faintly instead of streaming into it.

Solved by multigrid: a first guess coarse to fine (the problem halved until
it is tiny, each finer level starting from the coarser answer), then a few
V-cycles. Red-black Gauss-Seidel sweeps remove the fine error quickly; the
coarse levels solve for the slow, large-scale part of what is left. Tested
against an exact sparse solve (``tests/test_harmonic.py``).
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from eraser.cancel import check

# Red-black Gauss-Seidel sweeps before and after each coarse correction.
SWEEPS = 3
# V-cycles after the coarse-to-fine start; measured against an exact sparse
# solve, 4 leave well under a grey level of error.
CYCLES = 4
# A level with at most this many hole pixels is solved directly (a dense
# system; sweeps alone need thousands where the hole is a long thin line).
SMALL = 64
_CROSS = np.float32([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]])


def harmonic_fill(values: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """``values`` (H x W or H x W x C, any real dtype) with the hole's pixels
    replaced by the harmonic interpolation of the known ones (float32)."""
    hole = np.asarray(hole, bool)
    out = np.array(values, np.float32, copy=True)
    if not hole.any() or hole.all():
        return out
    # Only the hole's box and a 1 px ring take part.
    ys, xs = np.nonzero(hole)
    box = (slice(max(ys.min() - 1, 0), ys.max() + 2), slice(max(xs.min() - 1, 0), xs.max() + 2))
    x = np.ascontiguousarray(out[box])
    h = np.ascontiguousarray(hole[box])
    x = _start(x, h)  # (equal to x off the hole)
    solve(x, np.zeros_like(x), h)
    out[box] = x
    return out


def solve(x: np.ndarray, b: np.ndarray, hole: np.ndarray) -> None:
    """``A x = b`` over ``hole`` (``A x``: x less the mean of its 4
    neighbours; the known pixels of ``x`` fixed), in place from ``x``'s
    values there: ``CYCLES`` V-cycles. ``x`` and ``b`` float32, H x W or
    H x W x C."""
    grid = _Grid(hole)  # the levels' holes and colours, found once for all cycles
    for _ in range(CYCLES):
        check()  # the page's Escape stops the fill between cycles
        _cycle(x, b, hole, grid)


# The equation on hole pixels is A x = b with A x = x - mean of the 4
# neighbours (known pixels fixed; at the frame's edge a missing neighbour is
# the pixel itself, i.e. no flow across it). Harmonic: b = 0.


def coarse_harmonic_fill(values: np.ndarray, hole: np.ndarray, longest: int) -> np.ndarray:
    """:func:`harmonic_fill` of a smooth field (one channel or several)
    solved at most ``longest`` px long and scaled back into the hole: at full
    size the solve was a fifth of a fill's time (a 12 MP hole, a scattered
    watermark). A coarse pixel is known where a quarter of it is."""
    height, width = hole.shape
    if max(height, width) <= longest:
        return harmonic_fill(values, hole)
    per_pixel = (lambda a: a[..., None]) if values.ndim == 3 else (lambda a: a)
    scale = longest / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    known = (~hole).astype(np.float32)
    num = cv2.resize(values * per_pixel(known), size, interpolation=cv2.INTER_AREA)
    den = cv2.resize(known, size, interpolation=cv2.INTER_AREA)
    small_hole = den < 0.25
    small = harmonic_fill(np.where(per_pixel(small_hole), 0.0, num / per_pixel(np.maximum(den, 1e-6))).astype(np.float32),
                          small_hole)
    big = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where(per_pixel(hole), big, values).astype(np.float32)


def _mean4(x: np.ndarray) -> np.ndarray:
    return cv2.filter2D(x, -1, _CROSS, borderType=cv2.BORDER_REPLICATE).reshape(x.shape)


def _colours(hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hole's red and black pixels (a checkerboard) as uint8 masks."""
    hole = np.asarray(hole, bool)
    red = (np.indices(hole.shape).sum(axis=0) % 2 == 0)
    return (hole & red).view(np.uint8), (hole & ~red).view(np.uint8)


def _smooth(x: np.ndarray, b: np.ndarray, colours: tuple[np.ndarray, np.ndarray], sweeps: int) -> None:
    """Red-black Gauss-Seidel sweeps over ``colours`` (:func:`_colours`), in
    place: each colour's pixels copied by cv2.copyTo (gathered and scattered
    by numpy, they were most of a small solve's time)."""
    for _ in range(sweeps):
        for colour in colours:
            new = _mean4(x)
            new += b
            _into(x, cv2.copyTo(new, colour, x))


class _Grid:
    """One V-cycle level's hole and what the cycles need of it, found once
    per solve (every cycle found them again: a fifth of a small solve's time):
    its colours, the coarser level's hole and pixel counts, or, for a few
    hole pixels, the direct solve's system."""

    def __init__(self, hole: np.ndarray):
        self.small = hole.sum() <= SMALL
        if self.small:
            self.system = _small_system(hole)
            return
        self.colours = _colours(hole)
        self.mask = np.asarray(hole, bool).view(np.uint8)
        covered, self.real = _halve(hole.astype(np.float32), np.ones(hole.shape, np.float32))
        # Coarse unknowns only where all four fine pixels are: a coarse cell that
        # reaches the border would push a correction across it (V-cycles diverged).
        self.coarse_hole = (covered == self.real) & (self.real > 0)
        self._coarse = None

    @property
    def coarse(self) -> "_Grid":
        if self._coarse is None:
            self._coarse = _Grid(self.coarse_hole)
        return self._coarse


def _into(x: np.ndarray, result: np.ndarray) -> None:
    """``x`` holds ``result``: cv2 writes into a C-contiguous ``dst`` in
    place and hands it back; anything else it answers with a new array."""
    if result is not x:
        x[...] = result


def _halve(values: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted 2x2 sums of ``values`` and of ``weight`` (odd sizes: the last
    row/column is a block of its own)."""
    return _sums(values * (weight[..., None] if values.ndim == 3 else weight)), _sums(weight)


def _sums(values: np.ndarray) -> np.ndarray:
    """2x2 sums of ``values`` (odd sizes: the last row/column is a block of its own)."""
    v = _even(values)
    return v.reshape((v.shape[0] // 2, 2, v.shape[1] // 2, 2) + v.shape[2:]).sum(axis=(1, 3))


def _even(a: np.ndarray) -> np.ndarray:
    """``a`` with a zero row and column appended where its height or width
    is odd (np.pad's, without its overhead: most of a small solve's time)."""
    height, width = a.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return a
    out = np.zeros((height + height % 2, width + width % 2) + a.shape[2:], a.dtype)
    out[:height, :width] = a
    return out


def _double(coarse: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear back to ``shape`` (coarse pixel i covers fine pixels 2i and 2i+1)."""
    height, width = shape
    big = cv2.resize(coarse, (2 * coarse.shape[1], 2 * coarse.shape[0]), interpolation=cv2.INTER_LINEAR)
    return big.reshape((2 * coarse.shape[0], 2 * coarse.shape[1]) + coarse.shape[2:])[:height, :width]


def _start(x: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """A first guess, coarse to fine: each level starts from the one below.
    A coarse pixel is known if any pixel it covers is (the mean of those)."""
    if hole.sum() <= SMALL:
        guess = x.copy()
        _solve_small(guess, np.zeros_like(x), hole)
        return guess
    num, den = _halve(x, (~hole).astype(np.float32))
    coarse_hole = den == 0
    coarse = (num / np.maximum(den, 1)[..., None] if x.ndim == 3 else num / np.maximum(den, 1)).astype(np.float32)
    coarse = _start(coarse, coarse_hole)  # (equal to coarse off its hole)
    guess = cv2.copyTo(_double(coarse, hole.shape), hole.view(np.uint8), x.copy())  # x, its hole from the coarse guess
    _smooth(guess, np.zeros_like(x), _colours(hole), SWEEPS)
    return guess


def _cycle(x: np.ndarray, b: np.ndarray, hole: np.ndarray, grid: Optional[_Grid] = None) -> None:
    """One multigrid V-cycle on ``A x = b`` over ``hole``, in place;
    ``grid``: ``_Grid(hole)``, when several cycles run on the same hole."""
    grid = _Grid(hole) if grid is None else grid
    if grid.small:
        _solve_small(x, b, hole, grid.system)
        return
    _smooth(x, b, grid.colours, SWEEPS)
    residual = cv2.copyTo(b - (x - _mean4(x)), grid.mask, np.zeros_like(x))  # 0 off the hole
    # The coarse correction: the same operator on a grid twice as coarse is 4x
    # stronger for the same function, so the restricted residual is scaled by 4.
    num = _sums(residual)
    den = grid.real
    coarse_b = (4 * num / den[..., None] if x.ndim == 3 else 4 * num / den).astype(np.float32)
    coarse_hole = grid.coarse_hole
    correction = np.zeros_like(coarse_b)
    _cycle(correction, cv2.copyTo(coarse_b, coarse_hole.view(np.uint8), np.zeros_like(coarse_b)), coarse_hole, grid.coarse)
    _into(x, cv2.add(x, _double(correction, hole.shape), dst=x, mask=grid.mask))  # x[hole] += ...
    _smooth(x, b, grid.colours, SWEEPS)


def _small_system(hole: np.ndarray):
    """The matrix of ``A`` on a few hole pixels, and per neighbour direction
    the rows whose neighbour is known and where that neighbour lies."""
    ys, xs = np.nonzero(hole)
    height, width = hole.shape
    index = -np.ones(hole.shape, int)
    index[ys, xs] = np.arange(ys.size)
    matrix = np.eye(ys.size)  # x_i, less a quarter of each neighbour (itself at the frame's edge)
    known = []
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        ny, nx = np.clip(ys + dy, 0, height - 1), np.clip(xs + dx, 0, width - 1)
        inside = hole[ny, nx]
        np.add.at(matrix, (np.arange(ys.size)[inside], index[ny[inside], nx[inside]]), -0.25)
        known.append((~inside, ny[~inside], nx[~inside]))
    return ys, xs, matrix, known


def _solve_small(x: np.ndarray, b: np.ndarray, hole: np.ndarray, system=None) -> None:
    """``A x = b`` on a few hole pixels, directly, in place. Least squares: a
    hole with no known neighbour at all (a correction level with no border)
    has no unique answer, and takes the smallest one. ``system``:
    ``_small_system(hole)``, when found before."""
    ys, xs, matrix, known = _small_system(hole) if system is None else system
    if ys.size == 0:
        return
    height, width = hole.shape
    channels = x.reshape(height, width, -1)
    rhs = b.reshape(height, width, -1)[ys, xs].astype(np.float64)
    for rows, ny, nx in known:
        rhs[rows] += 0.25 * channels[ny, nx]
    solved = np.linalg.lstsq(matrix, rhs, rcond=None)[0].astype(np.float32)
    channels[ys, xs] = solved


def spread(values: np.ndarray, known: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """A smooth field (H x W or H x W x C) carried from the ``known`` pixels
    into the hole: their Gaussian-weighted mean, the Gaussian as wide as half
    the hole's depth (normalised convolution, at a scale where it is 2 px
    wide). Far cheaper than :func:`harmonic_fill` on a large level, and
    enough where only a slowly varying field is wanted (the border's tone
    offset: its membrane solve was a quarter of the fill's time on a 12 MP
    photo)."""
    depth = float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())
    sigma = max(2.0, 0.5 * depth)
    step = max(1, int(sigma // 2))
    height, width = hole.shape
    size = (max(1, -(-width // step)), max(1, -(-height // step)))
    weight = known.astype(np.float32)
    values = values.astype(np.float32)
    three = values.ndim == 3
    v = values * (weight[..., None] if three else weight)
    w = cv2.GaussianBlur(cv2.resize(weight, size, interpolation=cv2.INTER_AREA), (0, 0), sigma / step)
    s = cv2.GaussianBlur(cv2.resize(v, size, interpolation=cv2.INTER_AREA), (0, 0), sigma / step)
    w, s = w.reshape(w.shape[:2] + (1,) * three), s.reshape(w.shape[:2] + values.shape[2:])
    # Where no known pixel lies within reach, the mean of all of them.
    fallback = v.reshape(-1, *v.shape[2:]).sum(axis=0) / max(float(weight.sum()), 1.0)
    mean = np.where(w > 1e-6, s / np.maximum(w, 1e-6), fallback).astype(np.float32)
    if step > 1:
        mean = cv2.resize(mean, (width, height), interpolation=cv2.INTER_LINEAR).reshape(values.shape)
    return np.where(hole[..., None] if three else hole, mean, values).astype(np.float32)
