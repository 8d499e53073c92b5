"""The temporal fill's seam correction (eraser.video.seams), on a clip made
from the project's photos whose camera gain swings as automatic exposure
does: each source frame comes in a shade of its own."""

import cv2
import numpy as np
import pytest

from eraser.testing.clips import psnr, scene
from eraser.video import temporal


def telea(image, hole):
    return cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)


def fill(s, holes, monkeypatch, seams):
    monkeypatch.setattr(temporal, "SEAMS", seams)
    return temporal.fill_window(s.frames, holes, telea)


def scores(s, holes, out):
    return np.array([psnr(o, b, h) for o, b, h in zip(out, s.backgrounds, holes)])


@pytest.mark.parametrize("exposure", [0.12, 0.0])
def test_seams_follow_the_frames_light(monkeypatch, exposure):
    """With the gain swinging, the corrected fill is nearer the known
    background inside the hole; with a steady gain it changes nothing much."""
    s = scene(n=30, size=(240, 144), object_side=40, exposure=exposure)
    holes = [cv2.dilate(m.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0 for m in s.masks]
    raw, blended = (scores(s, holes, fill(s, holes, monkeypatch, seams)) for seams in (False, True))
    if exposure:  # measured: 36.4 dB against 35.6 dB
        assert blended.mean() > raw.mean() + 0.4, (raw.mean(), blended.mean())
    else:  # measured: 37.97 dB both
        assert abs(blended.mean() - raw.mean()) < 0.3, (raw.mean(), blended.mean())


def test_offsets_match_a_shifted_source_to_the_frame():
    """A hole filled from one frame 10 levels darker than the frame: the
    offset is the difference, read off the hole's ring."""
    from eraser.video.seams import offsets

    rng = np.random.default_rng(3)
    frame = np.clip(rng.normal(120, 4, (40, 40, 3)), 0, 255).astype(np.uint8)
    hole = np.zeros((40, 40), bool)
    hole[10:30, 10:30] = True
    ys, xs = np.nonzero(hole)
    source = np.full(xs.size, 1, np.int32), xs, ys, np.full(xs.size, -1, np.int32), xs, ys
    colours = frame[ys, xs].astype(np.float32) - 10
    first, second = offsets(frame, xs, ys, hole[10:30, 10:30], (10, 10), source, colours, np.zeros_like(colours))
    assert np.allclose(first, 10 - 1.5, atol=1.0), first.mean(axis=0)  # less the dead zone
    assert not second.any()
