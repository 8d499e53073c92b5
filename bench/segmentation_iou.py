"""Segmentation quality of the classical segmenters on the samples.

For each ``samples/<name>/`` (``photo.jpg`` or ``photo.png``, ``mask.png``
with 255 = object, ``prompts.json`` with ``point``, ``points``, optional ``exclude`` and
``box``) and each prompt kind (one click, three clicks, three clicks plus
the negative ``exclude`` clicks where the sample has some, the box), run the ``point`` segmenter (and, for the box, the
``grabcut`` segmenter too), then print IoU against the ground truth (both
thresholded at 0.5) and seconds per call as a markdown table.

    .venv/bin/python -m bench.segmentation_iou [--samples DIR] [--json OUT]
        [--overlays DIR] [--only NAME ...] [--methods point grabcut]

``--overlays DIR`` writes ``DIR/<sample>_<method>_<kind>.png``: the photo
with the predicted outline in red, the ground truth outline in green and
the clicks (positive yellow, negative blue) and box (cyan).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from bench.common import ROOT
from eraser.prompts import Prompt
from eraser.testing import iou

KINDS = ("point", "points", "points+exclude", "box")


def load_sample(folder: Path):
    photo = next((folder / n for n in ("photo.jpg", "photo.png", "photo.jpeg") if (folder / n).exists()), None)
    if photo is None or not (folder / "mask.png").exists() or not (folder / "prompts.json").exists():
        return None
    bgr = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    gt = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
    if bgr is None or gt is None:
        return None
    image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if gt.shape != image.shape[:2]:
        gt = cv2.resize(gt, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    prompts = json.loads((folder / "prompts.json").read_text())
    return image, gt >= 128, prompts


def make_prompt(prompts: dict, kind: str):
    """The :class:`Prompt` for one prompt kind, or None when the sample has none.

    ``prompts.json`` boxes use the CLI's convention (``x1``/``y1`` exclusive),
    as :class:`Prompt` does.
    """
    if kind == "box":
        if not prompts.get("box"):
            return None
        x0, y0, x1, y1 = (int(v) for v in prompts["box"])
        return Prompt(box=(x0, y0, x1, y1))
    key = "point" if kind == "point" else "points"
    if not prompts.get(key):
        return None
    pts = [tuple(map(float, p)) for p in prompts[key]]
    labels = [1] * len(pts)
    if kind == "points+exclude":
        neg = prompts.get("exclude") or []
        if not neg:
            return None
        pts += [tuple(map(float, p)) for p in neg]
        labels += [0] * len(neg)
    return Prompt(points=tuple(pts), labels=tuple(labels))


def outline(mask: np.ndarray, thickness: int) -> np.ndarray:
    m = mask.astype(np.uint8)
    k = np.ones((2 * thickness + 1, 2 * thickness + 1), np.uint8)
    return (cv2.dilate(m, k) > 0) & ~(cv2.erode(m, k) > 0)


def overlay(image: np.ndarray, pred: np.ndarray, gt: np.ndarray, prompt: Prompt) -> np.ndarray:
    vis = (image.astype(np.float32) * 0.8).astype(np.uint8)
    t = max(1, max(image.shape[:2]) // 400)
    vis[outline(gt, t)] = (0, 255, 0)
    vis[outline(pred >= 0.5, t)] = (255, 0, 0)
    r = max(3, max(image.shape[:2]) // 120)
    for (x, y), lab in zip(prompt.points, prompt.labels):
        cv2.circle(vis, (int(x), int(y)), r, (255, 255, 0) if lab == 1 else (0, 128, 255), -1)
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box
        cv2.rectangle(vis, (x0, y0), (x1 - 1, y1 - 1), (0, 255, 255), t)
    return vis


def choose_segmenters(names=None):
    """Registered segmenters that can run on the samples' point/box prompts:
    (chosen specs, {name: why skipped}); ``names`` limits the choice."""
    from eraser import registry

    chosen, skipped = [], {}
    for name, spec in registry.backends("segmenter").items():
        if names and name not in names:
            continue
        reason = spec.unavailable_reason()
        if reason is None and not spec.prompts & {"point", "box"}:
            reason = f"accepts only {', '.join(sorted(spec.prompts))} prompts"
        if reason is None:
            chosen.append(spec)
        else:
            skipped[name] = reason
    return chosen, skipped


def score_samples(folders, specs, on_prediction=None) -> list[dict]:
    """IoU and seconds of every segmenter on every prompt kind of every sample.

    ``on_prediction(folder, segmenter, kind, image, pred, gt, prompt)`` sees
    each mask (for overlays).
    """
    from eraser import registry

    rows = []
    for folder in folders:
        sample = load_sample(folder)
        if sample is None:
            print(f"skipping {folder.name}: needs photo.jpg|png, mask.png, prompts.json", file=sys.stderr)
            continue
        image, gt, prompts = sample
        for kind in KINDS:
            prompt = make_prompt(prompts, kind)
            if prompt is None:
                continue
            for spec in specs:
                if prompt.kind not in spec.prompts:
                    continue
                start = time.perf_counter()
                pred = registry.build(spec).segment(image, prompt)
                seconds = time.perf_counter() - start
                rows.append({
                    "sample": folder.name,
                    "size": f"{image.shape[1]}x{image.shape[0]}",
                    "segmenter": spec.name,
                    "kind": kind,
                    "iou": round(iou(pred, gt), 4),
                    "seconds": round(seconds, 4),
                })
                if on_prediction:
                    on_prediction(folder, spec.name, kind, image, pred, gt, prompt)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", default=str(ROOT / "samples"), help="folder of sample folders (default: samples/)")
    ap.add_argument("--json", dest="json_out", help="also write the results as JSON here")
    ap.add_argument("--overlays", help="write outline overlays (PNG) into this folder")
    ap.add_argument("--only", nargs="*", help="only these sample names")
    ap.add_argument("--methods", nargs="*", help="segmenters to run [default: every available one]")
    args = ap.parse_args(argv)

    root = Path(args.samples)
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if args.only:
        folders = [f for f in folders if f.name in args.only]
    specs, skipped = choose_segmenters(args.methods)
    for name, reason in skipped.items():
        print(f"not run: {name}: {reason}", file=sys.stderr)

    def save_overlay(folder, segmenter, kind, image, pred, gt, prompt):
        vis = overlay(image, pred, gt, prompt)
        name = Path(args.overlays) / f"{folder.name}_{segmenter}_{kind}.png"
        cv2.imwrite(str(name), cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))

    if args.overlays:
        Path(args.overlays).mkdir(parents=True, exist_ok=True)
    rows = score_samples(folders, specs, save_overlay if args.overlays else None)

    if not rows:
        print(f"no samples found in {root}", file=sys.stderr)
        return 1
    columns = list(dict.fromkeys((r["segmenter"], r["kind"]) for r in rows))
    names = list(dict.fromkeys(r["sample"] for r in rows))
    table = {(r["sample"], r["segmenter"], r["kind"]): r for r in rows}
    print("| sample | size | " + " | ".join(f"{m} ({k})" for m, k in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for name in names:
        size = next(r["size"] for r in rows if r["sample"] == name)
        cells = []
        for m, k in columns:
            r = table.get((name, m, k))
            cells.append(f"{r['iou']:.3f} ({r['seconds']:.2f}s)" if r else "-")
        print(f"| {name} | {size} | " + " | ".join(cells) + " |")
    means = {}
    for m, k in columns:
        sel = [r for r in rows if r["segmenter"] == m and r["kind"] == k]
        means[f"{m}/{k}"] = {
            "iou": round(float(np.mean([r["iou"] for r in sel])), 4),
            "seconds": round(float(np.mean([r["seconds"] for r in sel])), 4),
            "n": len(sel),
        }
    print("| **mean** | | " + " | ".join(f"**{means[f'{m}/{k}']['iou']:.3f}** ({means[f'{m}/{k}']['seconds']:.2f}s)" for m, k in columns) + " |")
    print()
    for key, v in means.items():
        print(f"mean IoU {key}: {v['iou']:.3f} over {v['n']} samples, {v['seconds']:.3f} s per call")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"rows": rows, "means": means}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
