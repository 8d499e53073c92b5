"""The sam2.1-tiny tracker (ONNX Runtime, no torch): frames/s, each graph's share, memory.

    .venv/bin/python -m bench.sam2_tracker [--frames 8] [--size 160x96] [--keep DIR] [--json OUT]

Installs a random SAM 2.1 tiny checkpoint the torch-free way, makes a clip
from the project's photos (eraser.testing.clips.scene, the helmet moving over
the rocket), clicks the helmet on frame 0 and propagates forwards. Reports
the install time, the tracker's opening time, frames/s of the propagation,
each graph's share of it (every frame costs the image encoder at 1024 and,
after the key frame, the memory attention over up to 7 frames' 4096 tokens),
and the peak RSS. With $ERASER_SAM2_PYTHON (the reference environment, see
plugins/eraser_sam2/tests/test_sam2_upstream.py) it also times upstream's
``SAM2VideoPredictor`` (torch, CPU) on the same frames and click, in the
same run. Random weights: the speed is the real model's, the masks are not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.common import machine_line, vm_hwm_kb

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "plugins" / "eraser_sam2" / "tests" / "sam2_video_reference.py"


class Timed:
    """A model runner that adds its time to ``totals[name]``."""

    def __init__(self, runner, name: str, totals: dict) -> None:
        self.runner, self.name, self.totals = runner, name, totals

    def run(self, inputs):
        started = time.perf_counter()
        try:
            return self.runner.run(inputs)
        finally:
            self.totals[self.name] += time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--size", default="160x96")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-sam2-tracker-"))
    folder.mkdir(parents=True, exist_ok=True)

    import hashlib

    from PIL import Image

    from eraser import modelstore
    from eraser.prompts import Prompt
    from eraser.testing.clips import scene
    from eraser_sam2.random_weights import random_model, save_checkpoint
    from eraser_sam2.tracker import Sam2Tracker

    checkpoint = folder / "sam2.1_hiera_tiny.pt"
    save_checkpoint(random_model("sam2.1-tiny", seed=1), checkpoint)
    started = time.perf_counter()
    store = folder / "store"
    modelstore.install("sam2.1-tiny", root=store, from_file=checkpoint,
                       md5=hashlib.md5(checkpoint.read_bytes()).hexdigest())
    install_s = time.perf_counter() - started

    made = scene(n=args.frames, size=(width, height))
    frames_dir = folder / "frames"
    frames_dir.mkdir(exist_ok=True)
    frames = []
    for i, frame in enumerate(made.frames):
        Image.fromarray(frame).save(frames_dir / f"{i:05d}.jpg", quality=95)
        frames.append(np.asarray(Image.open(frames_dir / f"{i:05d}.jpg").convert("RGB")))
    ys, xs = np.nonzero(made.masks[0])
    click = (float(round(xs.mean())), float(round(ys.mean())))

    os.environ[modelstore.ENV_DIR] = str(store)
    started = time.perf_counter()
    tracker = Sam2Tracker(modelstore.require("sam2.1-tiny"), lost_after=None)
    open_s = time.perf_counter() - started
    totals: dict[str, float] = defaultdict(float)
    for attr in ("encoder", "prompt_encoder", "decoder", "memory_encoder", "memory_attention", "heads"):
        setattr(tracker, attr, Timed(getattr(tracker, attr), attr, totals))
    started = time.perf_counter()
    masks = list(tracker.propagate(iter(frames), prompt=Prompt(points=(click,), labels=(1,)), num_frames=len(frames)))
    track_s = time.perf_counter() - started
    result = {
        "machine": machine_line(), "load": os.getloadavg(), "frames": len(frames), "size": args.size,
        "install_s": round(install_s, 2), "open_s": round(open_s, 2), "track_s": round(track_s, 2),
        "frames_per_s": round(len(frames) / track_s, 3),
        "shares": {k: round(v / track_s, 3) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])},
        "peak_rss_mb": round((vm_hwm_kb() or 0) / 1024),
        "mask_share": [round(float(np.mean(m)), 3) for m in masks],
    }
    python = os.environ.get("ERASER_SAM2_PYTHON")
    if python:
        job = folder / "job.json"
        job.write_text(json.dumps({"config": "configs/sam2.1/sam2.1_hiera_t.yaml", "checkpoint": str(checkpoint),
                                   "frames": str(frames_dir), "points": [list(click)], "labels": [1]}))
        done = subprocess.run([python, str(REFERENCE), str(job), str(folder / "ref.npz")], cwd=folder,
                              capture_output=True, text=True)
        if done.returncode == 0:
            upstream_s = float(np.load(folder / "ref.npz")["seconds"])
            result["upstream_torch_s"] = round(upstream_s, 2)
            result["upstream_over_eraser"] = round(upstream_s / track_s, 2)
        else:
            result["upstream_error"] = done.stderr.strip().splitlines()[-1:]
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
