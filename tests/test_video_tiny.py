"""Clips smaller than optical flow's patches: DIS refused a frame under 12 px
on a side with a raw OpenCV error, and crashed the process (a segmentation
fault, no message) on a 64x8 clip. They are padded now: the command works.
Each run is a process of its own, as a user meets it (a crash must show as
one, not take the tests down)."""

import subprocess
import sys

import numpy as np
import pytest

av = pytest.importorskip("av")

from eraser.testing.clips import write_clip  # noqa: E402
from eraser.video.clip import probe  # noqa: E402

ERASER = [sys.executable, "-m", "eraser.cli"]


# a process each (about two seconds): the crash (64x8) stays in the quick loop, the other sizes run in CI
@pytest.mark.parametrize("width, height, count", [pytest.param(8, 8, 5, marks=pytest.mark.slow), (64, 8, 5),
                                                  pytest.param(2, 2, 3, marks=pytest.mark.slow),
                                                  pytest.param(8, 8, 1, marks=pytest.mark.slow)])
def test_a_tiny_clip_is_erased(tmp_path, width, height, count):
    frames = np.full((count, height, width, 3), 40, np.uint8)
    frames[:, height // 4:max(height // 4 + 1, 3 * height // 4), width // 4:max(width // 4 + 1, 3 * width // 4)] = 200
    clip = write_clip(tmp_path / "clip.mp4", list(frames), audio=False)
    out = tmp_path / "out.mp4"
    done = subprocess.run(ERASER + ["video", str(clip), "--point", f"{width // 2},{height // 2}", "-o", str(out),
                                    "--inpainter", "telea"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "OpenCV" not in done.stderr, done.stderr
    assert probe(out).frames == count and (probe(out).width, probe(out).height) == (width, height)
