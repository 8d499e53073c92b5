"""The flow tracker on an object that turns or changes its shape in the open
(nothing in front of it): the helmet's cut-out turning about its centre, or
stretched wide and tall in turn, as it crosses the launch pad while the
camera pans and zooms (``scene(spin=, squash=)``). Its look (the colours at
their places) no longer matches the key frame's, which is also what an
occlusion does: such an object used to be taken for partly hidden, then
hidden (nothing erased), and the track ended with "the object left the view
while hidden" in the middle of the frame. It must be followed, or the track
must stop saying it drifted, never skip frames as hidden."""

import re

import numpy as np
import pytest

pytest.importorskip("av")
pytestmark = pytest.mark.slow  # three clips tracked: about a minute on 2 busy cores

from eraser.testing.clips import scene, write_clip  # noqa: E402
from eraser.video.clip import probe  # noqa: E402
from eraser.video.track import track  # noqa: E402

SIZE = (320, 192)


def tracked(folder, name, n=48, **form):
    s = scene(n=n, size=SIZE, object_side=64, path=((0.15, 0.55), (0.85, 0.45)), **form)
    path = write_clip(folder / f"{name}.mp4", s.frames)
    found = track(probe(path), 0, s.masks[0].astype(np.float32), 0, n - 1)
    ious = []
    for i in sorted(found.masks):
        mask, truth = found.masks[i].unpack(), s.masks[i]
        ious.append((mask & truth).sum() / max((mask | truth).sum(), 1))
    return found, np.array(ious)


def test_a_turning_object_is_followed(tmp_path):
    """A whole turn over the clip (8 degrees a frame). Before: partly hidden
    from frame 10 (IoU falling to 0.11), hidden on 21-27, then "left the
    view while hidden" at 28."""
    found, ious = tracked(tmp_path, "spin", spin=8.0)
    assert not found.stops and not found.hidden, (found.stops, found.hidden)
    assert len(ious) == 48
    # measured: mean 0.90, min 0.71 (frame 20: a re-fit took part of the tower behind it)
    assert ious.mean() >= 0.88 and ious.min() >= 0.6, np.round(ious, 2)


def test_an_object_changing_its_shape_is_followed(tmp_path):
    """Stretched by up to 25 % wide, then tall. Before: taken for partly
    hidden while tall, only the part of it matching its old look erased
    (IoU 0.46-0.7 on frames 12-24 and 37-47), the white rim left."""
    found, ious = tracked(tmp_path, "squash", squash=0.25)
    assert not found.stops and not found.hidden, (found.stops, found.hidden)
    # measured: mean 0.93, min 0.78
    assert ious.mean() >= 0.9 and ious.min() >= 0.7, np.round(ious, 2)


def test_an_object_turning_too_fast_stops_as_drifted_not_hidden(tmp_path):
    """15 degrees a frame outruns the re-fits; before, it was skipped as
    hidden on frames 13-22 and the track ended "left the view while hidden"
    in the middle of the frame. Now it stops where its look is lost and says
    why. Measured: stopped at 13; frame 11 said hidden (its colours matched
    there but not its distinct pixels nor its motion: what a like thing in
    front does too)."""
    found, _ = tracked(tmp_path, "fast", n=24, spin=15.0)
    assert len(found.stops) == 1 and "drifted" in found.stops[0] and "turned" in found.stops[0], found.stops
    stop = int(re.search(r"frame (\d+)", found.stops[0])[1])
    assert stop <= 16 and all(stop - 3 <= i < stop for i in found.hidden), (stop, found.hidden)


def test_a_slowly_turning_object_beside_a_white_thing_is_followed(tmp_path):
    """3 degrees a frame: a re-fit takes a piece of the white rocket beside
    the helmet (IoU 0.71 on frame 26), its mean colour moves more than 40
    from the key frame's, and the track used to stop there ("drifted (its
    colour changed)", frame 27). Such a re-fit is now passed over where the
    moved mask's colour is still the object's."""
    found, ious = tracked(tmp_path, "slow", spin=3.0)
    assert not found.stops and not found.hidden, (found.stops, found.hidden)
    assert len(ious) == 48
    # measured: mean 0.92, min 0.70 (frames 26-29: the piece taken on 26 carried until a re-fit matched again)
    assert ious.mean() >= 0.88 and ious.min() >= 0.6, np.round(ious, 2)
