"""The principal patch components (``patch_distance._basis``): the main
eigenvectors of the sampled patches' covariance, largest first."""

from __future__ import annotations

import numpy as np
import pytest

from eraser_layered.patch_distance import COMPONENTS, PCA_SAMPLES, R, _basis, _distance, _project
from eraser_layered.synthesis import _Level


def test_basis_holds_the_main_eigenvectors_largest_first():
    rng = np.random.default_rng(5)
    # Stripes, a gradient and grain: patches with a few strong directions and many weak ones.
    y, x = np.mgrid[0:96, 0:128].astype(np.float32)
    grey = 120 + 60 * np.sin(x / 3.0) + 0.4 * y + rng.normal(0, 6, (96, 128))
    img = np.clip(np.stack([grey, 0.8 * grey + 20, 1.1 * grey - 10], -1), 0, 255).astype(np.float32)
    hole = np.zeros((96, 128), bool)
    hole[40:56, 50:80] = True
    lv = _Level(img, hole, search=False)
    lv.samples = np.array([dy * lv.width + dx for dy in range(-3, 4) for dx in range(-3, 4)])
    basis = _basis(lv).reshape(COMPONENTS, -1).astype(np.float64)
    # The same sampled patches (the same seeded draw as _basis), solved by numpy.
    pick = lv.sources[np.random.default_rng(1).integers(0, lv.sources.size, min(PCA_SAMPLES, lv.sources.size))]
    patches = lv.src[pick[:, None] + lv.samples].reshape(pick.size, -1).astype(np.float64)
    values, vectors = np.linalg.eigh(np.cov(patches, rowvar=False))
    order = np.argsort(values)[::-1][:COMPONENTS]
    assert np.allclose(basis @ basis.T, np.eye(COMPONENTS), atol=1e-4)  # orthonormal
    # Each component is the eigenvector of its rank (up to sign), where its eigenvalue stands apart.
    gaps = -np.diff(values[np.argsort(values)[::-1]])[:COMPONENTS] / values.max()
    for k in range(COMPONENTS):
        if gaps[k] > 1e-3 and (k == 0 or gaps[k - 1] > 1e-3):
            assert abs(float(basis[k] @ vectors[:, order[k]])) > 0.999, k
    # Largest first: the projected variance falls from each component to the next.
    variance = (patches - patches.mean(0)) @ basis.T
    assert np.all(np.diff(variance.var(axis=0)) <= 1e-6 * variance.var(axis=0)[0])


def _level_with_basis():
    rng = np.random.default_rng(7)
    img = rng.uniform(0, 255, (70, 90, 3)).astype(np.float32)
    hole = np.zeros((70, 90), bool)
    hole[25:45, 30:60] = True
    lv = _Level(img, hole, search=False)
    lv.samples = np.array([dy * lv.width + dx for dy in range(-3, 4) for dx in range(-3, 4)])
    lv.basis = _basis(lv)
    return lv


def test_projection_is_each_patch_dotted_with_each_component():
    lv = _level_with_basis()
    box = (slice(10, 60), slice(20, 80))
    features = _project(lv.src, lv.basis, lv, box).reshape(lv.h + 2 * R, lv.width, COMPONENTS)
    img = lv.src.reshape(lv.h + 2 * R, lv.width, 3).astype(np.float64)
    # Positions whose patch lies inside the box: the plain dot product of the patch and each component.
    for y, x in ((20, 30), (33, 47), (50, 70)):
        patch = img[y - R : y + R + 1, x - R : x + R + 1].ravel()
        assert np.allclose(features[y, x], lv.basis.reshape(COMPONENTS, -1) @ patch, rtol=1e-4, atol=1e-2)
    outside = np.ones(features.shape[:2], bool)
    outside[box] = False
    assert not features[outside].any()  # 0 outside the box
    # Into a buffer: the box written, the rest left as the buffer held it.
    buffer = np.full((lv.src.shape[0], COMPONENTS), 5.0, np.float32)
    again = _project(lv.src, lv.basis, lv, box, buffer)
    assert again is buffer
    assert np.array_equal(again.reshape(features.shape)[box], features[box])
    assert np.all(again.reshape(features.shape)[outside] == 5.0)


@pytest.mark.parametrize("features", [False, True])
def test_distances_are_mean_squared_differences_and_infinite_off_the_sources(features):
    lv = _level_with_basis()
    rng = np.random.default_rng(3)
    cur = lv.src + rng.normal(0, 4, lv.src.shape).astype(np.float32)
    t = lv.targets[:300]
    s = rng.choice(np.arange(lv.src.shape[0] // 4, 3 * lv.src.shape[0] // 4), t.size)
    if features:  # compared by their projections on the components, as a level with many targets is
        lv.src_features, lv.cur_features = _project(lv.src, lv.basis, lv), None
        lv.box = (slice(0, lv.h + 2 * R), slice(0, lv.width))
        basis = lv.basis.reshape(COMPONENTS, -1).astype(np.float64)
        a, b = cur[t[:, None] + lv.samples].reshape(t.size, -1) @ basis.T, lv.src[s[:, None] + lv.samples].reshape(t.size, -1) @ basis.T
        want = ((a - b) ** 2).sum(axis=1) / lv.samples.size
    else:
        lv.basis = None
        # (squared differences summed over the channels, averaged over the sampled pixels)
        want = ((cur[t[:, None] + lv.samples].astype(np.float64) - lv.src[s[:, None] + lv.samples]) ** 2).sum(axis=2).mean(axis=1)
    d = _distance(lv, cur, t, s)
    ok = lv.valid[s]
    assert ok.any() and (~ok).any()
    assert np.allclose(d[ok], want[ok], rtol=1e-3)
    assert np.all(np.isinf(d[~ok]))
    # Narrowed sources (as _Level narrows them when it drops the patches touching a label):
    # the next distances follow them.
    drop = lv.sources[: lv.sources.size // 2]
    narrowed = lv.valid.copy()
    narrowed[drop] = False
    lv.use_sources(narrowed)
    d2 = _distance(lv, cur, t, s)
    assert np.isin(s, drop).any() and np.all(np.isinf(d2[np.isin(s, drop)]))
    assert np.array_equal(d2[lv.valid[s]], d[lv.valid[s]])
