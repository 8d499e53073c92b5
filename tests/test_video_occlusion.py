"""The flow tracker through occlusions, on clips made from the project's
photos: the helmet passes behind a static post (partly hidden), behind a
cut-out of the coffee cup wider than itself (wholly hidden for some frames,
then out again), and behind and in front of a bigger cut-out of the same
helmet (the same colours: its look cannot tell them apart). The key frame's mask is the pasted one (what ``--mask``
gives), so the numbers are the tracker's, not the key frame segmenter's."""

import re

import cv2
import numpy as np
import pytest

pytest.importorskip("av")

import eraser  # noqa: E402
from eraser.testing.clips import psnr, read_frames, scene, write_clip  # noqa: E402
from eraser.video.clip import probe  # noqa: E402
from eraser.video.track import track  # noqa: E402

SIZE = (320, 192)


def post():
    return scene(n=24, size=SIZE, occluder=(0.45, 0.0, 0.52, 1.0))


def cup():
    """Wholly behind the cup on frames 14-20, slivers of it on 13 and 21-22."""
    return scene(n=36, size=SIZE, object_side=48, path=((0.1, 0.55), (0.9, 0.5)), cover=("coffee_cup", 150, 0.5, 0.5))


def twin():
    """Behind a bigger helmet (80 px against 48): wholly hidden on frames 16-19."""
    return scene(n=36, size=SIZE, object_side=48, path=((0.1, 0.55), (0.9, 0.5)),
                 cover=("astronaut_helmet", 80, 0.5, 0.5))


def twin_behind():
    """In front of a bigger helmet that is part of the scene (the camera's photo)."""
    return scene(n=36, size=SIZE, object_side=48, path=((0.1, 0.55), (0.9, 0.5)),
                 backdrop=("astronaut_helmet", 0.25, 0.5, 0.5))


def front(s):
    """Where the cut-out in front of a scene made with ``cover`` is, frame by frame."""
    bare = scene(n=len(s.frames), size=SIZE, object_side=48, path=((0.1, 0.55), (0.9, 0.5)))
    return [np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 30 for a, b in zip(s.backgrounds, bare.backgrounds)]


def tracked(s, folder, name):
    path = write_clip(folder / f"{name}.mp4", s.frames)
    found = track(probe(path), 0, s.masks[0].astype(np.float32), 0, len(s.frames) - 1)
    ious = []
    for i, truth in enumerate(s.masks):
        mask = found.masks[i].unpack()
        union = (mask | truth).sum()
        ious.append((mask & truth).sum() / union if union else 1.0)
    shares = [m.sum() / s.masks[0].sum() for m in s.masks]
    return found, np.array(ious), np.array(shares), path


def test_partly_hidden_object_is_followed_through(tmp_path):
    s = post()
    found, ious, shares, _ = tracked(s, tmp_path, "post")
    assert shares.min() < 0.65  # the post hides a good part of it on some frames
    assert not found.stops and not found.hidden, (found.stops, found.hidden)
    # measured: mean 0.95, min 0.83 (frame 10, half behind the post)
    assert ious.mean() >= 0.9 and ious.min() >= 0.75, np.round(ious, 2)


def test_wholly_hidden_object_is_said_hidden_and_found_again(tmp_path):
    s = cup()
    found, ious, shares, _ = tracked(s, tmp_path, "cup")
    gone = [i for i, share in enumerate(shares) if share == 0]
    assert len(gone) >= 5 and not found.stops, found.stops
    # every frame it is wholly behind the cup is reported hidden (nothing erased there) ...
    assert set(gone) <= set(found.hidden), (gone, found.hidden)
    # ... and no frame where a tenth of it or more shows
    shown = [i for i, share in enumerate(shares) if share >= 0.1]
    assert not set(shown) & set(found.hidden), (found.hidden, np.round(shares, 2))
    # found again within 2 frames of a tenth of it showing again (measured: the first such frame)
    back = min(i for i in shown if i > max(gone))
    assert min(i for i in range(back, len(s.frames)) if i not in found.hidden) <= back + 2, found.hidden
    # measured: mean 0.91 over the frames where a tenth of it or more shows (0.66-0.9 while coming out)
    assert ious[shown].mean() >= 0.9, np.round(ious, 2)
    assert ious[[i for i in shown if i > back + 4]].min() >= 0.85, np.round(ious, 2)


def test_behind_something_of_the_same_colours_the_track_goes_on_without_taking_it(tmp_path):
    """A helmet passes behind a bigger helmet. Where they touch, the re-fits
    no longer find the object alone (the segmenter takes a sliver: the
    object's colours are all around its box); the track used to stop there
    ("drifted") and the helmet stayed in the rest of the clip. Now the shape
    is carried by its motion; where part of it shows, that part is erased
    (told from the helmet in front by its look and its motion), where almost
    none does, nothing (the helmet in front is never taken), and the object
    is followed again once the segmenter finds its shape alone."""
    s = twin()
    found, ious, shares, _ = tracked(s, tmp_path, "twin")
    fronts = front(s)
    assert not found.stops, found.stops
    gone = [i for i, share in enumerate(shares) if share == 0]
    assert len(gone) >= 3 and set(gone) <= set(found.hidden), (gone, found.hidden)
    # the helmet in front is never taken: at most the tracked one's rim where they touch
    on_front = [int((found.masks[i].unpack() & f).sum()) for i, f in enumerate(fronts)]
    assert max(on_front) <= 0.1 * s.masks[0].sum(), on_front
    # followed again within 3 frames of its being wholly out (measured: frame 27, out on 25), then as before
    out = min(i for i in range(max(gone), len(shares)) if shares[i] >= 0.95)
    again = min(i for i in range(out, len(shares)) if i not in found.hidden)
    assert again <= out + 3, (out, found.hidden)
    assert ious[again:].min() >= 0.85, np.round(ious, 2)  # measured 0.92-0.95
    assert ious[:10].min() >= 0.85, np.round(ious, 2)  # before they touch, as before
    # partly behind it (a fifth to nine tenths in view: frames 11-14 and 21-25): the visible part
    # is erased (before this round nothing was); measured 0.84-0.91 going in, 0 (hidden) on 21 and
    # 0.72-0.84 on 22-25 coming out (its position carried through the hidden frames lags 1-2 px)
    going_in = [i for i in range(1, max(gone)) if 0.2 <= shares[i] < 0.9]
    coming_out = [i for i in range(max(gone), out) if 0.4 <= shares[i] < 0.95]
    assert len(going_in) >= 4 and len(coming_out) >= 3, (going_in, coming_out)
    assert ious[going_in].min() >= 0.75 and ious[going_in].mean() >= 0.82, np.round(ious, 2)
    assert ious[coming_out].min() >= 0.6 and ious[coming_out].mean() >= 0.72, np.round(ious, 2)


def test_behind_something_of_the_same_colours_backwards(tmp_path):
    """The same clip tracked backwards from its last frame (``--frame 35``):
    the helmet goes behind the bigger one from the other side, its look
    (its colours) matching the bigger one's dark shell. Before, that match
    was taken for its visible part: 580-740 px of the bigger helmet erased
    on each of frames 15-20, where the small one is wholly hidden."""
    s = twin()
    path = write_clip(tmp_path / "twin.mp4", s.frames)
    found = track(probe(path), 35, s.masks[35].astype(np.float32), 0, 35)
    shares = np.array([m.sum() / s.masks[0].sum() for m in s.masks])
    gone = [i for i, share in enumerate(shares) if share == 0]
    assert not found.stops and set(gone) <= set(found.hidden), (found.stops, found.hidden)
    on_front = {i: int((found.masks[i].unpack() & f).sum()) for i, f in enumerate(front(s))}
    # measured: at most 32 px on frames 11-22; 400 and 180 px on 23-24, where it first touches it
    # (two re-fits must disagree before the like thing is suspected: not met there)
    assert max(on_front[i] for i in range(11, 23)) <= 0.1 * s.masks[0].sum(), on_front
    ious = []
    for i in range(36):
        mask, truth = found.masks[i].unpack(), s.masks[i]
        ious.append((mask & truth).sum() / max((mask | truth).sum(), 1) if (mask | truth).any() else 1.0)
    assert min(ious[:13]) >= 0.75 and min(ious[25:]) >= 0.85, np.round(ious, 2)  # measured 0.76-0.98, 0.92-1.0


def test_in_front_of_something_of_the_same_colours_the_track_goes_on(tmp_path):
    """The same helmet passes in front of a bigger one: the re-fits take a
    sliver there too, but the object's own lightness pattern (highlights,
    shading) shows at the place its motion takes it, so it is erased on
    every frame (before: the track stopped at frame 11 as drifted)."""
    s = twin_behind()
    found, ious, shares, _ = tracked(s, tmp_path, "twin_behind")
    assert shares.min() >= 0.98  # nothing hides it (sub-pixel placement: 0.989-1.01)
    assert not found.stops and not found.hidden, (found.stops, found.hidden)
    assert ious.min() >= 0.85, np.round(ious, 2)  # measured 0.90-0.98


@pytest.mark.slow
def test_erasing_through_an_occlusion(tmp_path):
    """End to end: the helmet is taken away on both sides of the cup, the
    cup is left alone, and the notices say where the helmet was hidden."""
    s = cup()
    path = write_clip(tmp_path / "cup.mp4", s.frames)
    result = eraser.erase_video(path, tmp_path / "out.mp4", mask=s.masks[0], inpainter="telea", frame=0)
    spans = [re.search(r"hidden .* frames (\d+)-(\d+)", note) for note in result.notices]
    assert any(m and int(m[1]) <= 14 and int(m[2]) >= 20 for m in spans), result.notices
    out = read_frames(tmp_path / "out.mp4")
    for i in (5, 30):  # the helmet in full view: the background comes back (measured 31-33 dB against 9-11 in the input)
        assert psnr(out[i], s.backgrounds[i], s.masks[i]) > psnr(s.frames[i], s.backgrounds[i], s.masks[i]) + 10
    for i in range(14, 21):  # behind the cup: the cup is as it was
        assert psnr(out[i], s.frames[i], np.ones(s.masks[i].shape, bool)) > 35, i


@pytest.mark.slow
def test_erasing_the_part_in_view_beside_a_like_thing(tmp_path):
    """End to end through the codec: the helmet partly behind the bigger one
    is taken away where it shows (before: left whole on those frames), the
    bigger one is kept away from where they meet."""
    s = twin()
    path = write_clip(tmp_path / "twin.mp4", s.frames)
    eraser.erase_video(path, tmp_path / "out.mp4", mask=s.masks[0], inpainter="telea", frame=0)
    out, fronts = read_frames(tmp_path / "out.mp4"), front(s)
    bare = scene(n=36, size=SIZE, object_side=48, path=((0.1, 0.55), (0.9, 0.5)))
    # measured: 21.0-22.2 dB against 9.2-10.5 in the input on 11-14; 17.6, 21.8 against 9.9, 10.1 on 24-25
    for i, gain in ((11, 10), (12, 10), (13, 10), (14, 10), (24, 6), (25, 10)):
        before, after = psnr(s.frames[i], s.backgrounds[i], s.masks[i]), psnr(out[i], s.backgrounds[i], s.masks[i])
        assert after > before + gain, (i, before, after)
    for i in (11, 12, 13, 14, 23, 24, 25):  # the bigger helmet, 8 px or more away from the smaller: as it was
        near = cv2.dilate(bare.masks[i].astype(np.uint8), np.ones((17, 17), np.uint8)) > 0
        assert psnr(out[i], s.frames[i], fronts[i] & ~near) > 36, i  # measured 40.8-42.8


@pytest.mark.slow
def test_no_dark_bulge_where_the_helmet_comes_out_beside_a_like_thing(tmp_path):
    """Coming out from behind the bigger helmet, the tracker says the small
    one hidden on frames 20-21 though a quarter of it shows on 21. Before,
    that quarter was left on 21 (12.6 dB against the background there, 107
    px 40 grey levels or more too dark), and the frames after took it as
    background: their fill showed a dark bulge on the bigger helmet's right
    edge (frames 22-24: 75, 39, 15 such pixels, 15.2-19.9 dB). The last
    frame said hidden before the object is found again is now erased with
    the mask it is found with (Track.regained)."""
    s = twin()
    path = write_clip(tmp_path / "twin.mp4", s.frames)
    result = eraser.erase_video(path, tmp_path / "out.mp4", mask=s.masks[0], inpainter="telea", frame=0)
    assert any("hidden (nothing erased) in frames 16-20" in note for note in result.notices), result.notices
    out, fronts = read_frames(tmp_path / "out.mp4"), front(s)
    ring = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    for i in (21, 22, 23, 24):
        # the small helmet in view and 5 px around it, away from the bigger one: the background there
        region = (cv2.dilate(s.masks[i].astype(np.uint8), ring) > 0) & ~(
            cv2.dilate(fronts[i].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
        grey_out, grey_bg = (cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(int) for a in (out[i], s.backgrounds[i]))
        dark = int((region & (grey_out < grey_bg - 40)).sum())
        assert dark <= 3, (i, dark)  # measured 0 on each
        assert psnr(out[i], s.backgrounds[i], region) > 21, i  # measured 25.2, 23.9, 23.0, 23.6 dB
