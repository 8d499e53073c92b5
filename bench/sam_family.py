"""Image-encoder seconds of MobileSAM, SAM ViT-B/L/H and SAM 2.1 (tiny, small, base-plus, large) at 1024x1024.

For each member of the family (random weights, fixed seed: they cost what
real ones cost): the encoder's FLOPs (torch's FlopCounterMode on the meta
device, so counting costs nothing), the compute floor (FLOPs over this
machine's sgemm rate, measured here in the same run, median of five), and the seconds of one
forward pass in torch and in ONNX Runtime (the graph eraser installs: the
shipped template filled with the weights, ViT-H's as external data), the
median of ``--runs`` after one warm-up. Also the weights' size and the peak
memory of each run (ru_maxrss of a child process per model). For SAM 2.1 the
encoder is the Hiera trunk, the FPN neck and the two skip projections (what
its installed ImageEncoder.onnx computes). For every member a re-click is
timed too, through the installed segmenter eraser runs (its cache holding
the photo's features, the photo read-only as a Session's is): the photo's
cache key (computed once per read-only photo; a writable copy of the photo,
whose key is read on every click, is timed beside it), the prompt encoder and mask
decoder, the mask choice and the upsampling to a 12 MP (4000x3000) photo,
beside the decoder's FLOPs over an sgemm rate measured in turn with the
clicks (the machine's load moves, so the floor is measured where the click is).
The decoder a click runs is MaskDecoderPrompt (MaskDecoderImage runs once
per photo, with the encoder), for SAM 2.1 and, since its split, the SAM
family; the one-graph MaskDecoder it replaced is timed alone beside it, in
the same rounds.

    python -m bench.sam_family [--models mobile-sam ... sam2.1-large] [--runs 2] [--rounds 7] [--json OUT]
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

MODELS = ("mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h", "sam2.1-tiny", "sam2.1-small", "sam2.1-base-plus",
          "sam2.1-large")


def encoder_flops(name: str) -> float:
    import torch

    if name.startswith("sam2.1"):
        from eraser_sam2.model import build_sam2

        with torch.device("meta"):
            model = build_sam2(name)
            return count_flops(lambda x: model.image_features(x), torch.zeros(1, 3, 1024, 1024))
    from eraser_mobilesam.model import build_sam

    with torch.device("meta"):  # shapes only: no memory, no time
        return count_flops(build_sam(name).image_encoder, torch.zeros(1, 3, 1024, 1024))


def decoder_flops(name: str) -> float:
    """One re-click's mask decoder (the prompt encoder is a few additions), on
    the meta device: the per-click graph, MaskDecoderPrompt (its
    MaskDecoderImage runs once per photo)."""
    import torch

    if name.startswith("sam2.1"):
        from eraser_sam2.export import MaskDecoderPrompt
        from eraser_sam2.model import build_sam2

        model = build_sam2(name)
        heads = torch.zeros(1, 8, 4096, 16)
        inputs = [torch.zeros(1, 4096, 256), heads, heads, heads, torch.zeros(1, 65536, 32),
                  torch.zeros(1, 16384, 64), torch.zeros(1, 4096, 256), torch.zeros(1, 3, 256)]
        return count_flops(MaskDecoderPrompt(model), *inputs)
    from eraser_mobilesam.model import build_sam
    from eraser_mobilesam.wrappers import MaskDecoderPrompt

    model = build_sam(name)
    heads = torch.zeros(1, 4096, 128)
    inputs = [torch.zeros(1, 4096, 256), heads, heads, heads, torch.zeros(1, 4096, 256), torch.zeros(1, 3, 256)]
    return count_flops(MaskDecoderPrompt(model), *inputs)


SGEMM_N = 1024  # the re-click's floor: a 1024 float32 matrix product, in turn with the clicks
SGEMM_FLOPS = 2 * SGEMM_N**3


def interleaved(calls: dict, runs: int) -> dict:
    """Median seconds of each call, the calls taken in turn ``runs`` times after one warm-up round."""
    import statistics
    import time

    times = {name: [] for name in calls}
    for round_ in range(runs + 1):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def family(name: str):
    """(random torch model, its encoder as a callable, the encoder's weight keys, write_onnx, segmenter class, preprocess)."""
    if name.startswith("sam2.1"):
        from eraser_sam2.fill import write_onnx
        from eraser_sam2.install import shipped_templates
        from eraser_sam2.random_weights import random_model
        from eraser_sam2.segmenter import Sam2Segmenter, preprocess

        model = random_model(name, seed=1)
        return (model, model.image_features, lambda k: k.startswith("image_encoder.") or k.endswith(("conv_s0.weight", "conv_s1.weight")),
                lambda state, out: write_onnx(shipped_templates(name), state, out), Sam2Segmenter, preprocess)
    from eraser_mobilesam.install import shipped_templates, write_onnx
    from eraser_mobilesam.model import build_sam
    from eraser_mobilesam.segmenter import MobileSamSegmenter, preprocess

    model = build_sam(name)
    return (model, model.image_encoder, lambda k: k.startswith("image_encoder."),
            lambda state, out: write_onnx(shipped_templates(name), state, out), MobileSamSegmenter, preprocess)


def one_graph_and_click_graph(segmenter, installed, feed: dict, photo, prompt) -> dict:
    """Calls of the one-graph MaskDecoder (what a click ran before the split;
    SAM 2.1's tracker's, the SAM family's CoreML package's) and of the click's MaskDecoderPrompt on the same
    photo and prompt, the graphs alone."""
    from eraser.runtimes import open_runner

    one_graph = open_runner(installed, "MaskDecoder", "onnx")
    points, labels = segmenter.prompt_arrays(prompt, *photo.shape[:2])
    prompts = segmenter.prompt_encoder.run({"points": points, "labels": labels})
    one_feed = {**segmenter.encoder.run(feed), "imagePositionalEncoding": segmenter.positional_encoding, **prompts}
    click_feed = {**segmenter.decoder_inputs(segmenter.features(photo)), **prompts}
    return {"one_graph": lambda: one_graph.run(one_feed), "click_graph": lambda: segmenter.decoder.run(click_feed)}


def one_graph_segmenter(segmenter_class, installed):
    """The SAM family's segmenter on the same install without its click graphs:
    what an install made before the split runs (the one-graph MaskDecoder)."""
    import dataclasses
    import warnings

    from eraser_mobilesam.cache import EmbeddingCache
    from eraser_mobilesam.interface import CLICK_STEMS

    files = {k: v for k, v in installed.files.items() if k not in {f"{stem}.onnx" for stem in CLICK_STEMS}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the note that a reinstall makes clicks faster
        return segmenter_class(dataclasses.replace(installed, files=files), runtime="onnx", cache=EmbeddingCache())


def measure(name: str, runs: int, rounds: int = 7) -> dict:
    """In a child process: torch and ONNX Runtime seconds of the encoder, then
    a re-click on a 12 MP photo through the installed segmenter (its cache
    holding the photo's features): prompt encoder, mask decoder, the mask
    choice and the upsampling, in turn with the decoder alone and a 1024 sgemm
    (the machine's rate where the click is: its load moves)."""
    import torch

    from bench.common import upscaled_sample
    from eraser.fallback import frozen
    from eraser.modelstore import InstalledModel
    from eraser.prompts import Prompt
    from eraser_mobilesam.cache import EmbeddingCache

    torch.manual_seed(0)
    model, encoder, is_encoder, write, segmenter_class, preprocess = family(name)
    weights = sum(t.numel() * t.element_size() for k, t in model.state_dict().items() if is_encoder(k))
    # 4000x3000, read-only as a Session's photo is (its cache key is computed once)
    photo = frozen(upscaled_sample("coffee_spoon"))
    image = torch.from_numpy(preprocess(photo))
    with torch.no_grad():
        torch_s = median_time(lambda: encoder(image), runs)  # noqa: F821 (deleted below, after the calls)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    del model, encoder
    with tempfile.TemporaryDirectory() as tmp:
        files = write(state, Path(tmp))
        del state
        installed = InstalledModel(name, Path(tmp), {str(f.relative_to(tmp)): {} for f in files}, {})
        segmenter = segmenter_class(installed, runtime="onnx", cache=EmbeddingCache())
        feed = {"image": image.numpy()}
        onnx_s = median_time(lambda: segmenter.encoder.run(feed), runs)
        segmenter.segment(photo, Prompt(points=((2000.0, 1500.0),), labels=(1,)))  # the photo's features, cached
        prompt = Prompt(points=((1800.0, 1400.0),), labels=(1,))
        # one after the other in each round, so all three see the same load
        matrix = torch.randn(SGEMM_N, SGEMM_N)
        writable = photo.copy()  # a photo that may change under the segmenter: its key is read on every click
        calls = {"reclick": lambda: segmenter.segment(photo, prompt),
                 "reclick_writable": lambda: segmenter.segment(writable, prompt),
                 "decoder": lambda: segmenter.logits(photo, prompt), "sgemm": lambda: matrix @ matrix}
        if segmenter.decoder_stem == "MaskDecoderPrompt":
            calls.update(one_graph_and_click_graph(segmenter, installed, feed, photo, prompt))
        if getattr(segmenter, "split", False):  # the SAM family: a re-click as before its split, in the same rounds
            before = one_graph_segmenter(segmenter_class, installed)
            before.segment(photo, prompt)
            calls["reclick_one_graph"] = lambda: before.segment(photo, prompt)
        medians = interleaved(calls, max(runs, rounds))
        share = float((segmenter.segment(photo, prompt) >= 0.5).mean())
    graphs = {f"{k}_ms": medians[k] * 1000 for k in ("one_graph", "click_graph", "reclick_one_graph") if k in medians}
    return {"torch_s": torch_s, "onnx_s": onnx_s, "weights_mb": weights / 1e6, **graphs,
            "reclick_ms": medians["reclick"] * 1000, "reclick_writable_ms": medians["reclick_writable"] * 1000,
            "decoder_ms": medians["decoder"] * 1000,
            "reclick_sgemm": SGEMM_FLOPS / medians["sgemm"] / 1e9,
            "mask_share": share, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the re-click calls taken in turn (at least --runs)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.runs, args.rounds)))
        return
    rate = sgemm_gflops()["torch"]
    rows = []
    for name in args.models:
        flops = encoder_flops(name)
        done = subprocess.run([sys.executable, "-m", "bench.sam_family", "--child", name, "--runs", str(args.runs),
                               "--rounds", str(args.rounds)],
                              capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}, cwd=ROOT)
        if done.returncode:
            sys.exit(f"{name} failed:\n{done.stderr[-3000:]}")
        row = {"model": name, "gflop": flops / 1e9, "floor_s": flops / 1e9 / rate,
               "decoder_gflop": decoder_flops(name) / 1e9, **json.loads(done.stdout.strip().splitlines()[-1])}
        row["decoder_floor_ms"] = row["decoder_gflop"] / row["reclick_sgemm"] * 1000
        rows.append(row)
        print(f"{name}: {row}", file=sys.stderr, flush=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; sgemm {rate:.0f} GFLOP/s; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end\n")
    print("| model | encoder GFLOP | floor s | torch s | ONNX Runtime s | ORT / floor | torch / ORT | weights MB | peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['model']} | {r['gflop']:.0f} | {r['floor_s']:.2f} | {r['torch_s']:.2f} | {r['onnx_s']:.2f} | "
              f"{r['onnx_s'] / r['floor_s']:.2f} | {r['torch_s'] / r['onnx_s']:.2f} | {r['weights_mb']:.0f} | "
              f"{r['peak_mb']:.0f} |")
    print("\nRe-click on a cached 12 MP photo (sgemm measured in turn with the clicks, in the same child):\n")
    print("| model | decoder GFLOP | sgemm GFLOP/s | decoder floor ms | cache + decoder ms | decoder / floor | re-click ms "
          "| re-click, writable photo ms | mask share |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['model']} | {r['decoder_gflop']:.2f} | {r['reclick_sgemm']:.0f} | {r['decoder_floor_ms']:.0f} | "
              f"{r['decoder_ms']:.0f} | {r['decoder_ms'] / r['decoder_floor_ms']:.2f} | {r['reclick_ms']:.0f} | "
              f"{r['reclick_writable_ms']:.0f} | {r['mask_share']:.2f} |")
    split = [r for r in rows if "click_graph_ms" in r]
    if split:
        print("\nThe decoder graphs alone, in turn with the rows above: the one-graph MaskDecoder against the "
              "click's MaskDecoderPrompt (MaskDecoderImage runs once per photo):\n")
        print("| model | MaskDecoder ms | MaskDecoderPrompt ms | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for r in split:
            print(f"| {r['model']} | {r['one_graph_ms']:.0f} | {r['click_graph_ms']:.0f} | "
                  f"{r['click_graph_ms'] / r['one_graph_ms']:.2f} |")
    before = [r for r in rows if "reclick_one_graph_ms" in r]
    if before:
        print("\nThe SAM family's re-click through the one-graph MaskDecoder (an install made before the split), "
              "in turn with the rows above:\n")
        print("| model | re-click, one graph ms | re-click, split ms | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for r in before:
            print(f"| {r['model']} | {r['reclick_one_graph_ms']:.0f} | {r['reclick_ms']:.0f} | "
                  f"{r['reclick_ms'] / r['reclick_one_graph_ms']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"sgemm_gflops": rate, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
