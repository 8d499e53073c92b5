"""What the benchmarks share: the 12 MP test photos, the eraser command, a
random-weight MobileSAM install, timing and machine helpers, contact-sheet cells.

Run every benchmark from the repository root as a module
(``python -m bench.speed``); children a benchmark starts inherit that folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SPOON = SAMPLES / "coffee_spoon" / "photo.jpg"

# The 12 MP frame of the speed benchmarks: a phone photo's size and JPEG quality.
WIDTH, HEIGHT = 4000, 3000
JPEG_QUALITY = 92
GRAIN_SIGMA = 2.0  # film grain added after upscaling, so the photo is not unnaturally smooth


# ------------------------------------------------------------------ the eraser command


def eraser_executable() -> Optional[str]:
    """The ``eraser`` console script beside this interpreter (what a user runs), else on PATH."""
    here = Path(sys.executable).parent / "eraser"
    return str(here) if here.exists() else shutil.which("eraser")


def eraser_command() -> list[str]:
    """``eraser_executable()``, else ``python -m eraser.cli``."""
    found = eraser_executable()
    return [found] if found else [sys.executable, "-m", "eraser.cli"]


# ------------------------------------------------------------------ 12 MP photos


def upscaled_sample(sample: str = "coffee_spoon", seed: int = 0, grain_sigma: float = GRAIN_SIGMA) -> np.ndarray:
    """A sample photo cut to 4:3 around its centre, upscaled (cubic) to
    WIDTH x HEIGHT, with Gaussian grain; RGB uint8."""
    src = next((SAMPLES / sample).glob("photo.*"))
    rgb = np.asarray(Image.open(src).convert("RGB"))
    h, w = rgb.shape[:2]
    cw = min(w, round(h * WIDTH / HEIGHT))
    ch = min(h, round(cw * HEIGHT / WIDTH))
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    crop = np.ascontiguousarray(rgb[y0 : y0 + ch, x0 : x0 + cw])
    big = cv2.resize(crop, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    big += np.random.default_rng(seed).normal(0, grain_sigma, big.shape).astype(np.float32)
    return np.clip(big, 0, 255).astype(np.uint8)


def smooth_photo(width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> np.ndarray:
    """A smooth synthetic scene (slow colour waves) with film grain of sigma 4; RGB uint8."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([80 + 60 * np.sin(xx / 700), 110 + 50 * np.cos(yy / 500), 90 + 40 * np.sin((xx + yy) / 900)], -1)
    grain = rng.normal(0, 4, (height, width, 1)).astype(np.float32)
    return np.clip(base + grain, 0, 255).astype(np.uint8)


def _sample_files(folder: Path) -> tuple[Path, dict, Optional[list], Path]:
    photo = next((folder / n for n in ("photo.jpg", "photo.png", "photo.jpeg") if (folder / n).exists()), None)
    if photo is None or not (folder / "prompts.json").exists() or not (folder / "mask.png").exists():
        raise SystemExit(f"{folder}: not a sample (needs photo.jpg/png, mask.png, prompts.json)")
    prompts = json.loads((folder / "prompts.json").read_text())
    if not prompts.get("box"):
        raise SystemExit(f"{folder}: prompts.json has no box")
    polygon = folder / "polygon.json"
    polygons = json.loads(polygon.read_text()) if polygon.exists() else None
    return photo, prompts, polygons, folder / "mask.png"


def _window(img_w: int, img_h: int, box: tuple[float, float, float, float], object_px: float, share: float):
    """A 4:3 window (x0, y0, w, h, in source pixels) holding the box, sized so
    the object covers about ``share`` of it, clamped to the photo."""
    aspect = WIDTH / HEIGHT
    w = float(np.sqrt(object_px / share * aspect))
    bx0, by0, bx1, by1 = box
    bw, bh = bx1 - bx0, by1 - by0
    w = max(w, bw * 1.1, bh * 1.1 * aspect)  # keep the whole box with a little room
    w = min(w, img_w, img_h * aspect)  # but no bigger than the photo
    h = w / aspect
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    x0 = min(max(cx - w / 2, 0.0), img_w - w)
    y0 = min(max(cy - h / 2, 0.0), img_h - h)
    return x0, y0, w, h


def framed_sample(sample: Path, share: float, workdir: Path, grain_sigma: float = GRAIN_SIGMA, seed: int = 0) -> dict[str, Any]:
    """A sample's object framed so it covers about ``share`` of a 12 MP photo:
    writes ``workdir/photo_12mp.jpg``, ``mask_12mp.png`` (the hand-made mask,
    from its polygon when there is one: crisp edges) and
    ``mask_12mp_dilated.png`` (widened as eraser widens); returns what was done."""
    from eraser import refine

    photo, prompts, polygons, mask_path = _sample_files(sample)
    src = np.asarray(Image.open(photo).convert("RGB"))
    gt = np.asarray(Image.open(mask_path).convert("L")) >= 128
    img_h, img_w = src.shape[:2]
    bx0, by0, bx1, by1 = (float(v) for v in prompts["box"])  # inclusive pixel coordinates
    box_extent = (bx0, by0, bx1 + 1, by1 + 1)  # pixel edges
    x0, y0, w, h = _window(img_w, img_h, box_extent, float(gt.sum()), share)
    s = WIDTH / w
    # dst pixel centre u <-> src coordinate x: u = (x - x0 + 0.5) * s - 0.5
    m = np.float64([[s, 0, (0.5 - x0) * s - 0.5], [0, s, (0.5 - y0) * s - 0.5]])
    big = cv2.warpAffine(src, m, (WIDTH, HEIGHT), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    rng = np.random.default_rng(seed)
    grain = rng.standard_normal((HEIGHT, WIDTH, 3), dtype=np.float32)
    grain *= grain_sigma
    grain += big
    np.rint(grain, out=grain)
    big = np.clip(grain, 0, 255).astype(np.uint8)
    del grain

    if polygons:  # the hand-drawn outline, rasterised at 12 MP: crisp edges
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        shift = 4
        pts = [
            np.rint(((np.float64(p) - (x0, y0) + 0.5) * s - 0.5) * (1 << shift)).astype(np.int32)
            for p in polygons
        ]
        cv2.fillPoly(mask, pts, 255, lineType=cv2.LINE_8, shift=shift)
    else:
        mask = cv2.warpAffine(gt.astype(np.uint8) * 255, m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        mask = np.where(mask >= 128, 255, 0).astype(np.uint8)
    ex0, ey0, ex1, ey1 = box_extent
    box = (
        max(0, int(np.floor((ex0 - x0) * s))),
        max(0, int(np.floor((ey0 - y0) * s))),
        min(WIDTH, int(np.ceil((ex1 - x0) * s))),
        min(HEIGHT, int(np.ceil((ey1 - y0) * s))),
    )
    path = workdir / "photo_12mp.jpg"
    Image.fromarray(big).save(path, quality=JPEG_QUALITY)
    mask_file = workdir / "mask_12mp.png"
    cv2.imwrite(str(mask_file), mask)
    hole = refine.dilate(mask > 0, refine.DEFAULT_DILATE)
    naive_mask = workdir / "mask_12mp_dilated.png"
    cv2.imwrite(str(naive_mask), hole.astype(np.uint8) * 255)
    box_area = (box[2] - box[0]) * (box[3] - box[1])
    return {
        "sample": sample.name,
        "source": str(photo.relative_to(ROOT)) if photo.is_relative_to(ROOT) else str(photo),
        "source_size": [img_w, img_h],
        "window": [round(x0, 2), round(y0, 2), round(w, 2), round(h, 2)],
        "scale": s,
        "size": [WIDTH, HEIGHT],
        "file": str(path),
        "file_bytes": path.stat().st_size,
        "bits_per_pixel": 8 * path.stat().st_size / (WIDTH * HEIGHT),
        "grain_sigma": grain_sigma,
        "mask_file": str(mask_file),
        "naive_mask_file": str(naive_mask),
        "box": list(box),
        "object_share": float((mask > 0).mean()),
        "hole_share": float(hole.mean()),
        "box_share": box_area / (WIDTH * HEIGHT),
        "target_share": share,
    }


# ------------------------------------------------------------------ models


def install_random_mobile_sam(folder: Path, randomized: bool = False) -> Path:
    """Save a random-weight MobileSAM checkpoint (made with torch) in ``folder``
    and install it into ``folder/models`` with ``eraser models install``, in a
    child process; returns the store. ``randomized``: every weight well scaled
    (eraser.testing.random_weights), so its masks are not empty."""
    import torch

    from eraser_mobilesam import model as ms

    torch.manual_seed(0)
    model = ms.build_mobile_sam()
    if randomized:
        from eraser.testing.random_weights import randomize

        model = randomize(model, seed=1)
    checkpoint = folder / "mobile_sam.pt"
    torch.save(model.state_dict(), checkpoint)
    md5 = hashlib.md5(checkpoint.read_bytes()).hexdigest()
    subprocess.run([sys.executable, "-m", "eraser.cli", "models", "install", "mobile-sam", "--from", str(checkpoint),
                    "--md5", md5, "--models-dir", str(folder / "models"), "-q"], check=True)
    return folder / "models"


# ------------------------------------------------------------------ timing and the machine


def median_time(fn: Callable[[], object], runs: int) -> float:
    """Median seconds of ``runs`` calls, after one untimed warm-up call."""
    fn()  # warm-up: first-run allocations and lazy initialisation
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sgemm_gflops(runs: int = 5) -> dict[str, float]:
    """This machine's 2048x2048 float32 matrix product rate, numpy and torch."""
    import torch

    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    ta = torch.from_numpy(a)
    flops = 2 * n**3
    return {
        "numpy": flops / median_time(lambda: a @ a, runs) / 1e9,
        "torch": flops / median_time(lambda: ta @ ta, runs) / 1e9,
    }


def count_flops(module, *inputs) -> int:
    """FLOPs of one forward pass (torch's FlopCounterMode)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(*inputs)
    return counter.get_total_flops()


# Runs one command and prints its peak RSS: a fresh wrapper per command, so the
# children's maxrss it reads is that command's alone.
_PEAK_RSS_WRAPPER = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")


def run_with_peak_rss(cmd: list[str], env: Optional[dict] = None) -> tuple[float, int]:
    """Run ``cmd`` in a fresh process: (wall seconds, its peak RSS in kB).
    A non-zero exit ends the benchmark with the end of its stderr."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS_WRAPPER, *cmd], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    rss_kb, code = done.stdout.split()[-2:]
    if code != "0":
        raise SystemExit(f"{' '.join(cmd[:6])} failed:\n{done.stderr[-2000:]}")
    return seconds, int(rss_kb)


def vm_hwm_kb() -> Optional[int]:
    """This process's peak resident memory so far (Linux VmHWM), in kB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_name() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "?"


def machine_line() -> str:
    """One line: CPU, cores, OS, Python."""
    return f"{cpu_name()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def machine() -> dict[str, Any]:
    """The machine, the versions that matter to speed, and the load at the start."""
    import importlib.metadata as md

    versions = {}
    for dist in ("numpy", "opencv-contrib-python-headless", "opencv-python-headless", "opencv-python", "pillow", "pypatchmatch", "eraser"):
        try:
            versions[dist] = md.version(dist)
        except Exception:
            pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cv2": cv2.__version__,
        "cv2_threads": cv2.getNumThreads(),
        "versions": versions,
        "loadavg_start": list(os.getloadavg()),
    }


# ------------------------------------------------------------------ contact sheets


def label_cell(cell: np.ndarray, text: str) -> None:
    """White text on a black band in the cell's top-left corner, in place."""
    scale = 0.4
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(cell, (0, 0), (min(cell.shape[1], w + 4), h + base + 4), (0, 0, 0), -1)
    cv2.putText(cell, text, (2, h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)


def fit_cell(crop: np.ndarray, cell: int) -> np.ndarray:
    """``crop`` centred on a dark ``cell`` x ``cell`` square: shrunk to fit,
    or zoomed by a whole factor when small, so its pixels stay sharp."""
    h, w = crop.shape[:2]
    scale = min(cell / h, cell / w)
    if scale < 1:
        crop = cv2.resize(crop, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    elif scale >= 2:
        k = int(scale)
        crop = cv2.resize(crop, (w * k, h * k), interpolation=cv2.INTER_NEAREST)
    canvas = np.full((cell, cell, 3), 32, np.uint8)
    y, x = (cell - crop.shape[0]) // 2, (cell - crop.shape[1]) // 2
    canvas[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
    return canvas


def title_row(titles: list[str], cell: int) -> np.ndarray:
    """A contact sheet's header: each title on white, ``cell`` px wide."""
    header = []
    for title in titles:
        c = np.full((20, cell, 3), 255, np.uint8)
        cv2.putText(c, title, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        header.append(c)
    return np.hstack(header)


def titled_cell(image: np.ndarray, crop, size: int, title: str) -> np.ndarray:
    """``image[crop]`` scaled so its longer side is ``size``, under a white title strip."""
    part = image[crop]
    h, w = part.shape[:2]
    k = size / max(h, w)
    part = cv2.resize(part, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    cell = np.full((size + 18, size, 3), 255, np.uint8)
    cell[18 : 18 + part.shape[0], : part.shape[1]] = part
    cv2.putText(cell, title, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return cell


def write_sheet(path: Path, rgb: np.ndarray, jpeg_quality: int = 88) -> None:
    """Write an RGB contact sheet (PNG, or JPEG of ``jpeg_quality`` by the suffix)."""
    jpeg = Path(path).suffix.lower() in (".jpg", ".jpeg")
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if jpeg else [])
