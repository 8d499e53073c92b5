"""`eraser batch`: photos per second with 1 and 2 worker processes and on a
local Ray, the memory of a worker, and what starting Ray costs.

Makes N photos (default 24, 1600x1200 JPEG, one object each, with masks by
stem) and runs, in one process each (the CLI, as a user would):
``eraser batch IN -o OUT --masks MASKS -i telea -j 1``, then ``-j 2``, then
``--ray`` (which starts a local Ray of 2 CPUs). Reports wall seconds,
photos/s, and the peak RSS of the run's processes (the driver's children:
the largest worker). Ray's start-up is measured alone (``ray.init`` to two
actors answering).

    python bench/batch.py [--photos 24] [--size 1600x1200] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

WRAP = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")

RAY_START = r"""
import time, ray
t = time.perf_counter()
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
@ray.remote
class A:
    def ping(self): return 1
actors = [A.remote() for _ in range(2)]
ray.get([a.ping.remote() for a in actors])
print(time.perf_counter() - t)
"""


def make(folder: Path, count: int, width: int, height: int) -> tuple[Path, Path]:
    photos, masks = folder / "in", folder / "masks"
    photos.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:height, 0:width]
    for i in range(count):
        base = np.stack([(xx // 3 + i * 7) % 256, (yy // 2) % 256, ((xx + yy) // 4) % 256], axis=-1).astype(np.float32)
        image = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
        cx, cy, r = width * (0.3 + 0.4 * rng.random()), height * (0.3 + 0.4 * rng.random()), min(width, height) * 0.08
        obj = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        image[obj] = (220, 40, 40)
        Image.fromarray(image).save(photos / f"p{i:03d}.jpg", quality=92)
        Image.fromarray((obj * 255).astype(np.uint8)).save(masks / f"p{i:03d}.png")
    return photos, masks


def run(args: list[str]) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAP, sys.executable, "-m", "eraser.cli", "batch", *args, "-q"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss, code = done.stdout.split()[-2:]
    if code != "0":
        raise SystemExit(f"batch {' '.join(args)} failed: {done.stderr[-1500:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(int(rss) / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    width, height = map(int, a.size.split("x"))
    results = {"photos": a.photos, "size": a.size}
    with tempfile.TemporaryDirectory() as tmp:
        photos, masks = make(Path(tmp), a.photos, width, height)
        for label, extra in (("jobs 1", ["-j", "1"]), ("jobs 2", ["-j", "2"]), ("ray (local, 2 CPUs)", ["--ray"])):
            out = Path(tmp) / label.split()[0] / label.split()[1]
            row = run([str(photos), "-o", str(out), "--masks", str(masks), "-i", "telea", *extra])
            row["photos_per_s"] = round(a.photos / row["seconds"], 2)
            results[label] = row
    ray_start = subprocess.run([sys.executable, "-c", RAY_START], capture_output=True, text=True)
    results["ray start to 2 actors s"] = round(float(ray_start.stdout.split()[-1]), 2) if ray_start.returncode == 0 else None
    print(json.dumps(results, indent=2 if a.json else None))


if __name__ == "__main__":
    main()
