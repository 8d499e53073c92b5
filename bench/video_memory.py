"""eraser video's peak memory against the clip's length: the same pipeline
as bench/video.py's temporal run on generated 1080p clips of increasing length.

    nice -n 10 .venv/bin/python -m bench.video_memory [--seconds 10,30,60] [--size 1920x1080] [--folder DIR]

Each clip is generated frame by frame (eraser.testing.clips.stream, never
held whole; the camera and the helmet cross in 10 s and come back, so every
stretch of every clip is alike and only the length differs), then erased in a fresh process (``bench.video --child
temporal``: the flow tracker with GrabCut re-fits, the temporal fill with
Telea, a box prompt on frame 0), so each peak RSS is that run's alone. The
clip is deleted after its run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.common import machine_line

ROOT = Path(__file__).resolve().parent.parent
FPS = 30
BOUNCE = 10 * FPS  # frames: the camera and the helmet cross in 10 s, then come back


def _scene_args(size: tuple[int, int]) -> dict:
    width, height = size
    side = int(round(np.sqrt(0.05 * width * height / 0.62)))  # as bench/video.py: the helmet about 5 % of the frame
    return dict(object_side=side, pan=1.2, zoom=0.0006, path=((0.15, 0.55), (0.85, 0.45)))


def make_clip(folder: Path, frames: int, size: tuple[int, int]) -> None:
    from eraser.testing.clips import scene, stream, write_clip

    # back and forth through the 10 s scene: every stretch of every clip alike
    write_clip(folder / "clip.mp4", stream(frames, size, bounce=BOUNCE, **_scene_args(size)), fps=FPS, lossless=False)
    first = scene(1, size, **_scene_args(size))  # frame 0's object: where the path starts, whatever the length
    np.savez_compressed(folder / "truth.npz", masks=np.array(first.masks[:1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", default="10,30,60")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--make", nargs=3, metavar=("FOLDER", "FRAMES", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        return make_clip(Path(args.make[0]), int(args.make[1]), tuple(int(v) for v in args.make[2].split("x")))
    folder = args.folder or Path(tempfile.mkdtemp(prefix="eraser-video-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(machine_line(), f"load {os.getloadavg()[0]:.1f} at the start", flush=True)
    print(f"{'seconds':>7} {'frames':>6} {'make s':>7} {'wall s':>7} {'CPU s':>7} {'frames/CPU s':>12} {'peak MB':>8}", flush=True)
    for seconds in (int(v) for v in args.seconds.split(",")):
        frames = seconds * FPS
        import time

        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.video_memory", "--make", str(folder), str(frames), args.size],
                       check=True, cwd=ROOT)
        made = time.perf_counter() - t
        done = subprocess.run([sys.executable, "-m", "bench.video", "--child", "temporal", str(folder)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{seconds:7d} {row['frames']:6d} {made:7.1f} {row['wall']:7.1f} {row['cpu']:7.1f} "
              f"{row['frames'] / row['cpu']:12.1f} {row['rss_mb']:8.0f}", flush=True)
        for name in ("clip.mp4", "temporal.mp4"):
            (folder / name).unlink(missing_ok=True)
    print(f"load {os.getloadavg()[0]:.1f} at the end", flush=True)


if __name__ == "__main__":
    main()
