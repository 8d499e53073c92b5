"""The measurements behind eraser.testing.Tolerance's defaults (docs/testing.md).

Two steps. ``produce`` runs real edits of the samples (their mask files,
built-in inpainters, and `lama` through ONNX Runtime when ``--store`` holds an
installed model) in whatever environment runs it, the photo decoded by each
JPEG decoder that environment has, LaMa at several ONNX Runtime thread counts,
and saves every result with the photo it started from::

    .venv/bin/python -m bench.snapshot_tolerance produce --out main.npz --store STORE
    OTHER_VENV/bin/python -m bench.snapshot_tolerance produce --out other.npz --store STORE

An older CPU's code paths (numpy and OpenCV without AVX, AVX2, FMA3 or
AVX-512; OpenCV's optimized paths off; ONNX Runtime cannot be told)::

    NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX2 FMA3 F16C AVX" \
    OPENCV_CPU_DISABLE="AVX2,FMA3,AVX,FP16" \
    .venv/bin/python -m bench.snapshot_tolerance produce --no-simd --out nosimd.npz --store STORE

``judge`` takes the first file's Pillow-decoded, default-thread result of
each edit as the snapshot, judges every other result of that edit against it
(benign: must pass), then defects made from the snapshot (must fail), and
prints one table of the kit's measures, with the verdict under the default
Tolerance::

    .venv/bin/python -m bench.snapshot_tolerance judge main.npz other.npz [--write-examples DIR]

``example OUT`` draws docs/testing.md's diff picture. ``make-lama STORE``
installs a LaMa of the real architecture with random weights (seed 0,
reduced: 16 filters, 2 blocks; needs torch) into STORE.
OTHER_VENV is a second environment with other builds, made for the
measurements in docs/testing.md with::

    python3 -m venv OTHER_VENV
    OTHER_VENV/bin/pip install "numpy<2" opencv-contrib-python-headless==4.8.1.78 pillow==10.1.0 \
        onnxruntime==1.20.1 simplejpeg onnx pluggy typer==0.28.0 platformdirs rich starlette uvicorn \
        fsspec pillow-heif pycocotools
    OTHER_VENV/bin/pip install --no-deps .
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

import numpy as np

from eraser.testing import defects

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
# (sample, inpainter): telea is what the issue names; layered is the default
# offline fill; lama runs through ONNX Runtime.
EDITS = [("coins_coin", "telea"), ("coffee_spoon", "telea"), ("astronaut_helmet", "telea"),
         ("coffee_spoon", "layered"), ("coins_coin", "layered"), ("coffee_spoon", "lama"), ("coins_coin", "lama")]
THREADS = [1, 2, 4]


def decoders() -> dict:
    """name -> bytes -> RGB (or grey) uint8, for the decoders importable here."""
    import cv2
    from PIL import Image

    def pillow(data: bytes) -> np.ndarray:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im)

    def opencv(data: bytes) -> np.ndarray:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    found = {"pillow": pillow, "opencv": opencv}
    try:
        import simplejpeg

        found["simplejpeg"] = lambda data: simplejpeg.decode_jpeg(data, colorspace="RGB")
        # libjpeg-turbo's fast integer IDCT and plain upsampling: a decoder
        # configuration some platforms use, harsher than any default one.
        found["simplejpeg-fast"] = lambda data: simplejpeg.decode_jpeg(
            data, colorspace="RGB", fastdct=True, fastupsample=True)
    except ImportError:
        pass
    return found


def set_onnx(threads: int | None = None, optimize: bool = True) -> None:
    """Make eraser's ONNX Runtime sessions use ``threads`` and, with
    ``optimize=False``, no graph optimization (no fused kernels: the float
    rounding of another build or execution provider)."""
    import onnxruntime as ort

    from eraser.runtimes import onnx

    def patched(self, path, _threads=None):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                            else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.outputs = [o.name for o in self.session.get_outputs()]

    onnx.OnnxSession.__init__ = patched


def produce(out: Path, store: Path | None, no_simd: bool = False) -> None:
    import cv2
    import PIL

    import eraser

    from eraser import modelstore

    if store:
        os.environ[modelstore.ENV_DIR] = str(store)
    env = f"opencv {cv2.__version__}, pillow {PIL.__version__}, numpy {np.__version__}"
    if no_simd:
        # with NPY_DISABLE_CPU_FEATURES and OPENCV_CPU_DISABLE set by the caller
        # (the module docstring): an older CPU's code paths
        cv2.setUseOptimized(False)
        env += (f", cv2.useOptimized() False, NPY_DISABLE_CPU_FEATURES={os.environ.get('NPY_DISABLE_CPU_FEATURES')!r}"
                f", OPENCV_CPU_DISABLE={os.environ.get('OPENCV_CPU_DISABLE')!r}")
    try:
        import onnxruntime

        env += f", onnxruntime {onnxruntime.__version__}"
    except ImportError:
        pass
    saved = {"env": np.array(env)}
    for sample, inpainter in EDITS:
        if inpainter == "lama" and not store:
            continue
        folder = SAMPLES / sample
        photo = next(folder.glob("photo.*"))
        data = photo.read_bytes()
        from PIL import Image

        with Image.open(folder / "mask.png") as im:
            mask = np.asarray(im)
        runs = []
        for name, decode in decoders().items():
            if photo.suffix != ".jpg" and name != "pillow":
                continue
            runs.append((name, decode(data), None))
        if inpainter == "lama":
            runs += [(f"pillow-threads{n}", runs[0][1], (n, True)) for n in THREADS]
            runs.append(("pillow-unoptimized-graph", runs[0][1], (None, False)))
        for name, before, onnx_setting in runs:
            if inpainter == "lama":
                set_onnx(*(onnx_setting or (None, True)))
            result, removal = eraser.remove(before, mask=mask, inpainter=inpainter, return_mask=True)
            key = f"{sample}|{inpainter}|{name}"
            saved[key + "|result"], saved[key + "|before"] = np.asarray(result), before
            saved[f"{sample}|{inpainter}|removal"] = removal
            print(key, file=sys.stderr)
        if inpainter == "telea":
            other = eraser.remove(runs[0][1], mask=mask, inpainter="ns")
            saved[f"{sample}|{inpainter}|ns-result"] = np.asarray(other)
    np.savez_compressed(out, **saved)
    print(f"{out}: {env}")


def fill_noise(ref, before, removal):
    """+-1 on every replaced pixel: what another BLAS or SIMD path gives a fill."""
    inside = removal > 0
    return np.where(inside[..., None] if ref.ndim == 3 else inside, defects.plus_minus_one(ref), ref)


DEFECTS = {"blot 8x8 +-40": defects.blot, "cast 10": defects.colour_cast, "fill pasted 2px off": defects.pasted_off,
           "fill content 2px over": defects.content_shifted, "black 14x14": defects.black_square,
           "patch 4x4 +-40 outside": defects.patch_outside}


def judge(files: list[Path], examples: Path | None) -> None:
    from eraser.testing import Tolerance, compare_images, diff_image
    from eraser.testing.metrics import largest_blob
    from eraser.testing.region import channel_diff

    tol = Tolerance()
    loaded = [dict(np.load(f)) for f in files]
    print("environments:", "; ".join(f"{f.stem}: {d['env']}" for f, d in zip(files, loaded)))
    print(f"default {tol}")
    main = loaded[0]
    print(f"{'edit':24} {'variant':28} {'given':11} {'expect':6} {'share%':>6} {'mean':>5} "
          f"{'blob':>5} {'b@8':>5} {'b@24':>5} {'ssim':>6} {'out px':>6} {'outmax':>6} verdict")
    for sample, inpainter in EDITS:
        key = f"{sample}|{inpainter}"
        if f"{key}|pillow|result" not in main:
            continue
        ref, before0 = main[f"{key}|pillow|result"], main[f"{key}|pillow|before"]
        removal = main[f"{key}|removal"]
        rows = []
        for f, d in zip(files, loaded):
            for k in sorted(d):
                snapshot = d is main and k == f"{key}|pillow|result"
                if k.startswith(key + "|") and k.endswith("|result") and not snapshot:
                    rows.append((f"{f.stem}:{k.split('|')[2]}", "pass", d[k], d[k.replace('|result', '|before')]))
        # +-1 on the whole photo (another decoder): the edit keeps it outside
        # the hole, and the fill is made from it, so both carry it.
        rows.append(("decoder +-1 (made)", "pass", defects.plus_minus_one(ref), defects.plus_minus_one(before0)))
        rows.append(("fill +-1 (made)", "pass", fill_noise(ref, before0, removal), before0))
        if f"{key}|ns-result" in main:
            rows.append(("telea -> ns", "fail", main[f"{key}|ns-result"], before0))
        for name, make in DEFECTS.items():
            rows.append((name, "fail", make(ref, before0, removal), before0))
        for name, expect, obtained, before in rows:
            for given, kwargs in (("before+mask", {"before": before, "mask": removal}), ("before", {"before": before})):
                c = compare_images(obtained, ref, Tolerance(min_ssim=-1.0), **kwargs)
                verdict = "pass" if compare_images(obtained, ref, tol, **kwargs).ok else "FAIL"
                flag = "" if verdict.lower() == expect else "  <-- unexpected"
                diff = channel_diff(obtained, ref)
                b8, b24 = (largest_blob((diff > t) & c.region)[0] for t in (8, 24))
                print(f"{key:24} {name:28} {given:11} {expect:6} {100 * c.outliers:6.2f} {c.mean:5.2f} {c.blob:5d} "
                      f"{b8:5d} {b24:5d} {c.ssim:6.4f} {c.outside:6d} {c.outside_max:6d} {verdict}{flag}")
                if examples and expect == "fail" and given == "before+mask":
                    from PIL import Image

                    examples.mkdir(parents=True, exist_ok=True)
                    c = compare_images(obtained, ref, tol, **kwargs)
                    slug = f"{sample}-{inpainter}-{'-'.join(name.split()[:2])}"
                    Image.fromarray(diff_image(obtained, ref, c)).save(examples / f"{slug}.diff.png")


def example(out: Path) -> None:
    """docs/testing.md's picture: coffee_spoon erased with Telea, an 8x8 blot in
    the fill and a 4x4 patch in a far corner, judged with the photo and mask."""
    from PIL import Image

    import eraser
    from eraser.testing import compare_images, diff_image

    folder = SAMPLES / "coffee_spoon"
    with Image.open(folder / "photo.jpg") as im, Image.open(folder / "mask.png") as m:
        photo, mask = np.asarray(im), np.asarray(m)
    result, removal = eraser.remove(photo, mask=mask, inpainter="telea", return_mask=True)
    broken = defects.patch_outside(defects.blot(result, photo, removal), photo, removal)
    c = compare_images(broken, result, before=photo, mask=removal)
    print(c.reason)
    Image.fromarray(diff_image(broken, result, c)).save(out, quality=88)


def make_lama(store: Path) -> None:
    import hashlib

    import torch

    from eraser import modelstore
    from eraser_lama import model as lm

    torch.manual_seed(0)
    generator = lm.LamaGenerator(ngf=16, n_blocks=2).eval()
    store.mkdir(parents=True, exist_ok=True)
    checkpoint = store / "big-lama.pt"
    lm.save_torchscript(generator, checkpoint)
    os.environ[modelstore.ENV_DIR] = str(store)
    modelstore.install("lama", from_file=checkpoint, md5=hashlib.md5(checkpoint.read_bytes()).hexdigest(),
                       coreml=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--store", type=Path)
    p.add_argument("--no-simd", action="store_true", help="OpenCV's optimized paths off (see the docstring)")
    j = sub.add_parser("judge")
    j.add_argument("files", type=Path, nargs="+")
    j.add_argument("--write-examples", type=Path)
    m = sub.add_parser("make-lama")
    m.add_argument("store", type=Path)
    e = sub.add_parser("example")
    e.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "produce":
        produce(args.out, args.store, args.no_simd)
    elif args.command == "judge":
        judge(args.files, args.write_examples)
    elif args.command == "example":
        example(args.out)
    else:
        make_lama(args.store)


if __name__ == "__main__":
    main()
