"""Inpainting and segmentation quality on real photos, with known answers.

**Inpainting.** Each photo (the distinct sample photos, plus scikit-image's
bundled brick, grass and gravel textures and the ``chelsea`` cat) gets
synthetic holes of three kinds (``blob``: one object-shaped blob; ``thick``:
strokes 5 % of the short side wide; ``thin``: strokes 3 to 6 px wide) at two
sizes (see ``quality_metrics.HOLE_SIZES``). A seeded generator makes them (the
seed is a hash of ``photo/kind/size``), so every run measures the same work.
The pixels under a synthetic hole are known, so every backend is scored
against the photo itself (see ``quality_metrics`` for what each score
rewards and where it misleads):

* every *available* inpainter the plugin system registers (built-in and
  third-party), through ``pipeline.erase`` with the hole as the refined mask,
  ``dilate=0`` and ``feather=0``, so the scored hole is exactly the synthetic
  one and the pipeline's crop / working size / composite are all exercised;
* the **raw** library calls on the full frame as baselines the pipeline must
  not be worse than: ``raw:telea`` and ``raw:ns`` (``cv2.inpaint``, radius 5
  like the opencv plugin), ``raw:patchmatch`` (``patch_match.inpaint``,
  patch size 3 and seed 0 like the patchmatch plugin) when installed;
* ``oracle:grain``, a bound rather than a backend (``texture_oracle``): it
  reads the lost pixels and puts their own high-frequency band, at random
  phases, on a harmonic fill. Its scores show what texture at the
  original's strength costs in PSNR and SSIM when it cannot be in the right
  place; it is never marked best.

**Segmentation.** For every available segmenter and prompt kind it accepts
(``point``, ``points``, ``points+exclude``, ``box`` from each sample's
``prompts.json``): IoU against the hand-made ``mask.png``.

**Output** (``--out``, default ``bench/results/quality``): ``quality.md``
(tables), ``quality.json`` (every score) and ``sheets/<photo>.png``
contact sheets: one row per hole, columns original | hole | one per backend,
each cell a crop around the hole.

    .venv/bin/python -m bench.quality [--smoke] [--out DIR] [--inpainters telea raw:telea ...]
        [--photos brick coffee_cup ...] [--segmenters point grabcut] [--no-sheets] [--no-segmentation]

``--smoke`` (for CI, well under 20 s): two photos, the small size of each
hole kind, telea, ns, raw:telea (and patchmatch when available), one small
contact sheet, segmentation on one sample.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

from bench import quality_metrics as qm
from bench import quality_scenes
from bench.common import ROOT, fit_cell, label_cell, title_row, write_sheet
from bench.segmentation_iou import KINDS as PROMPT_KINDS
from bench.segmentation_iou import choose_segmenters, load_sample, score_samples
from eraser import pipeline, registry
from eraser.refine import refine

SKIMAGE_PHOTOS = ("brick", "grass", "gravel", "chelsea")
SMOKE_PHOTOS = ("coins_coin", "brick")
SMOKE_SEGMENTATION_SAMPLES = ("coins_coin",)
METRICS = ("psnr_hole", "ssim_hole", "ssim_band", "texture", "seam", "copied", "coherence", "blockiness", "edges")
METRIC_HEADERS = {
    "psnr_hole": "PSNR hole (dB) ↑",
    "ssim_hole": "SSIM hole ↑",
    "ssim_band": "SSIM band ↑",
    "texture": "texture (1 ideal)",
    "seam": "seam (1 ideal)",
    "copied": "copied ↓",
    "coherence": "coherence ↓",
    "blockiness": "blockiness ↓",
    "edges": "edges ↑",
}
# Pipeline backend -> its raw baseline; the pipeline must not be worse.
RAW_FOR = {"telea": "raw:telea", "ns": "raw:ns", "patchmatch": "raw:patchmatch"}
# "Not worse": mean over a hole kind no more than this below the raw call.
TOLERANCE = {"psnr_hole": 0.1, "ssim_hole": 0.005}
# Reads the truth (texture_oracle): shown for reference, never "best".
ORACLE = "oracle:grain"


# --------------------------------------------------------------------------- photos


def load_photos(names: Optional[list[str]] = None) -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8) for the distinct sample photos and the scikit-image ones."""
    photos: list[tuple[str, np.ndarray]] = []
    seen: set[str] = set()
    samples = ROOT / "samples"
    for folder in sorted(p for p in samples.iterdir() if p.is_dir()):
        sample = load_sample(folder)
        if sample is None:
            continue
        digest = hashlib.sha256(sample[0].tobytes()).hexdigest()
        if digest in seen:  # coffee_cup and coffee_spoon share a photo
            continue
        seen.add(digest)
        photos.append((folder.name, sample[0]))
    import skimage.data

    for name in SKIMAGE_PHOTOS:
        image = getattr(skimage.data, name)()
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        photos.append((name, np.ascontiguousarray(image[..., :3], dtype=np.uint8)))
    if names:
        known = {n for n, _ in photos}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SystemExit(f"unknown photo(s) {unknown}; choose from {sorted(known)}")
        photos = [p for p in photos if p[0] in names]
    return photos


def make_cases(photos, sizes: tuple[str, ...]) -> list[dict]:
    cases = []
    for name, image in photos:
        for kind in qm.HOLE_KINDS:
            for size in sizes:
                case = f"{name}/{kind}/{size}"
                seed = qm.seed_for(case)
                hole = qm.make_hole(image.shape[:2], kind, qm.HOLE_SIZES[kind][size], seed)
                cases.append({"case": case, "photo": name, "kind": kind, "size": size, "seed": seed,
                              "image": image, "hole": hole, "area": round(float(hole.mean()), 4)})
    return cases


# --------------------------------------------------------------------------- backends


def raw_backends() -> dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """The raw library calls on the full frame, with the plugins' parameters."""
    out = {
        "raw:telea": lambda img, hole: cv2.inpaint(img, hole.astype(np.uint8), 5, cv2.INPAINT_TELEA),
        "raw:ns": lambda img, hole: cv2.inpaint(img, hole.astype(np.uint8), 5, cv2.INPAINT_NS),
    }
    try:
        from patchmatch import patch_match
    except Exception:  # not installed: no baseline for it
        return out

    def raw_patchmatch(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        patch_match.set_random_seed(0)
        return patch_match.inpaint(img, hole.astype(np.uint8), patch_size=3)

    out["raw:patchmatch"] = raw_patchmatch
    return out


def texture_oracle(img: np.ndarray, hole: np.ndarray, seed: int = 0) -> np.ndarray:
    """A bound, not a backend: it reads the lost pixels. The harmonic fill of
    the hole plus the truth's own high-frequency band (the one ``texture``
    measures) with random phases, scaled so that score reads 1.
    It has exactly the right grain in the wrong places, which is the best any
    fill can do where the grain cannot be predicted; its PSNR and SSIM show
    what grain at the original's strength costs (see SCORE_NOTES)."""
    from eraser_layered.harmonic import harmonic_fill

    hole = np.asarray(hole, bool)
    out = harmonic_fill(img.astype(np.float32), hole)
    gray = qm._gray(img).astype(np.float32)
    band = (gray - cv2.GaussianBlur(gray, (0, 0), qm.TEXTURE_SIGMA)) * hole
    ys, xs = np.nonzero(hole)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    phase = np.fft.fft2(np.random.default_rng(seed).standard_normal(band[box].shape))
    grain = np.real(np.fft.ifft2(np.abs(np.fft.fft2(band[box])) * phase / np.maximum(np.abs(phase), 1e-12)))
    inside = hole[box]
    grain *= np.sqrt((band[box][inside] ** 2).sum() / max(float((grain[inside] ** 2).sum()), 1e-9))
    out[box] += (grain * inside)[..., None]
    # Scaled so that ``texture`` itself reads 1: filtering the band again
    # inside that score would otherwise leave it about 0.7.
    first = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    gain = 1.0 / np.sqrt(max(qm.texture_ratio(first, img, hole), 1e-6))
    out[box] += ((gain - 1.0) * grain * inside)[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def pipeline_backend(name: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def run(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        return pipeline.erase(img, refine(hole.astype(np.float32), 0, 0), inpainter=name).image

    return run


def choose_backends(requested: Optional[list[str]], smoke: bool) -> tuple[dict[str, dict], dict[str, str]]:
    """Backends to run ({name: {"run", "type", "plugin"}}) and skipped ones with why."""
    specs = registry.backends("inpainter")
    raws = raw_backends()
    chosen: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    for name, spec in specs.items():
        reason = spec.unavailable_reason()
        if reason is not None:
            skipped[name] = reason
            continue
        chosen[name] = {"run": pipeline_backend(name), "type": "pipeline", "plugin": spec.plugin,
                        "working_size": spec.working_size}
    for name, fn in raws.items():
        chosen[name] = {"run": fn, "type": "raw", "plugin": None, "working_size": None}
    if "layered" in specs:  # the oracle borrows its harmonic fill
        chosen[ORACLE] = {"run": texture_oracle, "type": "oracle", "plugin": None, "working_size": None}
    if requested:
        unknown = [n for n in requested if n not in chosen and n not in skipped]
        if unknown:
            raise SystemExit(f"unknown inpainter(s) {unknown}; choose from {sorted(chosen) + sorted(skipped)}")
        for n in requested:
            if n in skipped:
                print(f"inpainter {n!r} is not available: {skipped[n]}", file=sys.stderr)
        chosen = {n: chosen[n] for n in requested if n in chosen}
        skipped = {n: r for n, r in skipped.items() if n in requested}
    elif smoke:
        keep = ["telea", "ns", "raw:telea", "patchmatch", "layered"]
        chosen = {n: chosen[n] for n in keep if n in chosen}
    return chosen, skipped


# --------------------------------------------------------------------------- inpainting


def run_inpainting(cases: list[dict], backends: dict[str, dict], log=print) -> tuple[list[dict], dict]:
    rows = []
    fills: dict[tuple[str, str], np.ndarray] = {}
    for i, case in enumerate(cases, 1):
        image, hole = case["image"], case["hole"]
        # The photo's own repetition under this hole: the floor "copied" is read against.
        case["copied_photo"] = round(qm.copied_structure(image, hole), 4)
        for name, backend in backends.items():
            start = time.perf_counter()
            try:
                out = backend["run"](image, hole)
                error = None
            except Exception as exc:  # a broken backend is reported, not fatal
                out, error = None, f"{type(exc).__name__}: {exc}".splitlines()[0]
            seconds = time.perf_counter() - start
            row = {k: case[k] for k in ("case", "photo", "kind", "size", "seed", "area")}
            row.update(backend=name, type=backend["type"], seconds=round(seconds, 4), copied_photo=case["copied_photo"])
            if out is not None:
                # Outside the hole the photo must come back bit-identical.
                row["outside_changed"] = int(np.any(out[~hole] != image[~hole], axis=-1).sum())
                row.update(qm.score(out, image, hole))
                fills[(case["case"], name)] = out
            else:
                row["error"] = error
            rows.append(row)
        log(f"[{i}/{len(cases)}] {case['case']} area {case['area']:.3f}: " + ", ".join(
            f"{r['backend']} {r.get('psnr_hole', float('nan')):.1f} dB" for r in rows[-len(backends):]))
    return rows, fills


def _mean(values) -> Optional[float]:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None


def summarise(rows: list[dict], backends: list[str], group: tuple[str, ...]) -> list[dict]:
    """Mean of every metric per ``group`` (e.g. ("kind",)) and backend."""
    keys = list(dict.fromkeys(tuple(r[g] for g in group) for r in rows))
    out = []
    for key in keys:
        for name in backends:
            sel = [r for r in rows if r["backend"] == name and tuple(r[g] for g in group) == key and "error" not in r]
            if not sel:
                continue
            entry = dict(zip(group, key))
            entry.update(backend=name, n=len(sel), seconds=_mean(r["seconds"] for r in sel))
            entry.update({m: _mean(r[m] for r in sel) for m in METRICS})
            out.append(entry)
    return out


def baseline_check(rows: list[dict], backends: list[str]) -> list[dict]:
    """Per pipeline backend with a raw counterpart and hole kind: is it worse?"""
    checks = []
    for name, raw in RAW_FOR.items():
        if name not in backends or raw not in backends:
            continue
        for kind in qm.HOLE_KINDS:
            pairs = []
            for r in rows:
                if r["backend"] != name or r["kind"] != kind or "error" in r:
                    continue
                base = next((b for b in rows if b["backend"] == raw and b["case"] == r["case"] and "error" not in b), None)
                if base is not None:
                    pairs.append((r, base))
            if not pairs:
                continue
            entry = {"backend": name, "raw": raw, "kind": kind, "n": len(pairs)}
            ok = True
            for metric, tol in TOLERANCE.items():
                delta = float(np.mean([p[metric] - b[metric] for p, b in pairs]))
                worst = min(pairs, key=lambda pb: pb[0][metric] - pb[1][metric])
                entry[f"delta_{metric}"] = round(delta, 4)
                entry[f"worst_{metric}"] = {"case": worst[0]["case"], "delta": round(worst[0][metric] - worst[1][metric], 4)}
                ok = ok and delta >= -tol
            entry["ok"] = ok
            checks.append(entry)
    return checks


# --------------------------------------------------------------------------- contact sheets


def contact_sheet(cases: list[dict], fills: dict, backends: list[str], rows: list[dict], cell: int = 224) -> np.ndarray:
    """One row per hole: original | hole | one column per backend (crops around the hole)."""
    scores = {(r["case"], r["backend"]): r for r in rows}
    lines = [title_row(["original", "hole", *backends], cell)]
    for case in cases:
        image, hole = case["image"], case["hole"]
        ys, xs = np.nonzero(hole)
        pad = 16
        y0, y1 = max(0, ys.min() - pad), min(image.shape[0], ys.max() + 1 + pad)
        x0, x1 = max(0, xs.min() - pad), min(image.shape[1], xs.max() + 1 + pad)
        crop = (slice(y0, y1), slice(x0, x1))
        shown = image.copy()
        shown[hole] = (255, 0, 255)
        cells = [fit_cell(image[crop], cell), fit_cell(shown[crop], cell)]
        label_cell(cells[0], f"{case['kind']} {case['size']} {100 * case['area']:.1f}%")
        for name in backends:
            out = fills.get((case["case"], name))
            c = fit_cell(out[crop], cell) if out is not None else np.full((cell, cell, 3), 64, np.uint8)
            r = scores.get((case["case"], name), {})
            if "psnr_hole" in r:
                label_cell(c, f"{r['psnr_hole']:.1f}dB t{r['texture']:.2f} s{r['seam']:.2f}")
            cells.append(c)
        lines.append(np.hstack(cells))
    return np.vstack(lines)


# --------------------------------------------------------------------------- object scenes


def run_scenes(backends: dict[str, dict], only: Optional[int] = None, log=print) -> tuple[list[dict], dict]:
    """Erase a constructed object with each pipeline backend at the default
    widening and feather (see quality_scenes); raw calls have no composite."""
    from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER

    rows, fills = [], {}
    made = quality_scenes.scenes()[:only]
    for scene in made:
        refined = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER)
        for name, backend in backends.items():
            if backend["type"] != "pipeline":
                continue
            start = time.perf_counter()
            try:
                out = pipeline.erase(scene["image"], refined, inpainter=name).image
            except Exception as exc:  # reported, not fatal
                rows.append({"scene": scene["name"], "surface": scene["surface"], "backend": name,
                             "error": f"{type(exc).__name__}: {exc}".splitlines()[0]})
                continue
            row = {"scene": scene["name"], "surface": scene["surface"], "backend": name,
                   "seconds": round(time.perf_counter() - start, 4)}
            row.update(quality_scenes.score_scene(out, scene["truth"], refined.hole, DEFAULT_FEATHER))
            rows.append(row)
            fills[(scene["name"], name)] = out
        log(f"scene {scene['name']}: " + ", ".join(f"{r['backend']} seam {r.get('seam', float('nan')):.2f} "
                                                    f"halo {r.get('halo', float('nan')):+.1f}" for r in rows if r["scene"] == scene["name"]))
    return rows, {"scenes": made, "fills": fills}


def scene_summary(rows: list[dict]) -> list[dict]:
    """Per backend: seam and halo on dark and on bright surfaces, PSNR and copied over all scenes."""
    out = []
    for name in dict.fromkeys(r["backend"] for r in rows):
        sel = [r for r in rows if r["backend"] == name and "error" not in r]
        if not sel:
            continue
        entry = {"backend": name, "n": len(sel)}
        for surface in quality_scenes.SURFACES:
            on = [r for r in sel if r["surface"] == surface]
            entry[f"seam_{surface}"] = _mean(r["seam"] for r in on)
            entry[f"halo_{surface}"] = _mean(r["halo"] for r in on)
        entry["psnr_hole"] = _mean(r["psnr_hole"] for r in sel)
        entry["copied"] = _mean(r["copied"] for r in sel)
        entry["seconds"] = _mean(r["seconds"] for r in sel)
        out.append(entry)
    return out


def scene_sheet(made: list[dict], fills: dict, backends: list[str], cell: int = 224) -> np.ndarray:
    """One row per scene: with the object | truth | one column per backend (whole scene)."""
    lines = [title_row(["with object", "truth", *backends], cell)]
    for scene in made:
        cells = [fit_cell(scene["image"], cell), fit_cell(scene["truth"], cell)]
        for name in backends:
            out = fills.get((scene["name"], name))
            cells.append(fit_cell(out, cell) if out is not None else np.full((cell, cell, 3), 64, np.uint8))
        lines.append(np.hstack(cells))
    return np.vstack(lines)


# --------------------------------------------------------------------------- segmentation


def run_segmentation(names: Optional[list[str]], only_samples: Optional[tuple[str, ...]], log=print) -> tuple[list[dict], dict]:
    chosen, skipped = choose_segmenters(names)
    folders = [p for p in sorted((ROOT / "samples").iterdir()) if p.is_dir()]
    if only_samples:
        folders = [p for p in folders if p.name in only_samples]
    rows = score_samples(folders, chosen)
    for folder in folders:
        done = [r for r in rows if r["sample"] == folder.name]
        log(f"segmentation {folder.name}: " + ", ".join(f"{r['segmenter']}/{r['kind']} {r['iou']:.3f}" for r in done))
    return rows, skipped


# --------------------------------------------------------------------------- report


def _fmt(value, metric: str = "") -> str:
    if value is None:
        return "-"
    if metric == "psnr_hole" or metric == "seconds_psnr":
        return f"{value:.2f}"
    if metric == "seconds":
        return f"{value:.3f}"
    return f"{value:.3f}"


def _table(entries: list[dict], group: tuple[str, ...], bold_best: bool = True) -> list[str]:
    head = [*group, "backend", *(METRIC_HEADERS[m] for m in METRICS), "s/case", "n"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(group) + "---|" + "---:|" * (len(METRICS) + 2)]
    previous = None
    for e in entries:
        key = tuple(e[g] for g in group)
        cells = [str(k) if key != previous else "" for k in key]
        previous = key
        same = [x for x in entries if tuple(x[g] for g in group) == key and x["backend"] != ORACLE]
        values = []
        for m in METRICS:
            text = _fmt(e[m], m)
            if bold_best and len(same) > 1 and e[m] is not None and e["backend"] != ORACLE:
                if m in ("texture", "seam"):
                    best = min(abs(x[m] - 1) for x in same if x[m] is not None)
                    is_best = abs(e[m] - 1) == best
                elif m in ("copied", "coherence", "blockiness"):
                    is_best = e[m] == min(x[m] for x in same if x[m] is not None)
                else:
                    is_best = e[m] == max(x[m] for x in same if x[m] is not None)
                text = f"**{text}**" if is_best else text
            values.append(text)
        lines.append("| " + " | ".join([*cells, f"`{e['backend']}`", *values, _fmt(e["seconds"], "seconds"), str(e["n"])]) + " |")
    return lines


def markdown(report: dict) -> str:
    meta = report["meta"]
    inp = report["inpainting"]
    out = [f"# Quality benchmark ({meta['mode']} run)", ""]
    out.append(f"{meta['date']}, {meta['machine']}; {meta['runtime_s']:.1f} s in all "
               f"(inpainting {meta['inpainting_s']:.1f} s, segmentation {meta['segmentation_s']:.1f} s).")
    out.append("")
    out.append(f"Photos ({len(inp['photos'])}): " + ", ".join(f"`{p}`" for p in inp["photos"]) + ". "
               f"Holes: {', '.join(qm.HOLE_KINDS)} at sizes {', '.join(inp['sizes'])} "
               f"(area fractions {json.dumps(qm.HOLE_SIZES)}), seeded by case name.")
    out.append("")
    kinds = {"raw": " (raw, full frame)", "oracle": " (reads the truth: a bound, not a backend)"}
    backends = ", ".join(f"`{n}`" + (f" ({b['plugin']} plugin, working size {b['working_size']})" if b["type"] == "pipeline" else kinds[b["type"]])
                         for n, b in inp["backends"].items())
    out.append(f"Inpainters: {backends}.")
    for name, reason in inp["skipped"].items():
        out.append(f"Not run: `{name}`: {reason}.")
    out.append("")
    out.append("## Inpainting: means per hole kind")
    out.append("")
    out.extend(_table(inp["by_kind"], ("kind",)))
    out.append("")
    out.append("Bold: best per hole kind (for texture and seam, closest to 1).")
    out.append("")
    out.append("## Inpainting: means per hole kind and size")
    out.append("")
    out.extend(_table(inp["by_kind_size"], ("kind", "size")))
    out.append("")
    out.append("## Inpainting: means per photo (all holes)")
    out.append("")
    out.extend(_table(inp["by_photo"], ("photo",)))
    out.append("")
    out.append("## The pipeline against the raw library call")
    out.append("")
    out.append(f"Mean difference pipeline − raw over the same holes; the pipeline fails when a mean is more than "
               f"{TOLERANCE['psnr_hole']} dB PSNR or {TOLERANCE['ssim_hole']} SSIM below the raw call.")
    out.append("")
    out.append("| backend | baseline | kind | n | Δ PSNR hole (dB) | worst case | Δ SSIM hole | worst case | verdict |")
    out.append("|---|---|---|---:|---:|---|---:|---|---|")
    for c in inp["baseline_check"]:
        wp, ws = c["worst_psnr_hole"], c["worst_ssim_hole"]
        out.append(f"| `{c['backend']}` | `{c['raw']}` | {c['kind']} | {c['n']} | {c['delta_psnr_hole']:+.3f} | "
                   f"{wp['case']} ({wp['delta']:+.2f}) | {c['delta_ssim_hole']:+.4f} | {ws['case']} ({ws['delta']:+.4f}) | "
                   f"{'not worse' if c['ok'] else '**WORSE**'} |")
    first = next(iter(inp["backends"]), None)
    photo_copied = {k: _mean(r["copied_photo"] for r in inp["rows"] if r["kind"] == k and r["backend"] == first)
                    for k in qm.HOLE_KINDS}
    out.append("")
    out.append("Copied structure of the photos themselves under the same holes (natural repetition, e.g. brick): "
               + ", ".join(f"{k} {v:.3f}" for k, v in photo_copied.items() if v is not None) + ".")
    scenes = report.get("scenes")
    if scenes:
        out.append("")
        out.append("## Erasing an object: seams on dark and bright surfaces, copied objects")
        out.append("")
        out.append("Constructed scenes (bench/quality_scenes.py: a contrasting object with a printed label on faint "
                   "gravel or grass toned dark or bright, two labels and a row of pins nearby, in the `crowded` variants "
                   "a few pixels from the hole), erased "
                   "through the pipeline at the default widening and feather and scored against the scene without "
                   "the object. Halo: mean luma of the result minus the truth in the hole's outer ring (grey levels; "
                   "positive is a brighter band).")
        out.append("")
        out.append("| backend | seam dark | seam bright | halo dark | halo bright | PSNR hole (dB) | copied | s/scene | n |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for e in scenes["summary"]:
            out.append(f"| `{e['backend']}` | {_fmt(e['seam_dark'])} | {_fmt(e['seam_bright'])} | {_fmt(e['halo_dark'])} | "
                       f"{_fmt(e['halo_bright'])} | {_fmt(e['psnr_hole'], 'psnr_hole')} | {_fmt(e['copied'])} | "
                       f"{_fmt(e['seconds'], 'seconds')} | {e['n']} |")
    changed = [r for r in inp["rows"] if r.get("outside_changed")]
    out.append("")
    out.append("Pixels outside the hole changed: " + (
        "none (every backend returns the photo bit-identical outside the hole)." if not changed else
        ", ".join(f"{r['backend']} on {r['case']} ({r['outside_changed']} px)" for r in changed[:10])))
    errors = [r for r in inp["rows"] if "error" in r]
    if errors:
        out.append("")
        out.append("Errors: " + "; ".join(f"{r['backend']} on {r['case']}: {r['error']}" for r in errors[:10]))
    if inp["sheets"]:
        out.append("")
        out.append("Contact sheets (original | hole in magenta | one column per backend; each cell a crop around the hole, "
                   "labelled PSNR dB / texture / seam): " + ", ".join(f"`{s}`" for s in inp["sheets"]) + ".")
    out.append("")
    out.append("## What the scores reward, and where they mislead")
    out.append("")
    out.extend(SCORE_NOTES)
    seg = report.get("segmentation")
    if seg is not None:
        out.append("")
        out.append("## Segmentation: IoU against the hand-made masks")
        out.append("")
        for name, reason in seg["skipped"].items():
            out.append(f"Not run: `{name}`: {reason}.")
        if seg["skipped"]:
            out.append("")
        rows = seg["rows"]
        cols = list(dict.fromkeys((r["segmenter"], r["kind"]) for r in rows))
        cols.sort(key=lambda c: (c[0], PROMPT_KINDS.index(c[1])))
        if cols:
            table = {(r["sample"], r["segmenter"], r["kind"]): r for r in rows}
            out.append("| sample | " + " | ".join(f"{s} ({k})" for s, k in cols) + " |")
            out.append("|---|" + "---:|" * len(cols))
            for sample in dict.fromkeys(r["sample"] for r in rows):
                cells = []
                for s, k in cols:
                    r = table.get((sample, s, k))
                    cells.append("-" if r is None else f"{r['iou']:.3f}")
                out.append(f"| {sample} | " + " | ".join(cells) + " |")
            means = seg["means"]
            out.append("| **mean** | " + " | ".join(f"**{means[f'{s}/{k}']['iou']:.3f}**" for s, k in cols) + " |")
            out.append("| s/call | " + " | ".join(f"{means[f'{s}/{k}']['seconds']:.2f}" for s, k in cols) + " |")
            out.append("| samples | " + " | ".join(str(means[f"{s}/{k}"]["n"]) for s, k in cols) + " |")
            out.append("")
            out.append("Means over different sample counts are not comparable: `points+exclude` exists only where a "
                       "sample has negative clicks. IoU thresholds both masks at 0.5.")
    out.append("")
    return "\n".join(out)


SCORE_NOTES = [
    "- **PSNR hole**: pixel-wise error inside the hole (dB, higher is better). It rewards the fill closest to "
    "the lost pixels on average, so it **favours blur**: where the true texture cannot be guessed, a smooth "
    "average colour has less squared error than sharp texture in slightly the wrong place.",
    "- **SSIM hole / band**: local mean, contrast and structure (Gaussian window, sigma 1.5) averaged over the "
    f"hole, and over a band {qm.BAND} px either side of its border. It punishes a flat fill on textured ground more "
    "than PSNR does, but it also wants the texture in the same place, so plausible but shifted texture gains "
    "little. The band score is about how the fill joins its surroundings; for thin strokes it covers the whole "
    "stroke.",
    f"- **texture**: high-frequency energy (variance of gray − GaussianBlur(gray, {qm.TEXTURE_SIGMA})) inside the "
    f"hole (eroded by {qm.TEXTURE_INSET} px where it is wide enough) over the same in the original: 1.0 is ideal, "
    "below 1 is a smooth smear, above 1 invented noise or edges. It ignores *where* the detail is, so the wrong "
    "texture can score 1.0: read it with PSNR/SSIM. Thin strokes are narrower than the inset, so the whole "
    "stroke is measured and the high-pass there also sees the known pixels beside it.",
    "- **seam**: mean absolute step from each border pixel of the hole to its neighbour just outside, in the "
    f"result over the same in the original (+{qm.SEAM_FLOOR:g} grey level each side): 1.0 means the border is as "
    "continuous as the photo; above 1 is a visible seam or colour jump. Below 1 means the fill continues the "
    "border pixels more smoothly than the photo did, which diffusion (telea, ns) does by construction, so a low "
    "seam on texture is a sign of smearing, not a merit.",
    "- **copied**: the share of the fill's 24 px patches (at least 3/4 inside the hole, with a luma std of at least "
    f"{qm.COPY_MIN_STD:g}) whose best match among the photo's windows outside the hole differs by less than "
    f"{qm.COPY_NEAR:g} of the patch's variance: a pasted object or verbatim-cloned texture. Lower is better; a "
    "smooth fill scores 0. Natural repetition counts too, so read it against the photo's own score. Thin strokes "
    "have no such patches and always score 0.",
    f"- **coherence**: for up to {qm.COHERENCE_SAMPLES} fill patches of {qm.COHERENCE_PATCH} px at full and at half "
    "size, the RMS distance to the nearest patch of the photo outside the hole, over the patch's own std (+"
    f"{qm.COHERENCE_FLOOR:g}). Lower is better: a mosaic, noise or a smear on texture scores high, real texture "
    "about 0.5-1.5, a copy 0 (read it beside copied).",
    "- **blockiness**: the strongest periodic step along rows or columns inside the hole (any period of "
    f"{qm.BLOCK_PERIODS.start}-{qm.BLOCK_PERIODS.stop - 1} px, any phase) over the mean step; a tile grid stands out "
    "above 1.3. Brick and blinds are periodic themselves: compare with the photo's own.",
    "- **edges**: of the straight edges found outside the hole that run into it and that the original continues, "
    f"the share of their length in the hole where the fill has the same edge within {qm.EDGE_TOLERANCE} px. "
    "Higher is better; '-' where no line enters the hole.",
    f"- **`{ORACLE}`** reads the truth: its grain has the original's strength, spectrum and direction, only not "
    "its positions. Where its SSIM is below a smooth fill's, grain at the original's strength and a high SSIM "
    "cannot both be had by any fill that does not know where the lost grain was.",
]


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a small run for CI (< 20 s)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "quality"), help="output folder")
    ap.add_argument("--inpainters", nargs="*", help=f"inpainters to run (registered names, raw:telea, raw:ns, raw:patchmatch and {ORACLE})")
    ap.add_argument("--photos", nargs="*", help="only these photos (sample folder names or brick, grass, gravel, chelsea)")
    ap.add_argument("--sizes", nargs="*", choices=("small", "large"), help="hole sizes (default: both; smoke: small)")
    ap.add_argument("--segmenters", nargs="*", help="segmenters to score (default: every available one)")
    ap.add_argument("--no-sheets", action="store_true", help="write no contact sheets")
    ap.add_argument("--no-segmentation", action="store_true", help="skip the segmentation part")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    log = (lambda *a, **k: None) if args.quiet else (lambda *a, **k: print(*a, **k, flush=True))

    started = time.perf_counter()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    photos = load_photos(args.photos or (list(SMOKE_PHOTOS) if args.smoke else None))
    sizes = tuple(args.sizes or (("small",) if args.smoke else ("small", "large")))
    backends, skipped = choose_backends(args.inpainters, args.smoke)
    if not backends:
        raise SystemExit("no inpainter to run")
    cases = make_cases(photos, sizes)
    log(f"{len(cases)} holes on {len(photos)} photos x {len(backends)} inpainters: {', '.join(backends)}")
    if skipped:
        log("not available: " + "; ".join(f"{n}: {r}" for n, r in skipped.items()))

    rows, fills = run_inpainting(cases, backends, log)
    inpainting_s = time.perf_counter() - started
    names = list(backends)

    log("object scenes (default widening and feather)")
    scene_rows, scene_data = run_scenes(backends, only=1 if args.smoke else None, log=log)

    sheets = []
    if not args.no_sheets and not args.smoke:
        sheet_dir = out_dir / "sheets"
        sheet_dir.mkdir(exist_ok=True)
        sheet = scene_sheet(scene_data["scenes"], scene_data["fills"], [n for n in names if backends[n]["type"] == "pipeline"])
        write_sheet(sheet_dir / "scenes.png", sheet)
        sheets.append("sheets/scenes.png")
    if not args.no_sheets:
        sheet_dir = out_dir / "sheets"
        sheet_dir.mkdir(exist_ok=True)
        for name, _ in (photos[:1] if args.smoke else photos):
            sel = [c for c in cases if c["photo"] == name]
            sheet = contact_sheet(sel, fills, names, rows, cell=96 if args.smoke else 224)
            path = sheet_dir / f"{name}.png"
            write_sheet(path, sheet)
            sheets.append(str(path.relative_to(out_dir)))

    seg_start = time.perf_counter()
    segmentation = None
    if not args.no_segmentation:
        seg_rows, seg_skipped = run_segmentation(args.segmenters, SMOKE_SEGMENTATION_SAMPLES if args.smoke else None, log)
        means = {}
        for s, k in dict.fromkeys((r["segmenter"], r["kind"]) for r in seg_rows):
            sel = [r for r in seg_rows if r["segmenter"] == s and r["kind"] == k]
            means[f"{s}/{k}"] = {"iou": _mean(r["iou"] for r in sel), "seconds": _mean(r["seconds"] for r in sel), "n": len(sel)}
        segmentation = {"rows": seg_rows, "means": means, "skipped": seg_skipped}
    segmentation_s = time.perf_counter() - seg_start

    report = {
        "meta": {
            "mode": "smoke" if args.smoke else "full",
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, OpenCV {cv2.__version__}",
            "runtime_s": round(time.perf_counter() - started, 2),
            "inpainting_s": round(inpainting_s, 2),
            "segmentation_s": round(segmentation_s, 2),
            "psnr_cap": qm.PSNR_CAP,
            "band_px": qm.BAND,
            "texture_sigma": qm.TEXTURE_SIGMA,
            "texture_inset": qm.TEXTURE_INSET,
            "seam_floor": qm.SEAM_FLOOR,
            "hole_sizes": qm.HOLE_SIZES,
        },
        "inpainting": {
            "photos": [n for n, _ in photos],
            "sizes": list(sizes),
            "backends": {n: {k: v for k, v in b.items() if k != "run"} for n, b in backends.items()},
            "skipped": skipped,
            "rows": rows,
            "by_kind": summarise(rows, names, ("kind",)),
            "by_kind_size": summarise(rows, names, ("kind", "size")),
            "by_photo": summarise(rows, names, ("photo",)),
            "baseline_check": baseline_check(rows, names),
            "sheets": sheets,
        },
        "scenes": {"rows": scene_rows, "summary": scene_summary(scene_rows)},
        "segmentation": segmentation,
    }
    (out_dir / "quality.json").write_text(json.dumps(report, indent=1))
    (out_dir / "quality.md").write_text(markdown(report))
    log(f"wrote {out_dir / 'quality.md'}, {out_dir / 'quality.json'} and {len(sheets)} contact sheet(s) "
        f"in {report['meta']['runtime_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
