"""The harmonic (membrane) fill: checked against an exact sparse solve of
the same equation and against functions whose harmonic fill is known."""

from __future__ import annotations

import numpy as np
import pytest

from eraser_layered.harmonic import harmonic_fill

sparse = pytest.importorskip("scipy.sparse")
linalg = pytest.importorskip("scipy.sparse.linalg")


def exact(values: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Each hole pixel the mean of its in-frame 4-neighbours, solved exactly."""
    height, width = hole.shape
    ys, xs = np.nonzero(hole)
    index = -np.ones(hole.shape, int)
    index[ys, xs] = np.arange(ys.size)
    rows, cols, vals = [], [], []
    rhs = np.zeros(ys.size)
    degree = np.zeros(ys.size)
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        degree += inside
        i = np.nonzero(inside)[0]
        ny, nx = ny[inside], nx[inside]
        unknown = hole[ny, nx]
        rows.append(i[unknown])
        cols.append(index[ny[unknown], nx[unknown]])
        vals.append(-np.ones(int(unknown.sum())))
        np.add.at(rhs, i[~unknown], values[ny[~unknown], nx[~unknown]])
    rows.append(np.arange(ys.size))
    cols.append(np.arange(ys.size))
    vals.append(degree)
    matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(ys.size,) * 2)
    out = values.astype(np.float64).copy()
    out[ys, xs] = linalg.spsolve(matrix, rhs)
    return out


def _blob(shape, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    hole = np.zeros(shape, bool)
    for _ in range(4):
        cy, cx = rng.uniform(0.25, 0.75) * shape[0], rng.uniform(0.25, 0.75) * shape[1]
        ry, rx = rng.uniform(0.08, 0.25) * shape[0], rng.uniform(0.08, 0.25) * shape[1]
        hole |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return hole


@pytest.mark.parametrize("seed", range(4))
def test_equals_the_exact_solve(seed):
    """Random photo-like values (noise at several scales) and random holes of
    up to a third of a 300 x 400 frame: the multigrid answer is within a
    grey level of the exact one everywhere (measured: at most 0.2)."""
    rng = np.random.default_rng(seed)
    import cv2

    values = sum(cv2.resize(rng.uniform(0, 255, (s, s)).astype(np.float32), (400, 300)) for s in (3, 12, 48)) / 3
    hole = _blob((300, 400), seed)
    assert 0.05 < hole.mean() < 0.6
    ours = harmonic_fill(values, hole)
    truth = exact(values, hole)
    assert np.abs(ours - truth)[hole].max() < 1.0
    assert np.array_equal(ours[~hole], values[~hole])


def test_a_linear_ramp_is_filled_exactly_and_colours_are_solved_apart():
    """A plane is harmonic, so a hole in a gradient is filled with the same
    gradient; each channel is its own equation."""
    yy, xx = np.mgrid[0:120, 0:160].astype(np.float32)
    values = np.dstack([2 * xx + 10, 200 - yy, 0.5 * xx + 0.5 * yy])
    hole = _blob((120, 160), 7)
    out = harmonic_fill(values, hole)
    assert np.abs(out - values)[hole].max() < 0.05


def test_stays_within_the_border_and_handles_the_frame_edge():
    """The maximum principle: no value beyond the border's range, also for a
    hole that touches the frame's edge (no flow across it) and a single pixel."""
    rng = np.random.default_rng(3)
    values = rng.uniform(40, 90, (64, 80)).astype(np.float32)
    hole = np.zeros((64, 80), bool)
    hole[:30, 50:] = True  # the top right corner
    out = harmonic_fill(values, hole)
    border = values[~hole]
    assert border.min() - 1e-3 <= out[hole].min() and out[hole].max() <= border.max() + 1e-3
    assert np.abs(out - exact(values, hole))[hole].max() < 1.0
    one = np.zeros((64, 80), bool)
    one[10, 10] = True
    out = harmonic_fill(values, one)
    assert out[10, 10] == pytest.approx(values[[9, 11, 10, 10], [10, 10, 9, 11]].mean(), abs=1e-3)


def test_nothing_to_fill_and_nothing_known():
    values = np.full((8, 8), 5.0, np.float32)
    assert np.array_equal(harmonic_fill(values, np.zeros((8, 8), bool)), values)
    assert np.array_equal(harmonic_fill(values, np.ones((8, 8), bool)), values)


@pytest.mark.parametrize("shape", [(1, 400), (3, 1000), (5, 2000), (700, 2)])
def test_a_long_thin_frame_is_solved_not_left_at_the_mean(shape):
    """A strip a few pixels high, unknown but for its two ends: the answer is
    the ramp between them. The coarsest levels are long thin lines, where a
    few relaxation sweeps leave the known mean in the middle (measured 94 grey
    levels off before they were solved directly)."""
    ramp = np.linspace(0, 200, max(shape), dtype=np.float32)
    values = np.tile(ramp, (shape[0], 1)) if shape[1] > shape[0] else np.tile(ramp[:, None], (1, shape[1]))
    hole = np.ones(shape, bool)
    if shape[1] > shape[0]:
        hole[:, [0, -1]] = False
    else:
        hole[[0, -1], :] = False
    assert np.abs(harmonic_fill(values, hole) - values)[hole].max() < 0.5
