"""The principal patch components (``patch_distance._basis``): the main
eigenvectors of the sampled patches' covariance, largest first."""

from __future__ import annotations

import numpy as np

from eraser_layered.patch_distance import COMPONENTS, PCA_SAMPLES, _basis
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
