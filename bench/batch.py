"""`eraser batch`: photos per second with 1 and 2 worker processes and on a
local Ray, against single in-process erases and IOPaint's `run`.

Makes N photos (default 100 one-megapixel JPEGs, 1155x866, one object each,
with masks by stem) and runs, each in a fresh process as a user would:
``eraser batch IN -o OUT --masks MASKS -i telea -j 1``, then ``-j 2``, then
``--ray`` (which starts a local Ray of 2 CPUs); a second ``-j 1`` run (all
skipped: resume); and, as the baseline of batch's own overhead, one process
that loops over the photos calling what ``eraser inpaint``-style erasing
calls (Session, add the mask, erase, save) with nothing else. With
``--iopaint DIR`` (a venv with IOPaint), ``iopaint run --model cv2`` on the
same folder. Reports wall seconds, photos/s and the peak RSS of the largest
process of each run. Ray's start-up is measured alone.

Targets (issue 13): ``-j 2`` at least 1.8x ``-j 1``; at least 10x IOPaint.

    python -m bench.batch [--photos 100] [--size 1155x866] [--iopaint /work/iopaint-venv] [--json]

Issue 24's job (the default fill against Telea and IOPaint, ``-j 2`` only):

    python -m bench.batch --photos 20 --share 0.03-0.19 --inpainters telea layered [--iopaint DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import run_with_peak_rss

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


def make(folder: Path, count: int, width: int, height: int, share: tuple[float, float] | None = None) -> tuple[Path, Path]:
    photos, masks = folder / "in", folder / "masks"
    photos.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:height, 0:width]
    for i in range(count):
        base = np.stack([(xx // 3 + i * 7) % 256, (yy // 2) % 256, ((xx + yy) // 4) % 256], axis=-1).astype(np.float32)
        image = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
        cx, cy, r = width * (0.3 + 0.4 * rng.random()), height * (0.3 + 0.4 * rng.random()), min(width, height) * 0.08
        if share:  # a disc covering a share of the frame drawn from the range (before eraser widens it)
            r = np.sqrt(rng.uniform(*share) * width * height / np.pi)
        obj = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        image[obj] = (220, 40, 40)
        Image.fromarray(image).save(photos / f"p{i:03d}.jpg", quality=92)
        Image.fromarray((obj * 255).astype(np.uint8)).save(masks / f"p{i:03d}.png")
    return photos, masks


def run(args: list[str]) -> dict:
    return timed_command([sys.executable, "-m", "eraser.cli", "batch", *args, "-q"])


IN_PROCESS = r"""
import sys, time
from pathlib import Path
from eraser.session import Session
photos, masks, out = map(Path, sys.argv[1:4])
start = time.perf_counter()
for photo in sorted(photos.glob("*.jpg")):
    s = Session(str(photo), inpainter="telea")
    s.add(mask=str(masks / (photo.stem + ".png")))
    s.erase()
    s.save(out / photo.name)
print(time.perf_counter() - start)
"""


def timed_command(cmd: list[str]) -> dict:
    seconds, rss_kb = run_with_peak_rss(cmd)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(rss_kb / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--size", default="1155x866")
    parser.add_argument("--iopaint", type=Path, help="a virtual environment with IOPaint installed")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--share", help="masks covering LOW-HIGH of the frame, e.g. 0.03-0.19 (default: a disc of about 2%%)")
    parser.add_argument("--inpainters", nargs="+", help="only `-j 2` with each of these, alternating twice (issue 24's job)")
    a = parser.parse_args()
    width, height = map(int, a.size.split("x"))
    share = tuple(map(float, a.share.split("-"))) if a.share else None
    if a.inpainters:
        print(json.dumps(compare_fills(a, width, height, share), indent=2 if a.json else None))
        return
    results = {"photos": a.photos, "size": a.size}
    with tempfile.TemporaryDirectory() as tmp:
        photos, masks = make(Path(tmp), a.photos, width, height, share)
        for label, extra in (("jobs 1", ["-j", "1"]), ("jobs 2", ["-j", "2"]), ("ray (local, 2 CPUs)", ["--ray"])):
            out = Path(tmp) / label.split()[0] / label.split()[1]
            row = run([str(photos), "-o", str(out), "--masks", str(masks), "-i", "telea", *extra])
            row["photos_per_s"] = round(a.photos / row["seconds"], 2)
            results[label] = row
        again = run([str(photos), "-o", str(Path(tmp) / "jobs" / "1"), "--masks", str(masks), "-i", "telea", "-j", "1"])
        results["jobs 1 again (all skipped)"] = again
        out = Path(tmp) / "inproc"
        out.mkdir()
        row = timed_command([sys.executable, "-c", IN_PROCESS, str(photos), str(masks), str(out)])
        row["photos_per_s"] = round(a.photos / row["seconds"], 2)
        results["in-process loop (no batch)"] = row
        if a.iopaint:
            out = Path(tmp) / "iopaint"
            row = timed_command([str(a.iopaint / "bin" / "iopaint"), "run", "--model", "cv2", "--device", "cpu",
                                 "--image", str(photos), "--mask", str(masks), "--output", str(out)])
            row["photos_per_s"] = round(a.photos / row["seconds"], 2)
            results["iopaint run --model cv2"] = row
        one, two = results["jobs 1"]["photos_per_s"], results["jobs 2"]["photos_per_s"]
        results["jobs 2 / jobs 1"] = round(two / one, 2)
        if a.iopaint:
            results["jobs 2 / iopaint"] = round(two / results["iopaint run --model cv2"]["photos_per_s"], 1)
    ray_start = subprocess.run([sys.executable, "-c", RAY_START], capture_output=True, text=True)
    results["ray start to 2 actors s"] = round(float(ray_start.stdout.split()[-1]), 2) if ray_start.returncode == 0 else None
    print(json.dumps(results, indent=2 if a.json else None))


def compare_fills(a, width: int, height: int, share) -> dict:
    """``eraser batch -j 2`` with each inpainter (and IOPaint's ``run`` when
    given) on one folder, alternating, twice; photos/s of each run."""
    results = {"photos": a.photos, "size": a.size, "share": a.share}
    with tempfile.TemporaryDirectory() as tmp:
        photos, masks = make(Path(tmp), a.photos, width, height, share)
        for attempt in range(2):
            for name in a.inpainters:
                out = Path(tmp) / f"{name}{attempt}"
                row = run([str(photos), "-o", str(out), "--masks", str(masks), "-i", name, "-j", "2"])
                results.setdefault(f"-j 2 -i {name} photos/s", []).append(round(a.photos / row["seconds"], 2))
            if a.iopaint:
                row = timed_command([str(a.iopaint / "bin" / "iopaint"), "run", "--model", "cv2", "--device", "cpu",
                                     "--image", str(photos), "--mask", str(masks), "--output", str(Path(tmp) / f"iopaint{attempt}")])
                results.setdefault("iopaint run --model cv2 photos/s", []).append(round(a.photos / row["seconds"], 2))
    return results


if __name__ == "__main__":
    main()
