"""The low-res logits to the photo's soft mask: the same as a straight
bilinear resize (half-pixel centres) clipped to [0, 1], whichever way it is
computed (one rectangle around a small object, tiles for a large one, the
valid part of a padded frame)."""

import cv2
import numpy as np
import pytest

from eraser_mobilesam.soft_mask import TILED_SHARE, upsample

yy, xx = np.mgrid[0:256, 0:256]
LOGITS = {
    # a large object with steep logits, as trained decoders give: most tiles full or empty
    "large steep": (40 * (1 - np.hypot(xx - 120, (yy - 140) * 1.3) / 90)).astype(np.float32),
    # a large object whose logits stay between 0 and 1 (random weights): every tile on the edge
    "large soft": (0.3 * np.sin(xx / 9.0) * np.cos(yy / 13.0) + 0.2).astype(np.float32),
    "small steep": (5 * (8 - np.hypot(xx - 30, yy - 200))).astype(np.float32),
    "a line at the edge": np.where(xx == 255, 3.0, -3.0).astype(np.float32),
    "empty": np.full((256, 256), -2.0, np.float32),
}


def straight(logits, height, width, valid=(256, 256)):
    """Bilinear over the valid part only (what the photo covers), clipped."""
    vh, vw = valid
    # sample the low-res plane at (x + 0.5) * vw / width - 0.5 directly
    u = (np.arange(width) + 0.5) * vw / width - 0.5
    v = (np.arange(height) + 0.5) * vh / height - 0.5
    mx, my = np.meshgrid(u, v)
    return np.clip(cv2.remap(logits, mx.astype(np.float32), my.astype(np.float32), cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REPLICATE), 0, 1)


@pytest.mark.parametrize("name", sorted(LOGITS))
@pytest.mark.parametrize("height, width, valid", [(1500, 2000, (256, 256)), (683, 1024, (170.75, 256)),
                                                  (301, 199, (256, 169.25))])
def test_equals_a_straight_bilinear_resize(name, height, width, valid):
    logits = LOGITS[name]
    ours = upsample(logits, height, width, valid)
    want = straight(logits, height, width, valid)
    assert ours.dtype == np.float32 and ours.shape == (height, width)
    # OpenCV places samples to 1/32 pixel: a few 1e-5 off
    assert np.abs(ours - want).max() < 1e-4


def test_a_large_object_is_filled_tile_by_tile_exactly():
    logits = LOGITS["large steep"]
    ours = upsample(logits, 1500, 2000)
    inside = straight(logits, 1500, 2000) == 1.0
    assert inside.mean() > TILED_SHARE  # the tiled path ran
    assert (ours[inside] == 1.0).all() and (ours[straight(logits, 1500, 2000) == 0.0] == 0.0).all()
