"""Segment everything on a 12 MP photo: encoder vs decoder seconds.

Installs a random-weight MobileSAM (made with torch, installed without it)
into a temporary store and runs eraser's generator with a points-per-side
grid (default 32: 1024 prompts) on a 4000x3000 photo, timing the image
encoder (one crop) and the decoder calls apart. Random weights cost what
real ones cost; thresholds are 0 so every candidate goes through the
post-processing too. Target (issue 14): decoder calls at most 2x the encoder.

    python -m bench.everything [--points-per-side 32] [--size 4000x3000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import install_random_mobile_sam


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points-per-side", type=int, default=32)
    parser.add_argument("--size", default="4000x3000")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ERASER_MODELS_DIR"] = str(install_random_mobile_sam(Path(tmp)))
        from eraser.everything.generator import Options, generate
        from eraser.everything.segmenter import everything_segmenter

        model = everything_segmenter("mobile-sam")
        timings = {"encoder": 0.0, "decoder": 0.0}
        embed, decode = model.embed, model.decode

        def timed(name, fn):
            def run(*a):
                start = time.perf_counter()
                try:
                    return fn(*a)
                finally:
                    timings[name] += time.perf_counter() - start
            return run

        model.embed, model.decode = timed("encoder", embed), timed("decoder", decode)
        rng = np.random.default_rng(0)
        photo = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        start = time.perf_counter()
        masks = generate(model, photo, Options(points_per_side=args.points_per_side, pred_iou_thresh=0.88,
                                               stability_score_thresh=0.95))
        total = time.perf_counter() - start
    print(json.dumps({"points": args.points_per_side ** 2, "size": args.size, "encoder_s": round(timings["encoder"], 2),
                      "decoder_s": round(timings["decoder"], 2),
                      "decoder_per_point_ms": round(1000 * timings["decoder"] / args.points_per_side ** 2, 1),
                      "decoder_over_encoder": round(timings["decoder"] / timings["encoder"], 1),
                      "total_s": round(total, 2), "masks": len(masks), "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
