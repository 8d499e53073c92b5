"""eraser next to the peer a user would pick instead, IOPaint, on one job.

Issue 10's target: on a 12 MP JPEG with a given 5 % mask, ``eraser inpaint
--inpainter telea`` end to end at least 15x faster than IOPaint 1.6's
``iopaint run --model cv2`` (OpenCV inpainting too), measured side by side in
one run.

The script builds the job in a temporary folder: a 4000x3000 JPEG (a sample
photo cropped to 4:3, upscaled with cubic interpolation, grain of sigma 2,
Pillow quality 92) and a PNG mask, an ellipse in the middle covering
``--share`` of the frame. It then runs, alternately, ``--runs`` times each,
every command in a fresh process:

    eraser inpaint PHOTO --mask MASK --inpainter telea -o OUT.jpg
    iopaint run --model cv2 --device cpu --image PHOTO --mask MASK --output DIR

and prints the median wall time, CPU time (user + sys) and peak RSS of each
and the ratios IOPaint / eraser. Peak RSS comes from ``wait4()`` in a tiny
launcher (see ``bench/launch.py``). Alternating spreads a burst of background load
over both; CPU time is the figure least disturbed by other work on the
machine, wall time the one the user waits for.

IOPaint is found with ``--iopaint PATH`` or the ``IOPAINT`` environment
variable (the ``iopaint`` executable of its own virtual environment: it pins
old Pillow, diffusers and gradio, so keep it out of eraser's); without it the
script says so and measures eraser alone. eraser is the ``eraser`` beside
this Python, or on PATH.

    .venv/bin/python -m bench.peer [--iopaint PATH] [--runs 5] [--share 0.05]
        [--sample coffee_spoon] [--json OUT] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image

from bench.common import HEIGHT, JPEG_QUALITY, WIDTH, eraser_executable, machine_line, upscaled_sample
from bench.launch import launch

TARGET_SPEEDUP = 15.0


def make_job(folder: Path, sample: str, share: float) -> tuple[Path, Path, float]:
    """The 12 MP JPEG and the mask in ``folder``; returns their paths and the
    mask's share of the frame."""
    photo = folder / "photo.jpg"
    Image.fromarray(upscaled_sample(sample)).save(photo, quality=JPEG_QUALITY)
    # An ellipse of aspect 5:3 whose area is ``share`` of the frame.
    a = float(np.sqrt(share * WIDTH * HEIGHT * 5 / (3 * np.pi)))
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(mask, (WIDTH // 2, HEIGHT // 2), (round(a), round(a * 3 / 5)), 0, 0, 360, 255, -1)
    mask_path = folder / "mask.png"
    Image.fromarray(mask).save(mask_path)
    return photo, mask_path, float((mask > 0).mean())


def find_iopaint(option: Optional[str]) -> Optional[str]:
    given = option or os.environ.get("IOPAINT")
    if not given:
        return shutil.which("iopaint")
    path = shutil.which(given) or (given if Path(given).is_file() else None)
    if path is None:
        raise SystemExit(f"error: IOPaint not found at {given!r}")
    return str(Path(path).resolve()) if os.sep in path else path


def summary(runs: list[dict]) -> dict:
    return {
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs),
        "peak_rss_mb": statistics.median(r["maxrss_kb"] for r in runs) / 1024,
        "wall_all_s": [round(r["wall_s"], 3) for r in runs],
        "output_bytes": runs[-1].get("output_bytes"),
        "runs": len(runs),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iopaint", help="the iopaint executable (default: $IOPAINT, then PATH)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each command, alternating (default 5)")
    ap.add_argument("--share", type=float, default=0.05, help="mask share of the frame (default 0.05)")
    ap.add_argument("--sample", default="coffee_spoon", help="sample photo to upscale (default coffee_spoon)")
    ap.add_argument("--json", dest="json_out", help="also write the results as JSON here")
    ap.add_argument("--keep", help="copy the job and the last outputs into this folder")
    args = ap.parse_args(argv)

    eraser = eraser_executable()
    if eraser is None:
        raise SystemExit("error: no eraser executable beside this Python or on PATH")
    iopaint = find_iopaint(args.iopaint)
    if iopaint is None:
        print("IOPaint not found (give --iopaint PATH or set IOPAINT): measuring eraser alone", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="eraser-peer-") as tmp:
        work = Path(tmp)
        photo, mask, share = make_job(work, args.sample, args.share)
        print(f"job: {WIDTH}x{HEIGHT} JPEG ({photo.stat().st_size / 1e6:.1f} MB), mask {share:.1%} of the frame")
        print(f"machine: {machine_line()}")
        commands = {
            "eraser": lambda i: [eraser, "inpaint", str(photo), "--mask", str(mask), "--inpainter", "telea",
                                 "-o", str(work / f"eraser-{i}.jpg")],
        }
        if iopaint:
            commands["iopaint"] = lambda i: [iopaint, "run", "--model", "cv2", "--device", "cpu",
                                             "--image", str(photo), "--mask", str(mask),
                                             "--output", str(work / f"iopaint-{i}")]
        results: dict[str, list[dict]] = {name: [] for name in commands}
        for i in range(args.runs):
            for name, command in commands.items():
                run = launch(command(i), work, f"{name}-{i}")
                outputs = list(work.glob(f"{name}-{i}*")) + list(work.glob(f"{name}-{i}/*"))
                run["output_bytes"] = sum(p.stat().st_size for p in outputs if p.is_file())
                results[name].append(run)
                print(f"  run {i + 1}/{args.runs} {name}: {run['wall_s']:.2f} s wall, "
                      f"{run['user_s'] + run['sys_s']:.2f} s CPU, {run['maxrss_kb'] / 1024:.0f} MB peak RSS")
        table = {name: summary(runs) for name, runs in results.items()}
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for p in [photo, mask, *work.glob(f"eraser-{args.runs - 1}.jpg"), *work.glob(f"iopaint-{args.runs - 1}/*")]:
                shutil.copy(p, keep / p.name)

    print()
    print(f"medians of {args.runs} alternating runs, each in a fresh process:")
    print("| tool | wall | CPU (user+sys) | peak RSS | output |")
    print("|---|---|---|---|---|")
    for name, row in table.items():
        print(f"| {name} | {row['wall_s']:.2f} s | {row['cpu_s']:.2f} s | {row['peak_rss_mb']:.0f} MB | "
              f"{(row['output_bytes'] or 0) / 1e6:.1f} MB |")
    report = {"machine": machine_line(), "share": share, "runs": args.runs, "tools": table}
    if "iopaint" in table:
        e, p = table["eraser"], table["iopaint"]
        ratios = {
            "wall": p["wall_s"] / e["wall_s"],
            "cpu": p["cpu_s"] / e["cpu_s"],
            "peak_rss": p["peak_rss_mb"] / e["peak_rss_mb"],
        }
        report["ratios"] = ratios
        verdict = "met" if ratios["wall"] >= TARGET_SPEEDUP else "NOT met"
        print()
        print(f"IOPaint / eraser: wall {ratios['wall']:.1f}x, CPU {ratios['cpu']:.1f}x, "
              f"peak RSS {ratios['peak_rss']:.1f}x (target: wall >= {TARGET_SPEEDUP:.0f}x, {verdict})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
