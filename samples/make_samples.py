#!/usr/bin/env python
"""Recreate the sample photos and ground-truth masks in this folder.

    python samples/make_samples.py            # write photo.* and mask.png for every sample
    python samples/make_samples.py --check    # also check prompts.json against mask.png

Source of truth:
  * photos come from scikit-image's bundled data (``skimage.data.<name>()``),
    so they are reproduced bit-for-bit from the installed package
    (JPEG encoding with Pillow, quality 92, where the sample is a JPEG);
  * ``polygon.json`` is HAND-DRAWN (vertices placed by eye on gridded,
    zoomed renderings of the photo) and is never regenerated;
  * ``mask.png`` is rasterised from ``polygon.json`` here: each polygon is
    filled with ``cv2.fillPoly`` (vertices are pixel centres, boundary pixels
    included) and the mask is the UNION of all polygons of the sample;
    8-bit 'L', 255 = object, 0 = background.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

HERE = Path(__file__).resolve().parent

# name -> (skimage.data function, file name, PIL mode)
SAMPLES = {
    "astronaut_helmet": ("astronaut", "photo.jpg", "RGB"),
    "coffee_spoon": ("coffee", "photo.jpg", "RGB"),
    "coffee_cup": ("coffee", "photo.jpg", "RGB"),
    "rocket_falcon9": ("rocket", "photo.jpg", "RGB"),
    "coins_coin": ("coins", "photo.png", "L"),
    "camera_tripod": ("camera", "photo.jpg", "L"),
}

JPEG_QUALITY = 92


def load_source(func_name: str, mode: str) -> np.ndarray:
    img = getattr(data, func_name)()
    if mode == "RGB":
        if img.ndim == 2:
            img = np.stack([img] * 3, axis=-1)
        img = img[..., :3]
    elif img.ndim != 2:
        raise ValueError(f"{func_name}: expected a grayscale image")
    return np.ascontiguousarray(img.astype(np.uint8))


def rasterise(polygons: list, height: int, width: int) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    for poly in polygons:
        pts = np.asarray(poly, dtype=np.int32).reshape(-1, 1, 2)
        if len(pts) < 3:
            raise ValueError("a polygon needs at least 3 vertices")
        layer = np.zeros_like(mask)
        cv2.fillPoly(layer, [pts], 255)
        mask |= layer
    return mask


def make_one(name: str) -> dict:
    func_name, fname, mode = SAMPLES[name]
    folder = HERE / name
    img = load_source(func_name, mode)
    h, w = img.shape[:2]
    pil = Image.fromarray(img, mode=mode)
    out = folder / fname
    if fname.endswith(".jpg"):
        pil.save(out, format="JPEG", quality=JPEG_QUALITY)
    else:
        pil.save(out, format="PNG")
    polygons = json.loads((folder / "polygon.json").read_text())
    mask = rasterise(polygons, h, w)
    Image.fromarray(mask, mode="L").save(folder / "mask.png")
    return {"name": name, "size": (w, h), "share": float((mask > 0).mean()),
            "mask": mask}


def check_prompts(name: str, mask: np.ndarray) -> list[str]:
    problems = []
    prompts = json.loads((HERE / name / "prompts.json").read_text())
    inside = lambda p: mask[p[1], p[0]] > 0  # noqa: E731  (x, y)
    for key in ("point", "points"):
        for p in prompts[key]:
            if not inside(p):
                problems.append(f"{name}: {key} {p} is outside the mask")
    for p in prompts.get("exclude", []):
        if inside(p):
            problems.append(f"{name}: exclude {p} is inside the mask")
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = prompts["box"]
    x1, y1 = x1 - 1, y1 - 1  # the box's x1/y1 are exclusive, as in `eraser --box`
    h, w = mask.shape
    if not (x0 <= xs.min() and y0 <= ys.min() and x1 >= xs.max() and y1 >= ys.max()):
        problems.append(f"{name}: box {prompts['box']} does not contain the mask "
                        f"[{xs.min()},{ys.min()},{xs.max()},{ys.max()}]")
    slack = max(xs.min() - x0, ys.min() - y0, x1 - xs.max(), y1 - ys.max())
    if slack > 6:
        problems.append(f"{name}: box slack {slack}px is more than 6px")
    if not (0 <= x0 < x1 <= w - 1 and 0 <= y0 < y1 <= h - 1):
        problems.append(f"{name}: box {prompts['box']} is outside the image")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="validate prompts.json")
    args = ap.parse_args(argv)
    problems = []
    for name in SAMPLES:
        r = make_one(name)
        print(f"{name:18s} {r['size'][0]}x{r['size'][1]}  object share {100 * r['share']:.2f}%")
        if args.check:
            problems += check_prompts(name, r["mask"])
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
