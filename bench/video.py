"""eraser video: frames/s end to end on a 720p 10 s clip, stage shares, quality.

    .venv/bin/python -m bench.video [--frames 300] [--size 1280x720] [--keep DIR] [--json OUT] [--strip PNG]

Builds a clip from the project's photos (eraser.testing.clips: a camera pan
and zoom over samples/rocket_falcon9, the astronaut's helmet cut-out moving
across it, about 5 % of the frame; H.264 crf 18 with AAC audio) and runs, each
in a fresh process (so peak RSS is its own):

- **floor**: decode every frame and encode it again (the same Writer, audio
  copied): what any edit of the clip costs;
- **frames**: eraser video with the frame-by-frame baseline (Telea on every
  frame alone);
- **temporal**: eraser video with the temporal fill (propagation plus Telea
  once per window on its key frame), the default.

Both eraser runs use the flow tracker with GrabCut re-fits, a box prompt on
frame 0. Reports frames/s, each stage's share of the wall time, the ratio to
the floor, and the fill's PSNR inside the hole against the known background
and its flicker (the difference between consecutive frames inside the hole
after undoing the true camera motion).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import machine_line

ROOT = Path(__file__).resolve().parent.parent


def make_scene(frames: int, size: tuple[int, int], exposure: float = 0.0):
    from eraser.testing.clips import scene

    width, height = size
    side = int(round(np.sqrt(0.05 * width * height / 0.62)))  # the helmet fills about 62 % of its box
    return scene(n=frames, size=size, object_side=side, pan=1.2, zoom=0.0006, path=((0.15, 0.55), (0.85, 0.45)),
                 exposure=exposure)


def make_clip(folder: Path, frames: int, size: tuple[int, int], exposure: float = 0.0) -> None:
    """In a child of its own: the runs' peak RSS must not include the scene's frames."""
    from eraser.testing.clips import write_clip

    s = make_scene(frames, size, exposure)
    write_clip(folder / "clip.mp4", s.frames, fps=30, lossless=False)
    np.savez_compressed(folder / "truth.npz", masks=np.array(s.masks[:1]))


def _cpu_stages() -> None:
    """Make eraser's stage timer also record the process's CPU seconds per
    stage (all threads: the encoder's frame threads count where they run)."""
    from contextlib import contextmanager

    from eraser import pipeline

    wall_timed = pipeline.timed

    @contextmanager
    def timed(timings, stage):
        start = time.process_time()
        try:
            with wall_timed(timings, stage):
                yield
        finally:
            timings[f"cpu {stage}"] = timings.get(f"cpu {stage}", 0.0) + time.process_time() - start

    pipeline.timed = timed


def child(mode: str, folder: Path) -> None:
    """One configuration; prints a JSON line."""
    start = time.perf_counter()
    timings: dict[str, float] = {}
    if mode == "floor":
        from eraser.video.clip import frames, probe
        from eraser.video.writer import Writer

        clip = probe(folder / "clip.mp4")
        with open(folder / "floor.mp4", "wb") as f:
            writer = Writer(f, clip, "mp4")
            decode = encode = 0.0
            t = time.perf_counter()
            for n, rgb, planes in frames(clip, planes=True):
                decode += time.perf_counter() - t
                t = time.perf_counter()
                writer.write(rgb, clip.pts[n], planes, None)
                encode += time.perf_counter() - t
                t = time.perf_counter()
            t = time.perf_counter()
            writer.close()
            encode += time.perf_counter() - t
        timings = {"decode": decode, "encode": encode}
        count = clip.frames
        cpu_stages = {}
    else:
        import eraser
        from eraser.video import temporal

        _cpu_stages()
        temporal.SEAMS = mode != "temporal-raw"  # the temporal fill without its seam correction
        temporal.RESIDUAL = mode == "temporal-offsets"  # with one offset per source fitted at the hole too
        masks = np.load(folder / "truth.npz")["masks"]
        ys, xs = np.nonzero(masks[0])
        box = (int(xs.min()) - 8, int(ys.min()) - 8, int(xs.max()) + 9, int(ys.max()) + 9)
        result = eraser.erase_video(folder / "clip.mp4", folder / f"{mode}.mp4", box=[box], inpainter="telea",
                                    fill=mode.split("-")[0], overwrite=True)
        timings, count = result.timings, result.frames
        print(json.dumps({"notices": result.notices}), file=sys.stderr)
        timings.pop("write", None)
        timings.pop("cpu write", None)
        cpu_stages = {k[4:]: timings.pop(k) for k in list(timings) if k.startswith("cpu ")}
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"mode": mode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "frames": count,
                      "timings": timings, "cpu_stages": cpu_stages, "rss_mb": usage.ru_maxrss / 1024}))


def quality(folder: Path, s, modes=("frames", "temporal")) -> dict:
    import cv2

    from eraser.testing.clips import flicker, psnr, read_frames

    holes = [cv2.dilate(m.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0 for m in s.masks]
    out = {}
    for mode in modes:
        frames = read_frames(folder / f"{mode}.mp4")
        # the flicker of the error (output less the known background): where the
        # light changes, the background itself flickers, and a fill should follow it
        errors = [np.clip(128 + o.astype(np.int16) - b, 0, 255).astype(np.uint8) for o, b in zip(frames, s.backgrounds)]
        out[mode] = {"psnr_hole": float(np.mean([psnr(o, b, h) for o, b, h in zip(frames, s.backgrounds, holes)])),
                     "flicker": flicker(frames, holes, s.cameras), "error_flicker": flicker(errors, holes, s.cameras)}
    return out


def write_strip(folder: Path, path: Path, width: int = 320) -> None:
    """Rows: the input, frame by frame, temporal; columns: three frames."""
    import cv2

    from eraser.testing.clips import read_frames

    rows = []
    for name in ("clip", "frames", "temporal"):
        frames = read_frames(folder / f"{name}.mp4")
        picks = [frames[i] for i in (len(frames) // 6, len(frames) // 2, 5 * len(frames) // 6)]
        scale = width / picks[0].shape[1]
        size = (width, round(picks[0].shape[0] * scale))
        rows.append(np.concatenate([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in picks], axis=1))
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--strip", type=Path, help="also write a PNG: input / frame by frame / temporal, three frames")
    parser.add_argument("--runs", default="floor,frames,temporal",
                        help="which runs, in order (floor first); temporal-raw: without the seam correction; "
                        "temporal-offsets: also one offset per source fitted at the hole")
    parser.add_argument("--exposure", type=float, default=0.0,
                        help="the camera's gain swings by this share (a sine over 2 s), as automatic exposure does")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"))
    parser.add_argument("--make", nargs=4, metavar=("FOLDER", "FRAMES", "SIZE", "EXPOSURE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], Path(args.child[1]))
    if args.make:
        return make_clip(Path(args.make[0]), int(args.make[1]), tuple(int(v) for v in args.make[2].split("x")),
                         float(args.make[3]))
    size = tuple(int(v) for v in args.size.split("x"))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="eraser-video-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "clip.mp4").exists():  # --keep DIR of an earlier run: the same clip
        subprocess.run([sys.executable, "-m", "bench.video", "--make", str(folder), str(args.frames), args.size,
                        str(args.exposure)],
                       check=True, cwd=ROOT)
    rows = []
    load_before = os.getloadavg()[0]
    for mode in args.runs.split(","):
        done = subprocess.run([sys.executable, "-m", "bench.video", "--child", mode, str(folder)], capture_output=True,
                              text=True, check=True, cwd=ROOT)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        for line in done.stderr.splitlines():
            if line.startswith('{"notices"'):
                print(f"{mode}: notices {json.loads(line)['notices']}")
    floor, floor_cpu = rows[0]["wall"], rows[0]["cpu"]
    s = make_scene(args.frames, size, args.exposure)
    print(machine_line(), f"load {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"clip: {args.frames} frames of {size[0]}x{size[1]}, exposure swing {args.exposure:.0%}, "
          f"object {100 * np.mean([m.mean() for m in s.masks]):.1f} % of the frame")
    print(f"{'run':12} {'wall s':>7} {'frames/s':>8} {'x floor':>7} {'CPU s':>7} {'frames/CPU s':>12} {'x floor':>7} "
          f"{'peak MB':>7}  stage shares of wall | of CPU")
    for row in rows:
        shares = ", ".join(f"{k} {100 * v / row['wall']:.0f}%" for k, v in row["timings"].items())
        cpu_shares = ", ".join(f"{k} {100 * v / row['cpu']:.0f}%" for k, v in row["cpu_stages"].items())
        print(f"{row['mode']:12} {row['wall']:7.1f} {row['frames'] / row['wall']:8.1f} {row['wall'] / floor:7.2f} "
              f"{row['cpu']:7.1f} {row['frames'] / row['cpu']:12.1f} {row['cpu'] / floor_cpu:7.2f} "
              f"{row['rss_mb']:7.0f}  {shares}" + (f" | {cpu_shares}" if cpu_shares else ""))
    scores = quality(folder, s, [r["mode"] for r in rows if r["mode"] != "floor"])
    for mode, q in scores.items():
        print(f"{mode:12} fill PSNR in the hole {q['psnr_hole']:.2f} dB, flicker {q['flicker']:.2f}, "
              f"flicker of the error {q['error_flicker']:.2f}")
    if args.strip:
        write_strip(folder, args.strip)
    if args.json:
        args.json.write_text(json.dumps({"runs": rows, "quality": scores}, indent=2))


if __name__ == "__main__":
    main()
