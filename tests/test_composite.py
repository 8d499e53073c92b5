"""Stage composite: exact where the original is kept."""

import numpy as np

from eraser.composite import composite


def test_composite_is_exact_where_keep_is_one():
    rng = np.random.default_rng(1)
    original = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    fill = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    keep = np.ones((40, 50), np.float32)
    keep[10:20, 10:30] = rng.random((10, 20)).astype(np.float32)
    keep[12:15, 12:15] = 0.0
    out = composite(original, fill, keep)
    untouched = keep == 1.0
    assert np.array_equal(out[untouched], original[untouched])
    assert np.array_equal(out[12:15, 12:15], fill[12:15, 12:15])
    expected = np.rint(original * keep[..., None] + fill * (1 - keep[..., None]))
    assert np.abs(out.astype(int) - expected).max() <= 1
