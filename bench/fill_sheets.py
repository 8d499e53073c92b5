"""Contact sheets of real erasures, to judge the inpainters by eye.

Each README sample (``samples/*``) is erased with its hand-made mask through
the pipeline (default widening and feather), once per inpainter, and the
constructed scenes of ``quality_scenes`` (an object on a dark or bright
textured surface next to distinct labels and pins: the "pasted a second name
tag / invented header pins / duplicated a resistor" failures) are erased the
same way. One row per photo: the photo with the hole outlined | one column
per inpainter, each a crop around the object.

    .venv/bin/python -m bench.fill_sheets [--out DIR] [--inpainters layered patchmatch telea] [--cell 256]

Writes ``DIR/samples.jpg`` and ``DIR/scenes.jpg`` (default ``bench/results/fills``);
with ``--blind`` their columns are shuffled (``--seed``) under letters, the
key in ``DIR/samples_key.json``.

``--pasted`` instead erases the real cut-outs pasted on real backgrounds of
``quality_scenes.pasted_scenes`` (the background is the truth), scores every
fill with ``quality_metrics.score`` against it, and writes a *blind* sheet:
each row's fills in a shuffled order under letters only, the key in
``DIR/pasted_key.json`` (seeded: ``--seed``), the scores in
``DIR/pasted_scores.json`` and a table in ``DIR/pasted_scores.md``. Look at
``pasted_blind.jpg`` and write down a preference per row before opening the key.

``--pasted --held-out`` does the same on the held-out scenes
(``quality_scenes.HOLDOUT_BACKGROUNDS``: other photos, the cut-outs in another
order) and names its files ``holdout_*`` instead of ``pasted_*``; ``--pasted
--held-out 2`` on the second held-out set (``HOLDOUT2_BACKGROUNDS``: crops
that overlap neither earlier set, the cut-outs in a third order), files
``holdout2_*``. A held-out set is judged once per round, never tuned on.
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


def _row(image, selection, names, size, label, letters: bool = False) -> np.ndarray:
    refined = refine(selection.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
    ys, xs = np.nonzero(refined.hole)
    pad = max(24, (ys.max() - ys.min()) // 3, (xs.max() - xs.min()) // 3)
    crop = (slice(max(0, ys.min() - pad), ys.max() + pad), slice(max(0, xs.min() - pad), xs.max() + pad))
    shown = image.copy()
    contours, _ = cv2.findContours(refined.hole.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(shown, contours, -1, (255, 0, 255), max(1, image.shape[0] // 300))
    cells = [titled_cell(shown, crop, size, label)]
    for i, name in enumerate(names):
        out = pipeline.erase(image, refined, inpainter=name).image
        cells.append(titled_cell(out, crop, size, chr(65 + i) if letters else name))
    return np.hstack(cells)


def _pasted(names, out: Path, size: int, seed: int, params, held_out: int = 0) -> None:
    import json
    import time

    from bench import quality_metrics as qm

    rng = np.random.default_rng(seed)
    rows, key, scores = [], {}, []
    totals = {n: 0.0 for n in names}
    prefix = "pasted" if not held_out else "holdout" if held_out == 1 else f"holdout{held_out}"
    for scene in quality_scenes.pasted_scenes(ROOT, held_out):
        refined = refine(scene["selection"].astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
        hole = refined.hole
        order = [names[i] for i in rng.permutation(len(names))]
        key[scene["name"]] = {chr(65 + i): n for i, n in enumerate(order)}
        ys, xs = np.nonzero(hole)
        pad = max(16, (ys.max() - ys.min()) // 3, (xs.max() - xs.min()) // 3)
        crop = (slice(max(0, ys.min() - pad), ys.max() + pad), slice(max(0, xs.min() - pad), xs.max() + pad))
        cells = [titled_cell(scene["image"], crop, size, scene["name"][:30])]
        for i, name in enumerate(order):
            start = time.perf_counter()
            result = pipeline.erase(scene["image"], refined, inpainter=name).image
            totals[name] += time.perf_counter() - start
            scores.append({"scene": scene["name"], "backend": name, **qm.score(result, scene["truth"], hole)})
            cells.append(titled_cell(result, crop, size, chr(65 + i)))
        cells.append(titled_cell(scene["truth"], crop, size, "truth"))
        rows.append(np.hstack(cells))
    cv2.imwrite(str(out / f"{prefix}_blind.jpg"), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR), params)
    (out / f"{prefix}_key.json").write_text(json.dumps(key, indent=1) + "\n")
    (out / f"{prefix}_scores.json").write_text(json.dumps({"scores": scores, "seconds": totals}, indent=1) + "\n")
    metrics = ["psnr_hole", "ssim_hole", "coherence", "edges", "blockiness", "copied", "seam"]
    lines = ["| backend | " + " | ".join(metrics) + " | seconds |", "|---" * (len(metrics) + 2) + "|"]
    for name in names + ["truth"]:
        mine = [r for r in scores if r["backend"] == name]
        if name == "truth":  # the photo's own blockiness and coherence under the same holes
            mine = [qm.score(sc["truth"], sc["truth"], refine(sc["selection"].astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER).hole)
                    for sc in quality_scenes.pasted_scenes(ROOT, held_out)]
        cols = []
        for m in metrics:
            vals = [r[m] for r in mine if r[m] is not None]
            cols.append(f"{np.mean(vals):.3f}" if vals else "-")
        lines.append(f"| {name} | " + " | ".join(cols) + f" | {totals.get(name, 0.0):.2f} |")
    (out / f"{prefix}_scores.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "fills"))
    ap.add_argument("--inpainters", nargs="*", help="default: every available inpainter")
    ap.add_argument("--cell", type=int, default=256)
    ap.add_argument("--quality", type=int, default=88, help="JPEG quality of the sheets")
    ap.add_argument("--pasted", action="store_true", help="blind, scored sheet of pasted objects on real backgrounds")
    ap.add_argument("--held-out", nargs="?", type=int, const=1, default=0, choices=sorted(set(quality_scenes.PASTED_SETS) - {0}),
                    help="with --pasted: a held-out set of scenes, the first unless named (judged once per round, never tuned on)")
    ap.add_argument("--seed", type=int, default=2412, help="the shuffle of the blind sheet")
    ap.add_argument("--blind", action="store_true", help="samples and scenes too under shuffled letters (key: samples_key.json)")
    args = ap.parse_args(argv)
    if args.held_out and not args.pasted:
        ap.error("--held-out goes with --pasted")
    names = args.inpainters or [n for n, s in registry.backends("inpainter").items() if s.unavailable_reason() is None]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.pasted:
        _pasted(names, out, args.cell, args.seed, [cv2.IMWRITE_JPEG_QUALITY, args.quality], args.held_out)
        return 0
    rng, key = np.random.default_rng(args.seed), {}

    def row(image, selection, label):
        order = [names[i] for i in rng.permutation(len(names))] if args.blind else names
        key[label] = {chr(65 + i): n for i, n in enumerate(order)}
        return _row(image, selection, order, args.cell, label, letters=args.blind)

    rows = []
    for folder in sorted(p for p in (ROOT / "samples").iterdir() if p.is_dir()):
        sample = load_sample(folder)
        if sample is not None:
            rows.append(row(sample[0], sample[1], folder.name))
    write_sheet(out / "samples.jpg", np.vstack(rows), args.quality)
    rows = [row(s["image"], s["selection"] > 0.5, s["name"]) for s in quality_scenes.scenes()]
    write_sheet(out / "scenes.jpg", np.vstack(rows), args.quality)
    if args.blind:
        import json

        (out / "samples_key.json").write_text(json.dumps(key, indent=1) + "\n")
    print(f"wrote {out / 'samples.jpg'} and {out / 'scenes.jpg'} ({', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
