"""eraser video's peak memory against the clip's length: the same pipeline
as bench/video.py's temporal run on a long generated 1080p clip, its peak
RSS reported for each minute of video.

    nice -n 10 .venv/bin/python -m bench.video_memory [--seconds 120] [--size 1920x1080] [--crossing 4] [--every 60]
        [--object 0.05] [--folder DIR] [--hole-budget MB]
    .venv/bin/python -m bench.video_memory --leave DIR FRAMES WxH CROSSING SHARE   (a clip only)

The clip: the camera and the helmet cross the scene in ``--crossing``
seconds and come back, again and again (``--object``: the helmet's share of
the frame's area, 0.05 as in bench/video.py; a big one makes the hole cover
most of the frame) (eraser.testing.clips.stream's
``bounce``), so every stretch is alike and the object turns every crossing
(where the temporal fill needs the image inpainter: the background the
object covers while it turns is seen in none of the window's frames). One
back-and-forth is encoded (H.264, no audio) and its packets are repeated,
timestamps shifted, up to the length asked: making a 10-minute clip costs
one period's encoding. It is erased in a child process (the flow tracker
with GrabCut re-fits, the temporal fill with Telea, a box prompt on frame 0,
as ``bench.video --child temporal``) that resets the kernel's peak RSS
(/proc/self/clear_refs) at every minute (``--every``) of video written and
reports each one's peak (the tracking pass, which reads the whole clip first, has its
own). The clip is deleted after the run.
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
from typing import Optional

import numpy as np

from bench.common import machine_line

ROOT = Path(__file__).resolve().parent.parent
FPS = 30


def _scene_args(size: tuple[int, int], share: float = 0.05) -> dict:
    width, height = size
    side = int(round(np.sqrt(share * width * height / 0.62)))  # as bench/video.py: the helmet about 5 % of the frame
    return dict(object_side=side, pan=1.2, zoom=0.0006, path=((0.15, 0.55), (0.85, 0.45)))


def make_clip(folder: Path, frames: int, size: tuple[int, int], crossing: int, share: float = 0.05) -> None:
    """At least ``frames`` frames (whole periods) of the scene crossed in
    ``crossing`` frames and back: one period (2 x (crossing - 1) frames)
    encoded, its packets repeated."""

    from eraser.testing.clips import scene, stream, write_clip

    period = 2 * (crossing - 1)
    one = folder / "period.mp4"
    write_clip(one, stream(period, size, bounce=crossing, **_scene_args(size, share)), fps=FPS, lossless=False, audio=False)
    _repeated(folder / "clip.mp4", [one], frames, period)
    first = scene(1, size, **_scene_args(size, share))  # frame 0's object: where the path starts
    np.savez_compressed(folder / "truth.npz", masks=np.array(first.masks[:1]))


def _repeated(path: Path, parts: list[Path], frames: int, period: int) -> None:
    """``path``: the first part's packets, then the next one's, ..., the last
    part repeated up to at least ``frames`` frames (each part ``period``
    frames), timestamps shifted; the parts are deleted."""
    import av

    sources = [av.open(str(part)) for part in parts]
    try:
        video = sources[0].streams.video[0]
        # the same encoder settings at the same size: the same parameter sets, so the packets join
        assert all(bytes(s.streams.video[0].codec_context.extradata) == bytes(video.codec_context.extradata)
                   for s in sources)
        packets = [[p for p in s.demux(s.streams.video[0]) if p.size] for s in sources]
        with av.open(str(path), "w") as out:
            stream_out = out.add_stream_from_template(video)
            step = round(1 / (FPS * video.time_base))  # one frame in the stream's time base
            for copy in range(-(-frames // period)):
                shift = copy * period * step
                for p in packets[min(copy, len(packets) - 1)]:
                    q = av.Packet(bytes(p))
                    q.pts, q.dts, q.is_keyframe = p.pts + shift, p.dts + shift, p.is_keyframe
                    q.time_base, q.stream = video.time_base, stream_out
                    out.mux(q)
    finally:
        for s in sources:
            s.close()
    for part in parts:
        part.unlink()


def make_leaving_clip(folder: Path, frames: int, size: tuple[int, int], crossing: int, share: float = 0.05) -> None:
    """At least ``frames`` frames: the helmet crosses the scene in
    ``crossing`` frames and leaves the view on the right while the camera
    turns back; then the camera pans back and forth over the photo without
    it (one period, 2 x (crossing - 1) frames, encoded and repeated). The
    tracker stops where the helmet leaves; the rest is decoded and encoded
    only: the object on screen for part of a long clip."""
    import itertools


    from eraser.testing.clips import scene, stream, write_clip

    period = 2 * (crossing - 1)
    args = _scene_args(size, share)
    away = dict(args, path=((3.0, 0.5), (3.0, 0.5)))  # the helmet far outside the frame: the background alone
    leaving = dict(args, path=(args["path"][0], (1.3, 0.45)))
    first = itertools.chain(itertools.islice(stream(period, size, bounce=crossing, **leaving), crossing),
                            itertools.islice(stream(period, size, bounce=crossing, **away), crossing, None))
    parts = [folder / "part1.mp4", folder / "part2.mp4"]
    write_clip(parts[0], first, fps=FPS, lossless=False, audio=False)
    write_clip(parts[1], stream(period, size, bounce=crossing, **away), fps=FPS, lossless=False, audio=False)
    _repeated(folder / "clip.mp4", parts, frames, period)
    start = scene(1, size, **args)  # frame 0's object: where the path starts
    np.savez_compressed(folder / "truth.npz", masks=np.array(start.masks[:1]))


def _status() -> dict:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, value = line.split(":", 1)
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak RSS (VmHWM) starts again from the current RSS


def run(folder: Path, every: int, hole_budget: Optional[float] = None) -> None:
    """In the child: erase the clip, print one JSON line of per-minute peaks."""
    import eraser
    from eraser.video import erase

    if hole_budget is not None:  # 0: no cut (the window as it was before round 9)
        erase.HOLE_BUDGET = hole_budget * 2**20 if hole_budget > 0 else float("inf")

    masks = np.load(folder / "truth.npz")["masks"]
    ys, xs = np.nonzero(masks[0])
    height, width = masks[0].shape
    box = (max(0, int(xs.min()) - 8), max(0, int(ys.min()) - 8), min(width, int(xs.max()) + 9),
           min(height, int(ys.max()) + 9))  # a big object reaches the frame's edges
    minutes: list[dict] = []
    state = {"stage": None, "written": 0, "t": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        if stage != state["stage"]:
            if state["stage"] == "track":
                minutes.append({"part": "track", "peak_mb": _status()["VmHWM"], "wall": time.perf_counter() - state["t"]})
                _reset_peak()
            state["stage"] = stage
        if stage == "erase":
            state["written"] += done
            if state["written"] % (every * FPS) == 0 or state["written"] == total:
                s = _status()
                minutes.append({"part": f"frames {state['written'] - 1}", "peak_mb": s["VmHWM"], "rss_mb": s["VmRSS"],
                                "wall": time.perf_counter() - state["t"]})
                print(json.dumps(minutes[-1]), file=sys.stderr, flush=True)
                _reset_peak()

    start = time.perf_counter()
    result = eraser.erase_video(folder / "clip.mp4", folder / "temporal.mp4", box=[box], inpainter="telea",
                                overwrite=True, progress=progress)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # (the kernel's ru_maxrss is reset with VmHWM: the run's peak is the stretches' highest)
    print(json.dumps({"frames": result.frames, "erased": result.erased, "wall": time.perf_counter() - start,
                      "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": max(m["peak_mb"] for m in minutes),
                      "minutes": minutes,
                      "held": result.held, "notices": result.notices}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--crossing", type=float, default=4.0, help="seconds for one crossing of the scene")
    parser.add_argument("--every", type=int, default=60, help="seconds of video per peak reported")
    parser.add_argument("--object", type=float, default=0.05, help="the helmet's share of the frame's area")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--hole-budget", type=float, help="eraser.video.erase.HOLE_BUDGET in MB (0: no cut)")
    parser.add_argument("--make", nargs=5, metavar=("FOLDER", "FRAMES", "SIZE", "CROSSING", "SHARE"), help=argparse.SUPPRESS)
    parser.add_argument("--leave", nargs=5, metavar=("FOLDER", "FRAMES", "SIZE", "CROSSING", "SHARE"),
                        help="make a clip where the helmet crosses once and leaves the view (make_leaving_clip)")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        size = tuple(int(v) for v in args.make[2].split("x"))
        return make_clip(Path(args.make[0]), int(args.make[1]), size, int(args.make[3]), float(args.make[4]))
    if args.leave:
        size = tuple(int(v) for v in args.leave[2].split("x"))
        return make_leaving_clip(Path(args.leave[0]), int(args.leave[1]), size, int(args.leave[3]), float(args.leave[4]))
    if args.run:
        return run(args.run, args.every, args.hole_budget)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="eraser-video-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(machine_line(), f"load {os.getloadavg()[0]:.1f} at the start", flush=True)
    frames = args.seconds * FPS
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.video_memory", "--make", str(folder), str(frames), args.size,
                    str(round(args.crossing * FPS)), str(args.object)], check=True, cwd=ROOT)
    print(f"clip of {frames} frames made in {time.perf_counter() - t:.0f} s", flush=True)
    budget = [] if args.hole_budget is None else ["--hole-budget", str(args.hole_budget)]
    done = subprocess.run([sys.executable, "-m", "bench.video_memory", "--run", str(folder), "--every", str(args.every)]
                          + budget,
                          stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{row['frames']} frames ({row['erased']} erased): wall {row['wall']:.0f} s, CPU {row['cpu']:.0f} s, "
          f"{row['frames'] / row['cpu']:.2f} frames per CPU s, peak RSS {row['rss_mb']:.0f} MB; held {row['held']}")
    for m in row["minutes"]:
        print(f"  {m['part']:>14}: peak {m['peak_mb']:6.0f} MB" + (f", RSS {m['rss_mb']:6.0f} MB" if "rss_mb" in m else "")
              + f" (at {m['wall']:.0f} s)")
    print(f"load {os.getloadavg()[0]:.1f} at the end", flush=True)
    for name in ("clip.mp4", "temporal.mp4"):
        (folder / name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
