"""The fill's time against Telea's on the two jobs of issue 24, in one run.

* ``12mp``: ``peer.py``'s job, a 4000x3000 photo (a sample cropped, upscaled,
  grained) with an ellipse covering 5 % of the frame;
* ``watermark``: a 1155x866 photo with a watermark-like mask, a line of
  glyphs (cv2's Hershey font, thick strokes) in many separate pieces covering
  about 6 % of the frame, as issue 24 describes (38 pieces).

Each inpainter erases each job ``--runs`` times in this process (the mask
refined with the default widening and feather, the pipeline's crop, working
size and composite, no file I/O); the median seconds and the ratio to
Telea's median in the same run are printed, in wall and in CPU time (user +
system of this process, the figure least disturbed by other load; OpenCV's
threads count in it). Each inpainter runs once before the timed runs
(imports, plugin loading). Ratios from one run are the figures to quote on a
shared machine.

    .venv/bin/python -m bench.fill_speed [--runs 3] [--inpainters telea layered patchmatch]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench.common import ROOT
from bench.peer import make_job
from eraser import pipeline
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
from eraser.refine import refine


def twelve_mp() -> tuple[np.ndarray, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        photo, mask, _ = make_job(Path(tmp), "coffee_spoon", 0.05)
        image = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
        hole = cv2.imread(str(mask), cv2.IMREAD_GRAYSCALE) >= 128
    return image, hole


def watermark(text: str = "SAMPLE (c) ERASER 2026", width: int = 1155, height: int = 866) -> tuple[np.ndarray, np.ndarray]:
    src = next((ROOT / "samples" / "astronaut_helmet").glob("photo.*"))
    image = cv2.resize(cv2.cvtColor(cv2.imread(str(src)), cv2.COLOR_BGR2RGB), (width, height), interpolation=cv2.INTER_CUBIC)
    mask = np.zeros((height, width), np.uint8)
    for row in range(2):  # two lines of glyphs across the middle
        cv2.putText(mask, text, (40, 380 + 170 * row), cv2.FONT_HERSHEY_SIMPLEX, 3.0, 255, 9, cv2.LINE_8)
    return image, mask > 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--inpainters", nargs="+", default=["telea", "layered", "patchmatch"])
    args = ap.parse_args(argv)
    for job, (image, selection) in (("12mp", twelve_mp()), ("watermark", watermark())):
        refined = refine(selection.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
        pieces = cv2.connectedComponents(selection.astype(np.uint8))[0] - 1
        print(f"{job}: {image.shape[1]}x{image.shape[0]}, mask {selection.mean():.1%} of the frame, {pieces} pieces")
        times = {name: [] for name in args.inpainters}
        cpu = {name: [] for name in args.inpainters}
        for name in args.inpainters:  # once each first: imports, plugin loading, caches
            pipeline.erase(image, refined, inpainter=name)
        for _ in range(args.runs):  # alternate, so a burst of load hits every backend alike
            for name in args.inpainters:
                start, start_cpu = time.perf_counter(), time.process_time()
                pipeline.erase(image, refined, inpainter=name)
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
        base = statistics.median(times[args.inpainters[0]])
        base_cpu = statistics.median(cpu[args.inpainters[0]])
        for name in args.inpainters:
            med, med_cpu = statistics.median(times[name]), statistics.median(cpu[name])
            print(f"  {name:12s} {med:7.2f} s  {med / base:5.1f}x {args.inpainters[0]}   "
                  f"CPU {med_cpu:6.2f} s  {med_cpu / base_cpu:5.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
