"""Speed and memory of eraser on a 12 MP photo, next to two baselines.

Builds a 12 MP (4000x3000) JPEG by upscaling a sample (cropped to 4:3 around
its object so the object covers about ``--share`` of the frame, then cubic
upscaling, mild film grain, Pillow quality 92), then measures in one
invocation, interleaving the configurations round by round so that a burst
of background load hits them all alike:

* ``floor (OpenCV)``: ``cv2.imread`` + ``cv2.imwrite`` (quality 92) of that
  JPEG, the least any tool that reads and writes the photo can cost; and
  ``floor (Pillow)`` (``Image.open().load()`` + ``save(quality=92)``), for
  information: eraser decodes and encodes with Pillow.
* ``naive OpenCV``: what a user would write by hand: ``cv2.imread``,
  ``cv2.inpaint`` of the full frame with the ground-truth mask dilated like
  eraser's hole (radius 3, ``INPAINT_TELEA``), ``cv2.imwrite``. It is given
  the mask for free: no segmentation.
* ``eraser <inpainter>``, in process: ``load_image`` -> ``make_prompts`` (the
  scaled box) -> ``pipeline.run`` (segmenter ``auto``, i.e. GrabCut) ->
  ``save_image`` to a ``.jpg``, with each stage (decode, segment, refine,
  inpaint, composite, pipeline overhead, encode) timed separately.

Every number is the median of ``--runs`` runs after one untimed warm-up (the
first run pays the plugin imports; the CLI column shows the cold cost).

Also, once per configuration, each in a fresh process:

* ``CLI``: the real ``eraser remove PHOTO --box ... -o OUT.jpg --force -v``
  command (interpreter start-up and imports included), its wall time and peak
  RSS, and ``eraser --version`` for the start-up alone;
* peak RSS of one in-process end-to-end run (``python -m bench.speed --child ...``), and of
  the naive baseline, so nothing else this script holds inflates them.

Peak RSS is measured with ``wait4()`` from a tiny launcher process: a child's
``ru_maxrss`` on Linux starts at its parent's RSS at ``exec`` time, so asking
a big parent (or the child itself) would report the parent's memory. The
children also report their own ``VmHWM`` as a cross-check.

``fill detail`` compares the fine detail (median absolute high-pass of the
luma, sigma 1 px) inside the hole, away from its feathered rim, to a ring just
outside it: about 1 means the fill is as sharp and grainy as its
surroundings, well below 1 a fill made at a lower resolution and scaled up.
On the default photo a full-resolution PatchMatch fill scores about 1.05.
Streaky fills (Telea) score high too, so it only says "not blurred"; it is a
proxy: look at the ``--keep`` crops.

The photo is an upscale, so its only full-resolution detail is the grain
(``--grain``, sigma 2 by default) and the JPEG's own; a camera photo has more,
and a bigger JPEG (the script prints bits per pixel). The decode+encode floor
grows only a little with entropy (about +20 % from sigma 2 to 6 here).

    .venv/bin/python -m bench.speed [--sample coffee_spoon] [--share 0.05]
        [--grain 2] [--runs 5] [--patchmatch-runs 3]
        [--inpainters telea patchmatch ns patchmatch@1536]
        [--workdir DIR] [--keep DIR] [--json OUT] [--profile DIR]
        [--cli-runs 1] [--no-cli] [--no-rss]

``--inpainters`` takes backend names, optionally ``name@SIZE`` to override the
backend's working size (``patchmatch@1536``; in process only, the CLI has no
such option). ``--keep DIR`` writes the 12 MP input, every output, and PNG
crops (``crop_*.png``: an 800x800 window at full resolution where the hole
meets its most detailed surroundings, ``crop_grid.png`` all of them side by
side; ``object_*.png``: the whole object region, scaled down) and
``report.md`` so a person can judge the fills. ``--profile DIR`` also runs one
end-to-end run per eraser configuration under cProfile, writes
``DIR/<config>.prof`` and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

import cv2
import numpy as np
from PIL import Image

from bench.common import GRAIN_SIGMA, JPEG_QUALITY, ROOT, eraser_executable, framed_sample, machine, vm_hwm_kb
from bench.fill_crops import fill_detail, write_crops
from bench.launch import launch
from bench.speed_report import med, render, targets
from eraser import pipeline
from eraser.io import load_image, save_image
from eraser.prompts import make_prompts
from eraser.testing import iou

NAIVE_RADIUS = 3




# ------------------------------------------------------------------ the photo


def build_photo(sample: Path, share: float, workdir: Path, grain_sigma: float = GRAIN_SIGMA, seed: int = 0) -> dict[str, Any]:
    """Write ``workdir/photo_12mp.jpg`` and ``mask_12mp.png``; return what was done."""
    return framed_sample(sample, share, workdir, grain_sigma, seed)


# ------------------------------------------------------------ the measurements


def floor_cv2(photo: str, out: str) -> dict[str, float]:
    t0 = time.perf_counter()
    bgr = cv2.imread(photo, cv2.IMREAD_COLOR)
    t1 = time.perf_counter()
    cv2.imwrite(out, bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    t2 = time.perf_counter()
    return {"decode": t1 - t0, "encode": t2 - t1, "total": t2 - t0}


def floor_pillow(photo: str, out: str) -> dict[str, float]:
    t0 = time.perf_counter()
    with Image.open(photo) as im:
        rgb = np.asarray(im.convert("RGB"))
    t1 = time.perf_counter()
    Image.fromarray(rgb).save(out, quality=JPEG_QUALITY)
    t2 = time.perf_counter()
    return {"decode": t1 - t0, "encode": t2 - t1, "total": t2 - t0}


def naive(photo: str, mask_file: str, out: str) -> dict[str, float]:
    """The script a user would write. The mask is read before the clock starts."""
    mask = cv2.imread(mask_file, cv2.IMREAD_GRAYSCALE)
    t0 = time.perf_counter()
    bgr = cv2.imread(photo, cv2.IMREAD_COLOR)
    t1 = time.perf_counter()
    filled = cv2.inpaint(bgr, mask, NAIVE_RADIUS, cv2.INPAINT_TELEA)
    t2 = time.perf_counter()
    cv2.imwrite(out, filled, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    t3 = time.perf_counter()
    return {"decode": t1 - t0, "inpaint": t2 - t1, "encode": t3 - t2, "total": t3 - t0}


def parse_inpainter(spec: str) -> tuple[str, Optional[int]]:
    name, _, size = spec.partition("@")
    return name, (int(size) if size else None)


def eraser_once(photo: str, box: tuple[int, int, int, int], inpainter: str, out: str, keep_result: bool = False):
    """One end-to-end in-process run; returns (stage seconds, Result or None)."""
    name, size = parse_inpainter(inpainter)
    t0 = time.perf_counter()
    loaded = load_image(photo)
    t1 = time.perf_counter()
    prompts = make_prompts(loaded.rgb.shape[1], loaded.rgb.shape[0], boxes=[box])
    t2 = time.perf_counter()
    result = pipeline.run(loaded.rgb, prompts, segmenter="auto", inpainter=name, working_size=size)
    t3 = time.perf_counter()
    save_image(loaded, result.image, out, overwrite=True)
    t4 = time.perf_counter()
    stages = {"decode": t1 - t0, "prompts": t2 - t1}
    stages.update(result.timings)
    stages["other"] = (t3 - t2) - sum(result.timings.values())
    stages["encode"] = t4 - t3
    stages["total"] = t4 - t0
    info = {"segmenters": result.segmenters, "inpainter": result.inpainter, "hole_share": result.share}
    return stages, info, (result if keep_result else None)


def child_main(args: argparse.Namespace) -> None:
    """``--child eraser|naive``: one run in a fresh process, JSON to --child-out."""
    baseline = vm_hwm_kb()
    if args.child == "naive":
        stages = naive(args.photo, args.mask, args.out)
        info: dict[str, Any] = {}
    else:
        box = tuple(int(v) for v in args.box.split(","))
        stages, info, _ = eraser_once(args.photo, box, args.inpainter, args.out)
    Path(args.child_out).write_text(json.dumps({
        "stages": stages, **info, "vm_hwm_kb": vm_hwm_kb(), "vm_hwm_after_imports_kb": baseline,
    }))


def _cli_stages(stderr: str) -> dict[str, float]:
    """Parse '  stages: decode 0.123 s, segment ...' from ``eraser -v``."""
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("stages:"):
            out = {}
            for part in line[len("stages:"):].split(","):
                bits = part.split()
                if len(bits) == 3:
                    out[bits[0]] = float(bits[1])
            return out
    return {}


# ------------------------------------------------------------------------ main


def profile_config(inpainter: str, photo: str, box, out: str, folder: Path) -> str:
    prof = cProfile.Profile()
    prof.enable()
    eraser_once(photo, box, inpainter, out)
    prof.disable()
    safe = inpainter.replace("@", "_at_")
    prof.dump_stats(str(folder / f"{safe}.prof"))
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(15)
    return text.getvalue()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", default="coffee_spoon", help="sample folder name under samples/ (or a path)")
    parser.add_argument("--share", type=float, default=0.05, help="object share of the frame to aim for")
    parser.add_argument("--grain", type=float, default=GRAIN_SIGMA, help="sigma of the Gaussian grain added after upscaling")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per configuration")
    parser.add_argument("--patchmatch-runs", type=int, default=3, help="timed runs for patchmatch configurations")
    parser.add_argument("--inpainters", nargs="+", default=["telea", "patchmatch", "layered"], help="eraser inpainters (name or name@working_size)")
    parser.add_argument("--workdir", type=Path, help="where to build the photo and write outputs (default: a temp dir)")
    parser.add_argument("--keep", type=Path, help="save the input, outputs and crops here")
    parser.add_argument("--json", type=Path, help="save all numbers here")
    parser.add_argument("--profile", type=Path, help="also profile one run per eraser configuration into this folder")
    parser.add_argument("--cli-runs", type=int, default=1, help="CLI runs per inpainter (median wall time, max RSS)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI runs")
    parser.add_argument("--no-rss", action="store_true", help="skip the fresh-process peak RSS runs")
    # internal: one run in a fresh process
    parser.add_argument("--child", choices=["eraser", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--photo", help=argparse.SUPPRESS)
    parser.add_argument("--box", help=argparse.SUPPRESS)
    parser.add_argument("--mask", help=argparse.SUPPRESS)
    parser.add_argument("--inpainter", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return 0

    sample = Path(args.sample) if Path(args.sample).is_dir() else ROOT / "samples" / args.sample
    tmp_ctx = tempfile.TemporaryDirectory(prefix="eraser-speed-") if args.workdir is None else None
    work = Path(tmp_ctx.name) if tmp_ctx else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    try:
        report: dict[str, Any] = {"machine": machine()}
        print(f"building the 12 MP photo from {sample.name} ...", file=sys.stderr)
        photo = build_photo(sample, args.share, work, args.grain)
        report["photo"] = photo
        print(f"  object {100 * photo['object_share']:.2f}% of the frame, box {photo['box']}", file=sys.stderr)
        path, box = photo["file"], tuple(photo["box"])
        gt = cv2.imread(photo["mask_file"], cv2.IMREAD_GRAYSCALE) > 0

        # name -> (function taking the output path, runs)
        configs: dict[str, tuple[Callable[[str], dict[str, float]], int, str]] = {
            "floor (OpenCV)": (lambda out: floor_cv2(path, out), args.runs, "floor_cv2.jpg"),
            "floor (Pillow)": (lambda out: floor_pillow(path, out), args.runs, "floor_pillow.jpg"),
            "naive OpenCV": (lambda out: naive(path, photo["naive_mask_file"], out), args.runs, "naive.jpg"),
        }
        for spec in args.inpainters:
            runs = args.patchmatch_runs if parse_inpainter(spec)[0] == "patchmatch" else args.runs
            configs[f"eraser {spec}"] = (
                (lambda out, spec=spec: eraser_once(path, box, spec, out)[0]), runs, f"eraser_{spec.replace('@', '_at_')}.jpg"
            )
        results: dict[str, dict[str, Any]] = {name: {"runs": []} for name in configs}
        for name, (fn, _, out_name) in configs.items():  # warm-up: imports, plugin loading, caches
            print(f"warm-up: {name}", file=sys.stderr)
            results[name]["first"] = fn(str(work / out_name))
        for r in range(max(c[1] for c in configs.values())):
            print(f"round {r + 1}", file=sys.stderr)
            for name, (fn, runs, out_name) in configs.items():
                if r < runs:
                    results[name]["runs"].append(fn(str(work / out_name)))
        for name, res in results.items():
            keys = res["runs"][0].keys()
            res["median"] = {k: med([run[k] for run in res["runs"]]) for k in keys}

        # Quality checks on one more run of each eraser configuration.
        rgb_in = np.asarray(Image.open(path).convert("RGB"))
        naive_hole = cv2.imread(photo["naive_mask_file"], cv2.IMREAD_GRAYSCALE) > 0
        naive_out = np.asarray(Image.open(work / "naive.jpg").convert("RGB"))
        results["naive OpenCV"].update(detail=fill_detail(naive_out, naive_hole), hole_share=float(naive_hole.mean()), iou=None)
        outputs = {"naive": naive_out}
        for spec in args.inpainters:
            name = f"eraser {spec}"
            stages, info, result = eraser_once(path, box, spec, str(work / "check.jpg"), keep_result=True)
            results[name].update(info)
            results[name]["iou"] = iou(result.selection >= 0.5, gt)
            results[name]["detail"] = fill_detail(result.image, result.hole)
            outputs[spec.replace("@", "_at_")] = result.image
            del result
        if args.keep:
            shutil.copy(path, args.keep / "photo_12mp.jpg")
            shutil.copy(photo["mask_file"], args.keep / "mask_12mp.png")
            for name, (_, _, out_name) in configs.items():
                shutil.copy(work / out_name, args.keep / out_name)
            report["crops"] = write_crops(args.keep, rgb_in, outputs, naive_hole)
        del outputs, rgb_in, naive_out

        # Fresh processes: the CLI, and peak RSS of one in-process run.
        script = ["-m", "bench.speed"]  # run from the repository root, as this one was
        if not args.no_rss:
            print("peak RSS runs ...", file=sys.stderr)
            j = work / "child.json"
            argv_ = [sys.executable, *script, "--child", "naive", "--photo", path, "--mask", photo["naive_mask_file"],
                     "--out", str(work / "rss_naive.jpg"), "--child-out", str(j)]
            results["naive OpenCV"]["rss"] = {**launch(argv_, work, "rss_naive"), "child": json.loads(j.read_text())}
            for spec in args.inpainters:
                argv_ = [sys.executable, *script, "--child", "eraser", "--photo", path, "--box", ",".join(map(str, box)),
                         "--inpainter", spec, "--out", str(work / "rss_eraser.jpg"), "--child-out", str(j)]
                results[f"eraser {spec}"]["rss"] = {**launch(argv_, work, "rss_eraser"), "child": json.loads(j.read_text())}
        cli = eraser_executable()
        if not args.no_cli and cli:
            print("CLI runs ...", file=sys.stderr)
            report["cli_startup"] = launch([cli, "--version"], work, "cli_version")
            for spec in args.inpainters:
                name, size = parse_inpainter(spec)
                if size is not None:
                    continue
                argv_ = [cli, "remove", path, "--box", ",".join(map(str, box)), "--inpainter", name,
                         "-o", str(work / "cli_out.jpg"), "--force", "-v"]
                cli_runs = []
                for _ in range(max(1, args.cli_runs)):
                    run = launch(argv_, work, "cli")
                    run["stages"] = _cli_stages(run["stderr"])
                    cli_runs.append(run)
                results[f"eraser {spec}"]["cli"] = {
                    "wall_s": med([r["wall_s"] for r in cli_runs]),
                    "maxrss_kb": max(r["maxrss_kb"] for r in cli_runs),
                    "runs": cli_runs,
                }

        if args.profile:
            texts = {}
            for spec in args.inpainters:
                texts[spec] = profile_config(spec, path, box, str(work / "profile.jpg"), args.profile)
                print(f"\n=== cProfile, eraser {spec}, top 15 by own time ===\n{texts[spec]}")
            report["profile"] = texts

        report["configs"] = results
        floor = results["floor (OpenCV)"]["median"]["total"]
        naive_t = results["naive OpenCV"]["median"]["total"]
        ratios = {}
        for spec in args.inpainters:
            t = results[f"eraser {spec}"]["median"]["total"]
            ratios[f"{spec} / floor"] = t / floor
            ratios[f"{spec} / naive"] = t / naive_t
        ratios["naive / floor"] = naive_t / floor
        ratios["floor Pillow / floor OpenCV"] = results["floor (Pillow)"]["median"]["total"] / floor
        report["ratios"] = ratios
        report["loadavg_end"] = list(os.getloadavg())
        report["parent_vm_hwm_kb"] = vm_hwm_kb()
        report["targets"] = targets(report)
        text = render(report)
        print(text)
        if args.keep:
            (args.keep / "report.md").write_text(text + "\n")
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    finally:
        if tmp_ctx:
            tmp_ctx.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
