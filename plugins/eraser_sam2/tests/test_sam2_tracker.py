"""The ``sam2.1-*`` trackers' parts: the numpy steps against torch's own
operations, the memory bank's bounds and order, and the tracker contract and
the CLI on the random tiny install (slow: SAM 2.1 at 1024 per frame)."""

import numpy as np
import pytest

from eraser.testing import TrackerContract

torch = pytest.importorskip("torch")
F = torch.nn.functional


def test_sine_map_encoding_is_the_necks():
    from eraser_sam2.neck import PositionEmbeddingSine
    from eraser_sam2.video_ops import sine_map_encoding

    for channels in (256, 64):
        theirs = PositionEmbeddingSine(channels)(torch.zeros(1, channels, 64, 64)).numpy()
        np.testing.assert_allclose(sine_map_encoding(channels), theirs, atol=1e-5)


def test_time_encoding_is_the_1d_sine_encoding():
    from eraser_sam2.video_ops import time_encoding

    offsets = torch.tensor([3.0, 1.0, 2.0, 0.5]) / 15
    dim_t = 10000 ** (2 * (torch.arange(128, dtype=torch.float32) // 2) / 128)
    angles = offsets[:, None] / dim_t
    theirs = torch.cat([angles.sin(), angles.cos()], dim=-1).numpy()
    np.testing.assert_allclose(time_encoding(offsets.numpy()), theirs, atol=1e-6)


@pytest.mark.parametrize("size", [(96, 160), (256, 256), (1024, 1024), (40, 300)])
def test_resizes_are_torchs(size):
    from eraser_sam2.video_ops import bilinear, bilinear_antialiased

    rng = np.random.default_rng(0)
    for source in ((256, 256), (96, 160), (1024, 1024)):
        x = (rng.standard_normal(source) * 10).astype(np.float32)
        plain = F.interpolate(torch.from_numpy(x)[None, None], size=size, mode="bilinear", align_corners=False)
        np.testing.assert_allclose(bilinear(x, *size), plain[0, 0].numpy(), atol=1e-3)
        smooth = F.interpolate(torch.from_numpy(x)[None, None], size=size, mode="bilinear", align_corners=False,
                               antialias=True)
        np.testing.assert_allclose(bilinear_antialiased(x, *size), smooth[0, 0].numpy(), atol=1e-3)


def test_bfloat16_rounding_is_torchs():
    from eraser_sam2.video_ops import to_bfloat16

    x = (np.random.default_rng(1).standard_normal(10000) * 100).astype(np.float32)
    theirs = torch.from_numpy(x).to(torch.bfloat16).float().numpy()
    assert np.array_equal(to_bfloat16(x), theirs)


def test_small_holes_are_filled_and_large_ones_kept():
    from eraser_sam2.video_ops import HOLE_SCORE, fill_holes

    logits = np.full((32, 32), 5.0, np.float32)
    logits[4:6, 4:8] = -3  # 8 pixels: filled
    logits[20:23, 20:23] = -3  # 9 pixels: kept
    logits[:, 28:] = -3  # the background: kept
    out = fill_holes(logits)
    assert (out[4:6, 4:8] == np.float32(HOLE_SCORE)).all()
    assert (out[20:23, 20:23] == -3).all() and (out[:, 28:] == -3).all()
    assert (logits[4:6, 4:8] == -3).all()  # the input untouched


def test_memory_bank_is_bounded_and_in_upstreams_order():
    from eraser_sam2.memory_bank import MAX_OBJ_PTRS, NUM_MASKMEM, Memory, MemoryBank

    tpos = np.arange(NUM_MASKMEM, dtype=np.float32)[:, None, None, None] * np.ones((1, 1, 1, 64), np.float32)
    seen = []

    def project(encoding):
        seen.append(encoding.shape[0])
        return np.zeros((encoding.shape[0], 64), np.float32)

    bank = MemoryBank(tpos, np.zeros((1, 64, 64, 64), np.float32), project)
    for number in range(40):
        bank.add(number, Memory(np.full((1, 64, 64, 64), number, np.float32), np.full((1, 256), number, np.float32)))
    inputs = bank.inputs(40)
    maps = inputs["memoryMaps"][0].reshape(NUM_MASKMEM, 4096, 64)[:, 0, 0]
    assert list(maps) == [0, 34, 35, 36, 37, 38, 39]  # the key frame, then the 6 previous frames, oldest first
    slots = inputs["memoryMapsPositionalEncoding"][0].reshape(NUM_MASKMEM, 4096, 64)[:, 0, 0]
    assert list(slots) == [6, 5, 4, 3, 2, 1, 0]  # maskmem_tpos_enc[num_maskmem - slot - 1]
    pointers = inputs["objectPointers"][0].reshape(-1, 4, 64)[:, 0, 0]
    assert list(pointers) == [0] + list(range(39, 39 - (MAX_OBJ_PTRS - 1), -1))  # key, then nearest first
    assert seen[-1] == MAX_OBJ_PTRS
    kept_maps = sum(m.features is not None for _, m in bank.recent)
    assert len(bank.recent) == MAX_OBJ_PTRS - 1 and kept_maps == NUM_MASKMEM - 1


@pytest.mark.slow
@pytest.mark.usefixtures("with_tiny")
class TestSam2Tracker(TrackerContract):
    """The contract on the random tiny install. Random weights do not follow
    an object, so the three tests of tracking quality cannot be met here."""

    tracker = "sam2.1-tiny"

    def test_follows_a_sliding_square(self):
        pytest.skip("random weights do not track; no real SAM 2.1 weights here")

    def test_says_where_the_object_left_the_view(self):
        pytest.skip("random weights do not track; no real SAM 2.1 weights here")

    def test_says_where_the_object_is_hidden(self):
        pytest.skip("random weights do not track; no real SAM 2.1 weights here")


@pytest.mark.slow
def test_eraser_video_with_the_sam2_tracker(with_tiny, tmp_path, eraser_cli):
    pytest.importorskip("av")
    from eraser.testing.clips import read_frames, scene, write_clip

    made = scene(n=5, size=(96, 64))
    clip = write_clip(tmp_path / "clip.mp4", made.frames, audio=False)
    ys, xs = np.nonzero(made.masks[0])
    out, masks = tmp_path / "out.mp4", tmp_path / "masks.mp4"
    code, stdout, err = eraser_cli("video", clip, "--point", f"{int(xs.mean())},{int(ys.mean())}", "--tracker",
                                   "sam2.1-tiny", "--fill", "frames", "--save-mask", masks, "-o", out)
    assert code == 0, err
    assert "sam2.1-tiny" in stdout + err
    assert len(read_frames(out)) == 5 and len(read_frames(masks)) == 5
