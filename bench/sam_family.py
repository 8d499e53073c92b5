"""Image-encoder seconds of MobileSAM and SAM ViT-B/L/H at 1024x1024.

For each member of the family (random weights, fixed seed: they cost what
real ones cost): the encoder's FLOPs (torch's FlopCounterMode on the meta
device, so counting costs nothing), the compute floor (FLOPs over this
machine's sgemm rate, measured here in the same run, median of five), and the seconds of one
forward pass in torch and in ONNX Runtime (the graph eraser installs: the
shipped template filled with the weights, ViT-H's as external data), the
median of ``--runs`` after one warm-up. Also the weights' size and the peak
memory of each run (ru_maxrss of a child process per model).

    python -m bench.sam_family [--models mobile-sam sam-vit-b sam-vit-l sam-vit-h] [--runs 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, count_flops, median_time, sgemm_gflops

MODELS = ("mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h")


def encoder_flops(name: str) -> float:
    import torch

    from eraser_mobilesam.model import build_sam

    with torch.device("meta"):  # shapes only: no memory, no time
        return count_flops(build_sam(name).image_encoder, torch.zeros(1, 3, 1024, 1024))


def measure(name: str, runs: int) -> dict:
    """In a child process: torch and ONNX Runtime seconds for one model."""
    import numpy as np
    import torch

    from eraser import templates
    from eraser.runtimes.onnx import OnnxRunner
    from eraser_mobilesam.install import shipped_templates
    from eraser_mobilesam.model import build_sam

    torch.manual_seed(0)
    model = build_sam(name)
    encoder = model.image_encoder
    weights = sum(t.numel() * t.element_size() for t in encoder.state_dict().values())
    image = torch.randn(1, 3, 1024, 1024)

    with torch.no_grad():
        torch_s = median_time(lambda: encoder(image), runs)  # noqa: F821 (deleted below, after the calls)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    del model, encoder
    with tempfile.TemporaryDirectory() as tmp:
        filled = templates.fill(shipped_templates(name)["ImageEncoder"], state)
        del state
        files = templates.save(filled, Path(tmp) / "ImageEncoder.onnx")
        del filled
        session = OnnxRunner(files[0])
        feed = {"image": image.numpy()}
        onnx_s = median_time(lambda: session.run(feed), runs)
        out = session.run(feed)["imageEmbeddings"]
    assert out.shape == (1, 256, 64, 64) and np.isfinite(out).all()
    return {"torch_s": torch_s, "onnx_s": onnx_s, "weights_mb": weights / 1e6,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.runs)))
        return
    rate = sgemm_gflops()["torch"]
    rows = []
    for name in args.models:
        flops = encoder_flops(name)
        done = subprocess.run([sys.executable, "-m", "bench.sam_family", "--child", name, "--runs", str(args.runs)],
                              capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}, cwd=ROOT)
        if done.returncode:
            sys.exit(f"{name} failed:\n{done.stderr[-3000:]}")
        row = {"model": name, "gflop": flops / 1e9, "floor_s": flops / 1e9 / rate,
               **json.loads(done.stdout.strip().splitlines()[-1])}
        rows.append(row)
        print(f"{name}: {row}", file=sys.stderr, flush=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; sgemm {rate:.0f} GFLOP/s\n")
    print("| model | encoder GFLOP | floor s | torch s | ONNX Runtime s | ORT / floor | torch / ORT | weights MB | peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['model']} | {r['gflop']:.0f} | {r['floor_s']:.2f} | {r['torch_s']:.2f} | {r['onnx_s']:.2f} | "
              f"{r['onnx_s'] / r['floor_s']:.2f} | {r['torch_s'] / r['onnx_s']:.2f} | {r['weights_mb']:.0f} | "
              f"{r['peak_mb']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"sgemm_gflops": rate, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
