"""Writing a clip: the video encoded again, every other stream copied.

The output keeps the input's container (chosen by the output's suffix), frame
timestamps and time base, and display rotation; audio and subtitle packets
are copied without decoding, interleaved by time with the new video so that
nothing waits in memory. The video is encoded with the input's codec where
this FFmpeg has an encoder for it, else H.264 (VP9 in WebM), at a quality that
keeps untouched pixels within codec loss (see docs/video.md).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import IO, Iterator, Optional

import numpy as np

from eraser.errors import EraserError
from eraser.video.clip import Clip, _av

# output suffix -> FFmpeg muxer
MUXERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm", ".avi": "avi"}
# decoder -> (encoder, options at the default quality)
ENCODERS = {
    # mbtree off: with it, libx264's AVX-512 code gave a different stream for
    # the same frames from run to run (decoded up to 20 grey levels apart), so
    # one clip erased twice differed; crf 13 without it keeps crf 12's
    # quality outside the mask (docs/video.md)
    "h264": ("libx264", {"crf": "13", "preset": "veryfast", "x264-params": "mbtree=0"}),
    "hevc": ("libx265", {"crf": "12", "preset": "fast", "x265-params": "log-level=error"}),
    "vp9": ("libvpx-vp9", {"crf": "12", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}),
    "vp8": ("libvpx", {"crf": "6", "b": "20M", "deadline": "realtime", "cpu-used": "8"}),
    "mpeg4": ("mpeg4", {"qscale": "2"}),
}


def muxer_for(path: Path) -> str:
    muxer = MUXERS.get(Path(path).suffix.lower())
    if muxer is None:
        raise EraserError(f"{path}: write a video as one of {', '.join(sorted(MUXERS))}")
    return muxer


def encoder_for(clip: Clip, muxer: str) -> tuple[str, dict, Optional[str]]:
    """(encoder, options, a note when the input's codec could not be kept)."""
    av = _av()
    wanted = ENCODERS.get(clip.codec)
    fits = not (muxer == "webm" and clip.codec not in ("vp8", "vp9"))
    if wanted is not None and fits and _can_encode(av, wanted[0]):
        return wanted[0], dict(wanted[1]), None
    fallback = "vp9" if muxer == "webm" else "h264"
    name, options = ENCODERS[fallback]
    why = f"WebM cannot hold {clip.codec}" if not fits else f"this FFmpeg has no {clip.codec} encoder"
    return name, dict(options), f"{why}; the video is written as {fallback.upper()}"


def _can_encode(av, name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
        return True
    except Exception:
        return False


def _patched(planes: np.ndarray, rgb: np.ndarray, box: Optional[tuple[int, int, int, int]]) -> np.ndarray:
    """The 4:2:0 planes (changed in place) with ``box`` (widened to even
    edges) converted from ``rgb``: only the box, a frame's conversion costs
    more than the box's fill."""
    if box is None:
        return planes
    av = _av()
    height, width = rgb.shape[:2]
    x0, y0 = box[0] // 2 * 2, box[1] // 2 * 2
    x1, y1 = min(width, (box[2] + 1) // 2 * 2), min(height, (box[3] + 1) // 2 * 2)
    if x1 <= x0 or y1 <= y0:
        return planes
    h, w = y1 - y0, x1 - x0
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    new = av.VideoFrame.from_ndarray(crop, format="rgb24").reformat(format="yuv420p").to_ndarray().reshape(-1)
    planes[y0:y1, x0:x1] = new[:h * w].reshape(h, w)
    quarter, small = (height // 2) * (width // 2), (h // 2) * (w // 2)
    for k in range(2):  # U, then V: (H/2, W/2) each, in row-major runs after Y
        start = height * width + k * quarter
        mine = planes.reshape(-1)[start:start + quarter].reshape(height // 2, width // 2)
        mine[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = new[h * w + k * small:h * w + (k + 1) * small].reshape(h // 2, w // 2)
    return planes


class Writer:
    """Encode RGB frames with given timestamps into ``file``; with ``copy``
    the input's other streams are copied into it as they were."""

    def __init__(self, file: IO[bytes], clip: Clip, muxer: str, *, width: Optional[int] = None,
                 height: Optional[int] = None, copy: bool = True) -> None:
        av = _av()
        self.clip = clip
        self.encoder, options, self.note = encoder_for(clip, muxer)
        self.out = av.open(file, "w", format=muxer)
        self.stream = self.out.add_stream(self.encoder, rate=clip.rate or Fraction(30), options=options)
        self.stream.width = width or clip.width
        self.stream.height = height or clip.height
        self.stream.pix_fmt = "yuv420p"
        # frame threads (x264's default) rather than PyAV's slices: more frames per CPU second
        self.stream.codec_context.thread_type = "AUTO"
        self.stream.time_base = clip.time_base
        self.stream.codec_context.time_base = clip.time_base
        if clip.rotation:
            self.stream.set_display_rotation(clip.rotation)
        self.source = None
        self.copies: dict[int, object] = {}
        self.pending: Iterator = iter(())
        self.next_packet = None
        if copy and clip.others:
            self.source = av.open(str(clip.path))
            others = [s for s in self.source.streams if s.index != clip.stream_index and s.type in ("audio", "subtitle", "data")]
            for s in others:
                try:
                    self.copies[s.index] = self.out.add_stream_from_template(s)
                except Exception:  # a stream this container cannot hold: said in the note
                    self.note = (self.note + "; " if self.note else "") + f"stream {s.index} ({s.type}) cannot be copied into {muxer}"
            kept = [s for s in others if s.index in self.copies]
            self.pending = self.source.demux(*kept) if kept else iter(())
            self.next_packet = next(self.pending, None)

    def write(self, rgb: np.ndarray, pts: int, planes: Optional[np.ndarray] = None,
              box: Optional[tuple[int, int, int, int]] = None) -> None:
        """Encode one frame. ``planes``: the decoded input's 4:2:0 planes; then
        only ``box`` (x0, y0, x1, y1; None: nothing changed) is converted from
        ``rgb``, and every other pixel is encoded from the decoded planes as
        they were, with no round trip through RGB (which alone costs about
        46 dB)."""
        av = _av()
        if planes is not None and rgb.shape[:2] == (self.stream.height, self.stream.width):
            frame = av.VideoFrame.from_ndarray(_patched(planes, rgb, box), format="yuv420p")
        else:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = pts
        frame.time_base = self.clip.time_base
        self._copy_until(float((pts - self.clip.pts[0]) * self.clip.time_base))
        for packet in self.stream.encode(frame):
            self.out.mux(packet)

    def _copy_until(self, seconds: Optional[float]) -> None:
        """Copy the other streams' packets up to ``seconds`` (all with None)."""
        while self.next_packet is not None:
            packet = self.next_packet
            if packet.dts is None and packet.pts is None:  # a demuxer's flush packet
                self.next_packet = next(self.pending, None)
                continue
            when = packet.pts if packet.pts is not None else packet.dts
            start = packet.stream.start_time or 0
            if seconds is not None and float((when - start) * packet.time_base) > seconds:
                return
            packet.stream = self.copies[packet.stream.index]
            self.out.mux(packet)
            self.next_packet = next(self.pending, None)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.out.mux(packet)
        self._copy_until(None)
        self.out.close()
        if self.source is not None:
            self.source.close()

    def abort(self) -> None:
        for thing in (self.out, self.source):
            try:
                if thing is not None:
                    thing.close()
            except Exception:
                pass
