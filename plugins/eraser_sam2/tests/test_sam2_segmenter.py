"""The SAM 2.1 segmenter's pre- and post-processing (no torch) and, with the
tiny install, its cache and the registry."""

import numpy as np
import pytest

from eraser.prompts import Prompt
from eraser_sam2.segmenter import FEATURE_SIZE, pick_mask, preprocess, prompt_arrays, stability, upsample


def test_prompts_box_first_then_points_then_padding():
    prompt = Prompt(points=((100.0, 50.0), (10.0, 20.0)), labels=(1, 0), box=(0.0, 0.0, 200.0, 100.0))
    points, labels = prompt_arrays(prompt, height=100, width=200)
    # each axis scaled to 1024 on its own: SAM 2 squashes the photo
    assert np.allclose(points, [[[0.0, 0.0], [1024.0, 1024.0], [512.0, 512.0], [51.2, 204.8], [0.0, 0.0]]])
    assert labels.tolist() == [[2.0, 3.0, 1.0, 0.0, -1.0]]


def test_preprocess_squashes_to_1024_and_normalises():
    image = np.zeros((50, 300, 3), np.uint8)
    image[..., 0] = 255
    out = preprocess(image)
    assert out.shape == (1, 3, 1024, 1024) and out.dtype == np.float32
    assert np.allclose(out[0, 0], (1 - 0.485) / 0.229, atol=1e-5)
    assert np.allclose(out[0, 1], -0.456 / 0.224, atol=1e-5)


def test_one_click_takes_the_best_multimask_output():
    masks = np.stack([np.full((256, 256), float(i)) for i in range(4)])[None]
    iou = np.array([[0.9, 0.1, 0.8, 0.3]])
    assert pick_mask(masks, iou, Prompt(points=((1.0, 1.0),), labels=(1,)))[0, 0] == 2.0


def test_an_unstable_single_mask_falls_back_to_the_best_multimask_output():
    stable = np.where(np.arange(256)[None, :] < 100, 5.0, -5.0) * np.ones((256, 1))
    unstable = np.where(np.arange(256)[None, :] < 100, 0.01, -0.01) * np.ones((256, 1))
    iou = np.array([[0.9, 0.1, 0.2, 0.7]])
    two_clicks = Prompt(points=((1.0, 1.0), (2.0, 2.0)), labels=(1, 0))
    marker = np.full((256, 256), 7.0)
    assert stability(stable) == 1.0 and stability(unstable) == 0.0
    assert pick_mask(np.stack([stable, marker, marker, marker * 2])[None], iou, two_clicks) is not None
    assert np.array_equal(pick_mask(np.stack([stable, marker, marker, marker])[None], iou, two_clicks), stable)
    assert pick_mask(np.stack([unstable, marker, marker, marker * 2])[None], iou, two_clicks)[0, 0] == 14.0


def test_upsample_is_bilinear_at_half_pixel_centres():
    """Against a direct bilinear resize (torch's align_corners=False) of logit + 0.5, clipped."""
    import cv2

    rng = np.random.default_rng(0)
    low = rng.normal(size=(256, 256)).astype(np.float32)
    low[:, :40] = -3  # a region the crop leaves out
    for height, width in ((683, 1024), (300, 200)):
        want = np.clip(cv2.resize(low + 0.5, (width, height), interpolation=cv2.INTER_LINEAR), 0, 1)
        # OpenCV's warp places samples to 1/32 pixel: a few 1e-5 off a straight resize
        assert np.abs(upsample(low, height, width) - want).max() < 1e-4
    assert not upsample(np.full((256, 256), -1.0, np.float32), 10, 10).any()


def test_one_cache_entry_holds_what_a_click_reads_of_the_photo():
    # the image tokens, the first block's keys, values and queries, the two skips
    assert FEATURE_SIZE == 4096 * 256 + 3 * 8 * 4096 * 16 + 65536 * 32 + 16384 * 64


@pytest.mark.slow
def test_second_click_reuses_the_features(with_tiny, monkeypatch):
    from eraser_sam2.segmenter import InstalledSegmenter

    segmenter = InstalledSegmenter("sam2.1-tiny").resolve()
    calls = []
    run = segmenter.encoder.run
    monkeypatch.setattr(segmenter.encoder, "run", lambda feed: calls.append(1) or run(feed))
    image = np.random.default_rng(1).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    first = segmenter.segment(image, Prompt(points=((80.0, 60.0),), labels=(1,)))
    second = segmenter.segment(image, Prompt(points=((20.0, 30.0),), labels=(1,)))
    assert len(calls) == 1 and first.shape == second.shape == (120, 160)
    assert segmenter.cache_prefix.startswith("sam2.1-tiny-")


def test_auto_prefers_mobilesam_then_sam21_by_speed():
    from eraser import registry

    specs = registry.backends("segmenter")
    # the order of registry.candidates: by priority, then name, best first
    order = sorted((n for n in specs if n.startswith(("sam", "mobile"))), key=lambda n: (specs[n].priority, n),
                   reverse=True)
    assert order[:2] == ["mobile-sam", "sam2.1-tiny"]
    assert order.index("sam2.1-small") < order.index("sam2.1-base-plus") < order.index("sam-vit-b")
    assert order.index("sam-vit-b") < order.index("sam2.1-large") < order.index("sam-vit-l")
    assert all("everything" in specs[n].capabilities for n in order)


@pytest.mark.parametrize("name", ["sam2.1-tiny", "sam2.1-large"])
def test_not_installed_says_how(name, tmp_path, eraser_cli):
    photo = tmp_path / "p.png"
    from PIL import Image

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(photo)
    code, _, err = eraser_cli("segment", photo, "--point", "4,4", "--segmenter", name, "-o", tmp_path / "m.png")
    assert code == 2 and f"eraser models install {name}" in err and len(err.strip().splitlines()) == 1
