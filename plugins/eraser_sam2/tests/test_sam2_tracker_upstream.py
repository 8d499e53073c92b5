"""The ``sam2.1-tiny`` tracker against upstream's ``SAM2VideoPredictor``
(``sam2`` 1.1.0 in the reference environment named by $ERASER_SAM2_PYTHON;
see test_sam2_upstream.py for how to make it) on random weights, over a
short clip made from the project's photos: the same click (or the same mask)
on frame 0, propagated forwards, and the same mask on a frame in the middle,
propagated backwards (upstream's ``propagate_in_video(reverse=True)``);
per-frame IoU of the masks >= 0.95.

Random weights: the checkpoint is the image tests' tiny one (seed 1) with the
object-score head's last bias raised by ``SCORE_SHIFT`` so that the decoder
says "object present" on the tracked frames (with the draw as it is, the score
is negative on some frames and both sides give empty masks there, which
would prove nothing), and ``mask_gain`` chosen so that masks are neither
empty nor the whole frame. The test asserts both.
"""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")

from sam2_files import md5  # noqa: E402

from eraser.prompts import Prompt  # noqa: E402
from eraser.testing.clips import scene  # noqa: E402

PYTHON = os.environ.get("ERASER_SAM2_PYTHON", "")
REFERENCE = Path(__file__).with_name("sam2_video_reference.py")
CONFIG = "configs/sam2.1/sam2.1_hiera_t.yaml"
FRAMES = 8
SIZE = (160, 96)
BACKWARD_KEY = 5  # the backward test's key frame: frames 5 down to 0
SCORE_SHIFT = 4.0
MASK_GAIN = 1.0

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not PYTHON, reason="set ERASER_SAM2_PYTHON to the sam2 reference environment's python (see test_sam2_upstream.py)")]


@pytest.fixture(scope="module")
def tracked_model(tmp_path_factory):
    """A random tiny checkpoint whose decoder sees the object, and its torch-free install."""
    from eraser_sam2.random_weights import random_model, save_checkpoint

    from eraser import modelstore

    model = random_model("sam2.1-tiny", seed=1, mask_gain=MASK_GAIN)
    with torch.no_grad():
        model.sam_mask_decoder.pred_obj_score_head.layers[-1].bias.add_(SCORE_SHIFT)
    folder = tmp_path_factory.mktemp("sam2-track")
    checkpoint = folder / "sam2.1_hiera_tiny.pt"
    save_checkpoint(model, checkpoint)
    store = folder / "store"
    modelstore.install("sam2.1-tiny", root=store, from_file=checkpoint, md5=md5(checkpoint))
    return checkpoint, store


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The moving-helmet clip as JPEG frames (upstream reads a folder of JPEGs), and the frames as decoded."""
    folder = tmp_path_factory.mktemp("frames")
    made = scene(n=FRAMES, size=SIZE)
    frames = []
    for i, frame in enumerate(made.frames):
        Image.fromarray(frame).save(folder / f"{i:05d}.jpg", quality=95)
        frames.append(np.asarray(Image.open(folder / f"{i:05d}.jpg").convert("RGB")))
    return folder, frames, made.masks


def _reference(job: dict, tmp_path: Path) -> dict:
    path, out = tmp_path / "job.json", tmp_path / "ref.npz"
    path.write_text(json.dumps(job))
    result = subprocess.run([PYTHON, str(REFERENCE), str(path), str(out)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=1800)  # cwd elsewhere: sam2 refuses to run beside a folder named sam2
    assert result.returncode == 0, result.stderr[-3000:]
    ref = np.load(out)
    return {k: ref[k] for k in ref.files}


def _iou(a, b):
    union = (a | b).sum()
    return 1.0 if union == 0 else (a & b).sum() / union


def _compare(ours, ref, label, numbers=None):
    """``ours``: the masks of frames ``numbers`` (0, 1, ... unless given), in that order."""
    ious = []
    for i, mine in zip(range(len(ours)) if numbers is None else numbers, ours, strict=True):
        theirs = ref[f"logits_{i}"] > 0
        assert 0.005 < theirs.mean() < 0.995, (label, i, theirs.mean())  # a real mask, not all or nothing
        ious.append(_iou(np.asarray(mine) >= 0.5, theirs))
    print(label, "per-frame IoU", " ".join(f"{v:.4f}" for v in ious))
    assert min(ious) >= 0.95, (label, ious)


def test_a_click_tracked_like_sam2_video_predictor(tracked_model, clip, tmp_path, monkeypatch):
    from eraser_sam2.tracker import Sam2Tracker

    from eraser import modelstore

    checkpoint, store = tracked_model
    folder, frames, masks = clip
    ys, xs = np.nonzero(masks[0])
    click = (float(round(xs.mean())), float(round(ys.mean())))
    ref = _reference({"config": CONFIG, "checkpoint": str(checkpoint), "frames": str(folder),
                      "points": [list(click)], "labels": [1]}, tmp_path)
    monkeypatch.setenv(modelstore.ENV_DIR, str(store))
    tracker = Sam2Tracker(modelstore.require("sam2.1-tiny"), lost_after=None)
    ours = list(tracker.propagate(iter(frames), prompt=Prompt(points=(click,), labels=(1,)), num_frames=FRAMES))
    assert len(ours) == FRAMES
    _compare(ours, ref, "click")


def test_a_mask_tracked_like_sam2_video_predictor_through_the_hook(tracked_model, clip, tmp_path, monkeypatch):
    """The hook's path: the key frame's mask in, one mask per later frame out (upstream: ``add_new_mask``)."""
    from eraser import modelstore, registry

    checkpoint, store = tracked_model
    folder, frames, masks = clip
    np.save(tmp_path / "mask.npy", masks[0])
    ref = _reference({"config": CONFIG, "checkpoint": str(checkpoint), "frames": str(folder),
                      "mask": str(tmp_path / "mask.npy")}, tmp_path)
    monkeypatch.setenv(modelstore.ENV_DIR, str(store))
    tracker = registry.build(registry.choose("tracker", "sam2.1-tiny")).resolve()
    tracker.lost_after = None
    ours = list(tracker.propagate(iter(frames), mask=masks[0].astype(np.float32), num_frames=FRAMES))
    _compare(ours, ref, "mask")


def test_a_mask_tracked_backwards_like_sam2_video_predictor_in_reverse(tracked_model, clip, tmp_path, monkeypatch):
    """``eraser video --frame 5``: the frames before the key frame. Upstream prompts
    frame 5 of a fresh state and propagates with ``reverse=True`` (memory
    conditioned on frame 5, frames 4, 3, ... 0 in turn, each attending to the
    frames after it); eraser's hook hands its tracker the frames from the key
    frame down (eraser/video/track.py), which the tracker propagates as it
    does forwards."""
    from eraser import modelstore, registry

    checkpoint, store = tracked_model
    folder, frames, masks = clip
    key = BACKWARD_KEY
    np.save(tmp_path / "mask.npy", masks[key])
    ref = _reference({"config": CONFIG, "checkpoint": str(checkpoint), "frames": str(folder),
                      "mask": str(tmp_path / "mask.npy"), "frame": key, "reverse": True}, tmp_path)
    assert sorted(k for k in ref if k.startswith("logits_")) == [f"logits_{i}" for i in range(key + 1)]
    monkeypatch.setenv(modelstore.ENV_DIR, str(store))
    tracker = registry.build(registry.choose("tracker", "sam2.1-tiny")).resolve()
    tracker.lost_after = None
    backwards = [frames[i] for i in range(key, -1, -1)]
    ours = list(tracker.propagate(iter(backwards), mask=masks[key].astype(np.float32), num_frames=FRAMES))
    assert len(ours) == key + 1
    _compare(ours, ref, "mask, backwards", numbers=range(key, -1, -1))
