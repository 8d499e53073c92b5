"""Contact sheets of real erasures, to judge the inpainters by eye.

Each README sample (``samples/*``) is erased with its hand-made mask through
the pipeline (default widening and feather), once per inpainter, and the
constructed scenes of ``quality_scenes`` (an object on a dark or bright
textured surface next to distinct labels and pins: the "pasted a second name
tag / invented header pins / duplicated a resistor" failures) are erased the
same way. One row per photo: the photo with the hole outlined | one column
per inpainter, each a crop around the object.

    .venv/bin/python -m bench.fill_sheets [--out DIR] [--inpainters layered patchmatch telea] [--cell 256]

Writes ``DIR/samples.jpg`` and ``DIR/scenes.jpg`` (default ``bench/results/fills``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from bench import quality_scenes
from bench.common import ROOT, titled_cell, write_sheet
from bench.segmentation_iou import load_sample
from eraser import pipeline, registry
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
from eraser.refine import refine


def _row(image, selection, names, size, label) -> np.ndarray:
    refined = refine(selection.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
    ys, xs = np.nonzero(refined.hole)
    pad = max(24, (ys.max() - ys.min()) // 3, (xs.max() - xs.min()) // 3)
    crop = (slice(max(0, ys.min() - pad), ys.max() + pad), slice(max(0, xs.min() - pad), xs.max() + pad))
    shown = image.copy()
    contours, _ = cv2.findContours(refined.hole.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(shown, contours, -1, (255, 0, 255), max(1, image.shape[0] // 300))
    cells = [titled_cell(shown, crop, size, label)]
    for name in names:
        out = pipeline.erase(image, refined, inpainter=name).image
        cells.append(titled_cell(out, crop, size, name))
    return np.hstack(cells)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "fills"))
    ap.add_argument("--inpainters", nargs="*", help="default: every available inpainter")
    ap.add_argument("--cell", type=int, default=256)
    ap.add_argument("--quality", type=int, default=88, help="JPEG quality of the sheets")
    args = ap.parse_args(argv)
    names = args.inpainters or [n for n, s in registry.backends("inpainter").items() if s.unavailable_reason() is None]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for folder in sorted(p for p in (ROOT / "samples").iterdir() if p.is_dir()):
        sample = load_sample(folder)
        if sample is not None:
            rows.append(_row(sample[0], sample[1], names, args.cell, folder.name))
    write_sheet(out / "samples.jpg", np.vstack(rows), args.quality)
    rows = [_row(s["image"], s["selection"] > 0.5, names, args.cell, s["name"]) for s in quality_scenes.scenes()]
    write_sheet(out / "scenes.jpg", np.vstack(rows), args.quality)
    print(f"wrote {out / 'samples.jpg'} and {out / 'scenes.jpg'} ({', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
