"""Start-up cost of the ``eraser`` command: ``--help`` time, and ``eraser
inpaint`` wall time against the sum of the stages it reports with ``-v``.

Makes a 12 MP JPEG (a smooth scene with film grain, Pillow quality 92) and a
mask of about 5% (two blobs) in a temporary folder, then runs, each in a fresh
process, interleaved round by round so that background load hits both alike:

* ``eraser --help`` (and ``eraser --version``, and ``python -c pass``: the
  interpreter's own start-up, for scale);
* ``eraser inpaint PHOTO --mask MASK -i telea -o OUT.jpg --force -v``: the wall
  time seen from here, and the stages the command prints
  (``stages: decode 0.1 s, mask ...``); what the wall time adds to their sum is
  interpreter start-up, imports and plugin loading.

Targets (issue 10): ``--help`` under 0.1 s; wall time at most 1.3x the stage
sum. Prints medians and the ratios; ``--json`` prints them as JSON.

    python -m bench.startup [--runs 5] [--inpainter telea] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import HEIGHT, JPEG_QUALITY, WIDTH, eraser_command, smooth_photo


def make_inputs(folder: Path) -> tuple[Path, Path, float]:
    photo = folder / "photo.jpg"
    Image.fromarray(smooth_photo()).save(photo, quality=JPEG_QUALITY)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    mask = ((xx - 1400) ** 2 / 420**2 + (yy - 1200) ** 2 / 320**2 <= 1) | ((xx - 2900) ** 2 + (yy - 2100) ** 2 <= 240**2)
    mask_path = folder / "mask.png"
    Image.fromarray(mask.astype(np.uint8) * 255).save(mask_path)
    return photo, mask_path, float(mask.mean())


def timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def stage_sum(stderr: str) -> tuple[float, dict[str, float]]:
    line = next((row for row in stderr.splitlines() if row.strip().startswith("stages:")), None)
    if line is None:
        raise SystemExit(f"no 'stages:' line in the output of eraser -v:\n{stderr}")
    stages = {name: float(sec) for name, sec in re.findall(r"(\w[\w ]*?) ([\d.]+) s", line.split(":", 1)[1])}
    return sum(stages.values()), stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--inpainter", default="telea")
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()

    eraser = eraser_command()
    folder = Path(tempfile.mkdtemp(prefix="eraser-startup-"))
    try:
        photo, mask, share = make_inputs(folder)
        out = folder / "out.jpg"
        inpaint = [*eraser, "inpaint", str(photo), "--mask", str(mask), "-i", opts.inpainter, "-o", str(out), "--force", "-v"]
        help_times, version_times, floor_times, walls, sums, all_stages = [], [], [], [], [], []
        timed(inpaint)  # warm the page cache and the .pyc files once, untimed
        for _ in range(opts.runs):
            help_times.append(timed([*eraser, "--help"])[0])
            version_times.append(timed([*eraser, "--version"])[0])
            floor_times.append(timed([sys.executable, "-c", "pass"])[0])
            wall, proc = timed(inpaint)
            if proc.returncode != 0:
                raise SystemExit(f"eraser inpaint failed ({proc.returncode}):\n{proc.stderr}")
            total, stages = stage_sum(proc.stderr)
            walls.append(wall)
            sums.append(total)
            all_stages.append(stages)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    ratios = [w / s for w, s in zip(walls, sums)]
    result = {
        "command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(inpaint)),
        "photo": f"{WIDTH}x{HEIGHT} JPEG, mask {100 * share:.1f}%",
        "runs": opts.runs,
        "help_s": statistics.median(help_times),
        "version_s": statistics.median(version_times),
        "python_floor_s": statistics.median(floor_times),
        "inpaint_wall_s": statistics.median(walls),
        "inpaint_stage_sum_s": statistics.median(sums),
        "wall_over_stages": statistics.median(ratios),
        "stages_s": {k: statistics.median(s[k] for s in all_stages) for k in all_stages[0]},
    }
    if opts.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['photo']}, {opts.runs} runs, medians; command: {result['command']}")
    print(f"  eraser --help     {result['help_s']:.3f} s   (target < 0.1 s)")
    print(f"  eraser --version  {result['version_s']:.3f} s")
    print(f"  python -c pass    {result['python_floor_s']:.3f} s   (the interpreter alone, for scale)")
    print(f"  inpaint wall      {result['inpaint_wall_s']:.3f} s")
    print(f"  stage sum         {result['inpaint_stage_sum_s']:.3f} s   "
          + ", ".join(f"{k} {v:.3f}" for k, v in result["stages_s"].items()))
    print(f"  wall / stages     {result['wall_over_stages']:.2f}x  (target <= 1.3x)")


if __name__ == "__main__":
    main()
