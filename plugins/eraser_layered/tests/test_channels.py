"""channels.largest: the largest channel per pixel."""

import numpy as np
import pytest

from eraser_layered.channels import largest


@pytest.mark.parametrize("shape", [(7, 5, 1), (7, 5, 3), (40, 4), (6, 5, 4)])
def test_largest_is_the_maximum_over_the_last_axis(shape):
    a = np.random.default_rng(2).normal(size=shape).astype(np.float32)
    got = largest(a)
    assert got.shape == shape[:-1] + (1,)
    assert np.array_equal(got, a.max(axis=-1, keepdims=True))
    assert not np.shares_memory(got, a)  # a new array: the caller's is left alone
