"""The classical point segmenter against an earlier commit's: the same masks
bit for bit, and the time of a click, old and new alternating in one process.

The earlier commit's ``plugins/eraser_classic`` is taken out of git (``git
archive``) under another package name, so both run side by side on the same
photos and clicks, under the same load. Masks: the samples at their size and
the coffee spoon at 1200x800 and 4000x3000, each with the page bench's five
clicks (bench/serve_browser.py) and seeded random prompts (a click anywhere,
on the edge, near the middle, two clicks, a click and a keep-this click, a
box with or without a click). Time: the page bench's five clicks in turn,
p50/p95 of wall and CPU time per click, with the load average.

    python -m bench.classic_same_masks [--against main] [--random 20] [--clicks 40] [--json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import ROOT, SAMPLES, SPOON
from eraser.fallback import frozen
from eraser.prompts import Prompt

SPOTS = [(0.61, 0.71), (0.64, 0.56), (0.2, 0.75), (0.5, 0.37), (0.83, 0.25)]  # bench/serve_browser.py's
SIZES = [(1200, 800), (4000, 3000)]
OLD_NAME = "eraser_classic_before"


def earlier_package(ref: str, folder: Path):
    """``ref``'s eraser_classic, importable as OLD_NAME (its own imports renamed)."""
    archive = subprocess.run(["git", "archive", ref, "plugins/eraser_classic"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / OLD_NAME
    (folder / "plugins" / "eraser_classic").rename(package)
    for source in package.glob("*.py"):
        source.write_text(re.sub(r"\beraser_classic\b", OLD_NAME, source.read_text()))
    sys.path.insert(0, str(folder))
    return importlib.import_module(f"{OLD_NAME}.point")


def random_prompts(rng: np.random.Generator, w: int, h: int, count: int) -> list[Prompt]:
    out = []
    for _ in range(count):
        kind = int(rng.integers(0, 6))
        if kind == 0:  # on the edge or in a corner
            points = [(float(rng.choice([0, w - 1, rng.uniform(0, w)])), float(rng.choice([0, h - 1, rng.uniform(0, h)])))]
        elif kind == 4:  # near the middle: the largest window covers the frame
            points = [(float(rng.uniform(0.35 * w, 0.65 * w)), float(rng.uniform(0.3 * h, 0.7 * h)))]
        else:
            points = [(float(rng.uniform(0, w)), float(rng.uniform(0, h)))]
        labels = [1]
        if kind in (1, 2):  # a second click on the object (1) or a keep-this click (2)
            points.append((float(rng.uniform(0, w)), float(rng.uniform(0, h))))
            labels.append(1 if kind == 1 else 0)
        box = None
        if kind == 3:
            x0, y0 = rng.uniform(0, 0.7 * w), rng.uniform(0, 0.7 * h)
            box = (int(x0), int(y0), int(x0 + rng.uniform(10, 0.3 * w)), int(y0 + rng.uniform(10, 0.3 * h)))
            if rng.integers(0, 2):
                points, labels = [], []
        out.append(Prompt(tuple(points), tuple(labels), box))
    return out


def photos() -> list[tuple[str, np.ndarray]]:
    out = [(p.parent.name, np.asarray(Image.open(p).convert("RGB"))) for p in sorted(SAMPLES.glob("*/photo.jpg"))]
    spoon = Image.open(SPOON).convert("RGB")
    out += [(f"spoon {w}x{h}", np.asarray(spoon.resize((w, h), Image.Resampling.BICUBIC))) for w, h in SIZES]
    return [(name, frozen(image.copy())) for name, image in out]  # frozen, as a Session's photo is


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return round(statistics.median(ordered), 1), round(ordered[max(0, int(round(0.95 * len(ordered))) - 1)], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="the git commit to compare with")
    parser.add_argument("--random", type=int, default=20, help="seeded random prompts per photo")
    parser.add_argument("--clicks", type=int, default=40, help="timed clicks per size (old and new each)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from eraser_classic.point import PointSegmenter

    with tempfile.TemporaryDirectory() as tmp:
        old = earlier_package(args.against, Path(tmp)).PointSegmenter()
        new = PointSegmenter()
        rng = np.random.default_rng(1234)
        result: dict = {"against": args.against, "load_average_start": round(os.getloadavg()[0], 1)}
        compared, differ = 0, []
        images = photos()
        for name, image in images:
            h, w = image.shape[:2]
            prompts = [Prompt(((fx * w, fy * h),), (1,)) for fx, fy in SPOTS] + random_prompts(rng, w, h, args.random)
            for i, prompt in enumerate(prompts):
                a, b = old.segment(image, prompt), new.segment(image, prompt)
                compared += 1
                if not (a.dtype == b.dtype and np.array_equal(a, b)):
                    differ.append(f"{name} #{i}: {prompt}")
        result["masks_compared"], result["masks_differing"] = compared, differ
        for name, image in images[-len(SIZES):]:
            h, w = image.shape[:2]
            times: dict[str, tuple[list, list]] = {"old": ([], []), "new": ([], [])}
            for i in range(args.clicks):
                fx, fy = SPOTS[i % len(SPOTS)]
                prompt = Prompt(((fx * w, fy * h),), (1,))
                for which in (("old", "new") if i % 2 == 0 else ("new", "old")):
                    segmenter = old if which == "old" else new
                    wall, cpu = time.perf_counter(), time.process_time()
                    segmenter.segment(image, prompt)
                    times[which][0].append(1000 * (time.perf_counter() - wall))
                    times[which][1].append(1000 * (time.process_time() - cpu))
            for which, (wall, cpu) in times.items():
                result[f"{name} {which} wall_ms_p50_p95"] = quantiles(wall)
                result[f"{name} {which} cpu_ms_p50_p95"] = quantiles(cpu)
        result["load_average_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, indent=2 if args.json else None))
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    main()
