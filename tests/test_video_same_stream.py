"""The same frames encode to the same stream: a clip erased twice (by
`eraser batch` and by `eraser video`, or twice in one process) must decode to
the same frames. With x264's mbtree on, this machine's libx264 (PyAV 18.1.0
and 18.1.1 wheels, AVX-512 code) wrote 2-9 different streams in 16-30
encodes of identical frames, decoded up to 20 grey levels apart."""

import hashlib
import io

import numpy as np
import pytest

av = pytest.importorskip("av")

from eraser.testing.clips import scene, write_clip  # noqa: E402
from eraser.video.clip import probe  # noqa: E402
from eraser.video.writer import Writer  # noqa: E402

ENCODES = 16


def test_the_same_frames_encode_to_the_same_stream(tmp_path):
    s = scene(n=12, size=(160, 96))
    clip = probe(write_clip(tmp_path / "in.mp4", s.frames, audio=False))
    streams = set()
    for run in range(ENCODES):
        # Freed memory of another size between encodes: what a batch leaves
        # behind before its clip (an encoder that reads memory it never
        # wrote gives a different stream).
        churn = [np.full((700 + 37 * run, 512), run, np.uint8) for _ in range(4)]
        del churn
        out = io.BytesIO()
        writer = Writer(out, clip, "mp4", copy=False)
        assert writer.encoder == "libx264"
        for n, rgb in enumerate(s.frames):
            writer.write(rgb, clip.pts[n])
        writer.close()
        streams.add(hashlib.sha256(out.getvalue()).hexdigest())
    assert len(streams) == 1, f"{len(streams)} different streams from {ENCODES} encodes of the same frames"
