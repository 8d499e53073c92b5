"""``eraser.erase_video``: segment on one frame, track, fill, encode.

Two passes over the file. The first tracks the object from the key frame to
both ends of the range (masks only are kept, packed). The second decodes every
frame again, fills the holes through a bounded window of frames (``WINDOW``
frames filled at a time, ``CONTEXT`` more on each side as sources), and
encodes the result with the other streams copied. Every output is written to a
temporary file and published only when complete: an error or Ctrl-C leaves
nothing behind.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import cv2
import numpy as np

from eraser import arguments as arg
from eraser import pipeline
from eraser.composite import composite_part, object_in_switch
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
from eraser.errors import EraserError
from eraser.refine import refine
from eraser.video import motion, temporal
from eraser.video.clip import Clip, frames, probe
from eraser.video.hole import Hole
from eraser.video.track import Track, track
from eraser.video.writer import Writer, muxer_for

# Frames filled together, and frames on each side of a window used as sources
# only: a background hidden for longer than 2 x CONTEXT frames (a wide object
# moving slowly) is filled by the image inpainter. Memory: WINDOW + 2 x
# CONTEXT decoded frames and their flows at the working size.
WINDOW = 30
CONTEXT = 30
# Where the holes are big, both shrink alike so that what the window holds
# for its holes stays under this many bytes: each hole pixel of each frame
# held costs HOLE_BYTES (its refined mask, hole and feathered keep: 5; the
# passes' sources: at most 9.7, tests/test_video_memory.py). A hole over the
# whole 1080p frame held 2.7 GB for them at 90 frames.
HOLE_BUDGET = 512 * 2**20
HOLE_BYTES = 15
LEAST_SPAN = 4  # frames filled at once, and on each side, at the least
FILLS = ("temporal", "frames")
TRACK_SLACK = 0.005  # share of the frame's longer side added to --dilate on every frame (6 px at 720p)

Progress = Callable[[str, int, int], None]  # (stage, frames done, frames in the stage)


@dataclass
class VideoResult:
    """What :func:`erase_video` did."""

    output: Path
    frames: int  # frames in the clip
    erased: int  # frames in which something was filled
    key: int  # the frame the object was segmented on
    segmenters: list[str]
    tracker: str
    inpainter: str
    encoder: str
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # the most the fill's window held at once: decoded frames, their 4:2:0
    # planes, refined masks, grey frames and motions cached (bounded by
    # WINDOW and CONTEXT, whatever the clip's length)
    held: dict[str, int] = field(default_factory=dict)


def erase_video(
    clip: Any,
    output: Any = None,
    points: Any = None,
    box: Any = None,
    mask: Any = None,
    exclude: Any = None,
    *,
    frame: Optional[int] = None,
    at: Optional[float] = None,
    start: Optional[float] = None,
    end: Optional[float] = None,
    segmenter: str = "auto",
    tracker: str = "auto",
    inpainter: str = "auto",
    fill: str = "temporal",
    dilate: int = DEFAULT_DILATE,
    feather: float = DEFAULT_FEATHER,
    save_mask: Any = None,
    compare: Any = None,
    overwrite: bool = False,
    progress: Optional[Progress] = None,
) -> VideoResult:
    """Erase the object the prompts point at on one frame from the whole clip.

    ``clip``: the video's path. ``output``: where to write it [default:
    CLIP.erased.EXT]. ``points``/``box``/``mask``/``exclude``: as for
    :func:`eraser.remove`, on frame ``frame`` (a number) or the frame shown at
    ``at`` seconds [default: the first frame of the range]. ``start``/``end``:
    the range in seconds in which the object is erased (frames outside are
    copied, re-encoded). ``fill``: ``temporal`` (from other frames) or
    ``frames`` (the image inpainter on each frame alone: the baseline).
    ``save_mask``/``compare``: also write the removal masks as a clip, or a
    before | after clip. Every mistake raises :class:`eraser.EraserError`.
    """
    timings: dict[str, float] = {}
    tick = progress or (lambda stage, done, total: None)
    clip, output = arg.location("clip", clip), arg.location("output", output, optional=True)
    save_mask, compare = arg.location("save_mask", save_mask, optional=True), arg.location("compare", compare, optional=True)
    source = Path(clip)
    out = Path(output) if output is not None else _default_output(source)
    outputs = [out] + [Path(p) for p in (save_mask, compare) if p is not None]
    if fill not in FILLS:
        raise EraserError(f"unknown fill {fill!r}; choose one of: {', '.join(FILLS)}")
    for path in outputs:
        muxer_for(path)
    _check_outputs(outputs, source, mask, overwrite)
    chosen = pipeline.inpainters(inpainter)
    with pipeline.timed(timings, "probe"):
        info = probe(source)
    first, last = _range(info, start, end)
    key = _key_frame(info, frame, at, first, last)

    from eraser.session import Session

    with pipeline.timed(timings, "decode"):
        key_rgb = next(frames(info, key, key + 1))[1]
    with pipeline.timed(timings, "segment"):
        session = Session(key_rgb, segmenter=segmenter, inpainter=inpainter, dilate=dilate, feather=feather, history=0)
        preview = session.add(points=points, boxes=box, exclude=exclude, mask=mask)
        if preview is None:
            raise EraserError("nothing to remove: give --point, --box or --mask")
    notices = list(preview.notices)
    with pipeline.timed(timings, "track"):
        tracked = track(info, key, preview.selection, first, last, tracker, segmenter,
                        lambda n: tick("track", n, last - first + 1))
    notices += tracked.notes()
    with pipeline.timed(timings, "write"):
        erased, encoder, inpainter_used, write_notes, held = _write(
            info, tracked, outputs, bool(save_mask), bool(compare), chosen, fill, session.dilate, session.feather,
            overwrite, timings, tick)
    notices += write_notes
    return VideoResult(out, info.frames, erased, key, preview.segmenters, tracked.tracker, inpainter_used, encoder,
                       notices, timings, held)


def _default_output(source: Path) -> Path:
    if not source.name:
        raise EraserError(f"{str(source)!r} is not a video file name")
    return source.with_name(f"{source.stem}.erased{source.suffix}")


def _check_outputs(outputs: list[Path], source: Path, mask: Any, overwrite: bool) -> None:
    from eraser.io.files import check_destination, check_distinct_outputs

    check_distinct_outputs(outputs)
    inputs = [source] + ([mask] if isinstance(mask, (str, Path)) else [])
    for path in outputs:
        check_destination(path, inputs=inputs, overwrite=overwrite)


def _range(info: Clip, start: Optional[float], end: Optional[float]) -> tuple[int, int]:
    duration = info.seconds(info.frames - 1)
    for name, value in (("start", start), ("end", end)):
        if value is not None and not (0 <= value <= duration + 1e-6):
            raise EraserError(f"--{name} {value:g} s is outside the clip (0 to {duration:.3f} s)")
    first = 0 if start is None else min(i for i in range(info.frames) if info.seconds(i) >= start - 1e-6)
    last = info.frames - 1 if end is None else info.frame_at(end)
    if last < first:
        raise EraserError("--end comes before --start")
    return first, last


def _key_frame(info: Clip, frame: Optional[int], at: Optional[float], first: int, last: int) -> int:
    if frame is not None and at is not None:
        raise EraserError("give --frame or --at, not both")
    if at is not None:
        if not 0 <= at <= info.seconds(info.frames - 1) + 1e-6:
            raise EraserError(f"--at {at:g} s is past the end of the clip ({info.seconds(info.frames - 1):.3f} s)")
        frame = info.frame_at(at)
    if frame is None:
        return first
    if not 0 <= frame < info.frames:
        raise EraserError(f"frame {frame} is past the end of the clip (frames 0 to {info.frames - 1})")
    if not first <= frame <= last:
        raise EraserError(f"frame {frame} is outside --start/--end (frames {first} to {last})")
    return frame


def _write(info: Clip, tracked: Track, outputs: list[Path], with_mask: bool, with_compare: bool, chosen, fill: str,
           dilate: int, feather: float, overwrite: bool, timings: dict, tick: Progress):
    """Decode, fill and encode every frame into every output, atomically."""
    from eraser.io.files import atomic_write

    state: dict[str, Any] = {}

    def body(files):
        writers = [Writer(files[0], info, muxer_for(outputs[0]))]
        try:
            extra = iter(files[1:])
            mask_writer = Writer(next(extra), info, muxer_for(outputs[1]), copy=False) if with_mask else None
            if with_compare:
                size = _compare_size(info)
                compare_writer = Writer(next(extra), info, muxer_for(outputs[-1]), width=size[0], height=size[1], copy=False)
            else:
                compare_writer = None
            writers += [w for w in (mask_writer, compare_writer) if w is not None]
            state.update(_fill_and_encode(info, tracked, writers[0], mask_writer, compare_writer, chosen, fill,
                                          dilate, feather, timings, tick))
            with pipeline.timed(timings, "encode"):
                for w in writers:
                    w.close()
        except BaseException:
            for w in writers:
                w.abort()
            raise
        state["encoder"] = writers[0].encoder
        state["notes"] = [w.note for w in writers[:1] if w.note]

    def nest(rest: list[Path], files: list) -> None:
        if not rest:
            body(files)
            return
        atomic_write(rest[0], lambda f: nest(rest[1:], files + [f]), overwrite=overwrite)

    nest(outputs, [])
    return state["erased"], state["encoder"], state["inpainter"], state["notes"], state["held"]


def _compare_size(info: Clip) -> tuple[int, int]:
    """Two half-size panels side by side: the input's width, half its height (even)."""
    half_w = max(2, (info.width // 2) // 2 * 2)
    half_h = max(2, (info.height // 2) // 2 * 2)
    return 2 * half_w, half_h


def _fill_and_encode(info: Clip, tracked: Track, writer: Writer, mask_writer, compare_writer, chosen, fill: str,
                     dilate: int, feather: float, timings: dict, tick: Progress) -> dict:
    """The second pass: a bounded window of decoded frames, filled and written in order."""
    spec_used: list[str] = []

    def inpaint(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        refined = refine(hole.astype(np.float32), 0, 0.0)
        result = pipeline.erase(image, refined, chosen[0].name if len(chosen) == 1 else "auto", chosen=chosen)
        if result.inpainter not in spec_used:
            spec_used.append(result.inpainter)
        return result.image

    refined_cache: dict[int, Any] = {}
    # A tracked mask misses the object's edge by a few pixels here and there
    # (up to 7 px at 720p on the bench's clip); within the feathered ring the
    # original shows through, so those edges stayed as faint marks. Every
    # frame's selection is widened by this much more than --dilate says.
    slack = slack_of(info)
    window_size, context = window_span(tracked, dilate + slack + round(3 * feather) + 1)

    def refined_of(n: int):
        if n not in refined_cache:
            packed = tracked.masks.get(n)
            if packed is not None and packed.empty and n in tracked.regained:
                # the last frame the object was said hidden in before it was found again: a
                # returning object is found late, part of it may show here; erased with the
                # mask it was found with (the twin helmets' clip: a quarter of it on frame 21,
                # left, and copied by the fill into 22-24 as a dark bulge)
                packed = tracked.masks[tracked.regained[n]]
            refined_cache[n] = None if packed is None or packed.empty else refine(
                packed.unpack().astype(np.float32), dilate + slack, feather)
        return refined_cache[n]

    buffer: deque[tuple[int, np.ndarray, Optional[np.ndarray]]] = deque()  # decoded frames not yet dropped
    flows = motion.FlowCache()
    held = {"frames": 0, "planes": 0, "masks": 0, "grey": 0, "motions": 0}

    def count() -> None:
        for name, table in (("frames", buffer), ("planes", planes_of), ("masks", refined_cache),
                            ("grey", flows.small), ("motions", flows.pairs)):
            held[name] = max(held[name], len(table))

    written = 0
    erased = 0
    total = info.frames

    def emit(n: int, original: np.ndarray, filled: Optional[np.ndarray]) -> None:
        nonlocal written, erased
        refined = refined_of(n)
        box = None
        with pipeline.timed(timings, "composite"):
            if refined is not None and filled is not None:
                out = original.copy()
                capped = object_in_switch(refined.dilate, refined.feather)
                for part in refined.parts:
                    r = part.rect.slices
                    out[r] = composite_part(original, part.rect, filled[r], part.keep, capped=capped)
                    box = _union(box, (part.rect.x0, part.rect.y0, part.rect.x1, part.rect.y1))
                erased += 1
            else:
                out = original
        with pipeline.timed(timings, "encode"):
            writer.write(out, info.pts[n], planes_of.pop(n, None), box)
            if mask_writer is not None:
                removal = refined.removal_mask() if refined is not None else np.zeros(original.shape[:2], np.uint8)
                mask_writer.write(np.repeat(removal[..., None], 3, axis=2), info.pts[n])
            if compare_writer is not None:
                compare_writer.write(_side_by_side(original, out, compare_writer), info.pts[n])
        refined_cache.pop(n - context - 1, None)
        written += 1
        tick("erase", 1, total)

    def process_ready(final: bool) -> None:
        while buffer:
            head = written
            position = head - buffer[0][0]
            if position >= len(buffer):
                return
            n, original = buffer[position][:2]
            assert n == head
            if refined_of(n) is None:
                emit(n, original, None)
            elif fill == "frames":
                with pipeline.timed(timings, "fill"):
                    filled = inpaint(original, refined_of(n).hole)
                emit(n, original, filled)
            else:
                stop = n
                while stop < total and stop < n + window_size and refined_of(stop) is not None:
                    stop += 1
                need = min(total, stop + context)
                if buffer[-1][0] < need - 1 and not final:
                    return
                window = [(m, f) for m, f, _ in buffer if n - context <= m < need]
                holes = [_hole(refined_of(m), f.shape[:2]) for m, f in window]
                flows.forget(n - context)  # frames before this window (after a run of frames without a mask)
                with pipeline.timed(timings, "fill"):
                    first = next(i for i, (m, _) in enumerate(window) if m == n)
                    filled = temporal.fill_window([f for _, f in window], holes, inpaint, [m for m, _ in window], flows,
                                                  range(first, first + stop - n))
                    count()
                    flows.forget(stop - context)
                for (m, f), out in zip(window[first:first + stop - n], filled):
                    emit(m, f, out)
            while buffer and buffer[0][0] < written - context:
                buffer.popleft()

    decode_start = time.perf_counter()
    decoding = 0.0
    planes_of: dict[int, Optional[np.ndarray]] = {}
    for n, rgb, planes in frames(info, planes=True):
        decoding += time.perf_counter() - decode_start
        buffer.append((n, rgb, None))
        planes_of[n] = planes
        count()
        process_ready(final=False)
        decode_start = time.perf_counter()
    process_ready(final=True)
    timings["decode"] = timings.get("decode", 0.0) + decoding
    used = spec_used[0] if spec_used else chosen[0].name
    return {"erased": erased, "inpainter": used, "held": held}


def slack_of(info: Clip) -> int:
    return max(2, round(TRACK_SLACK * max(info.width, info.height)))


def window_span(tracked: Track, margin: int) -> tuple[int, int]:
    """Frames filled at once and frames on each side as sources: WINDOW and
    CONTEXT, or fewer alike where the largest hole (its tracked mask's box
    widened by ``margin`` and the fill's own widening) would make the
    window's hole bytes pass HOLE_BUDGET. Memory then stays bounded
    whatever the hole; a hole that never leaves the frames held is filled
    by the image inpainter in more windows (it is, at 90 frames, too)."""
    largest = 0
    for packed in tracked.masks.values():
        if packed.empty:
            continue
        height, width = packed.shape
        reach = margin + max(2, round(motion.SAFETY * max(height, width)))
        x0, y0, x1, y1 = packed.box
        area = (min(width, x1 + reach) - max(0, x0 - reach)) * (min(height, y1 + reach) - max(0, y0 - reach))
        largest = max(largest, area)
    cost = HOLE_BYTES * largest * (WINDOW + 2 * CONTEXT)
    if cost <= HOLE_BUDGET:
        return WINDOW, CONTEXT
    share = HOLE_BUDGET / cost
    return max(LEAST_SPAN, int(WINDOW * share)), max(LEAST_SPAN, int(CONTEXT * share))


def _hole(refined, shape: tuple[int, int]) -> Hole:
    """The refined mask's hole as a box and the mask inside it (no full frame)."""
    if refined is None or not refined.parts:
        return Hole.none(shape)
    x0, y0 = min(p.rect.x0 for p in refined.parts), min(p.rect.y0 for p in refined.parts)
    x1, y1 = max(p.rect.x1 for p in refined.parts), max(p.rect.y1 for p in refined.parts)
    crop = np.zeros((y1 - y0, x1 - x0), bool)
    for p in refined.parts:
        crop[p.rect.y0 - y0:p.rect.y1 - y0, p.rect.x0 - x0:p.rect.x1 - x0] |= p.hole
    return Hole(y0, x0, crop, tuple(shape))


def _union(a, b):
    return b if a is None else (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _side_by_side(before: np.ndarray, after: np.ndarray, writer: Writer) -> np.ndarray:
    width, height = writer.stream.width // 2, writer.stream.height
    panels = [cv2.resize(p, (width, height), interpolation=cv2.INTER_AREA) for p in (before, after)]
    return np.concatenate(panels, axis=1)
