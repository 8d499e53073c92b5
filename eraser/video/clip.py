"""Reading a clip with PyAV: what it holds (probe) and its frames, streamed.

Frames are numbered in presentation order: the video packets' timestamps,
sorted, are the frames' timestamps, read once without decoding. Every
timestamp is kept as it is, so variable frame rates pass through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional


from eraser.errors import EraserError


def _av():
    try:
        import av
    except ImportError:
        raise EraserError("video needs PyAV: pip install 'eraser[video]'") from None
    return av


@dataclass
class Clip:
    """What a video file holds, as eraser needs it."""

    path: Path
    format: str  # the demuxer's name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    codec: str  # the video decoder's name, e.g. "h264"
    width: int
    height: int
    time_base: Fraction
    rate: Optional[Fraction]  # the average frame rate, if the file says
    pts: list[int]  # every frame's timestamp, in presentation order
    rotation: int  # display rotation in degrees (counter-clockwise), from the file's display matrix
    stream_index: int
    others: list[str] = field(default_factory=list)  # the other streams' types, e.g. ["audio"]
    index: dict[int, int] = field(default_factory=dict)  # timestamp -> frame number

    @property
    def frames(self) -> int:
        return len(self.pts)

    def seconds(self, frame: int) -> float:
        return float((self.pts[frame] - self.pts[0]) * self.time_base)

    def frame_at(self, seconds: float) -> int:
        """The frame shown at ``seconds`` from the start."""
        target = self.pts[0] + seconds / self.time_base
        shown = [i for i, p in enumerate(self.pts) if p <= target + 1e-9]
        return shown[-1] if shown else 0


def probe(path: Path) -> Clip:
    """Open ``path`` and read its video stream's timestamps; one-line
    EraserError for anything that is not a readable video."""
    av = _av()
    path = Path(path)
    if not path.is_file():
        raise EraserError(f"{path}: no such file")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise EraserError(f"{path}: has no video stream")
            if _is_still(container.format.name):
                raise EraserError(f"{path}: is a still image, not a video; erase it with `eraser remove`")
            stream = container.streams.video[0]
            pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None and p.size)
            container.seek(0)
            first = next(container.decode(stream), None)
            clip = Clip(
                path=path, format=container.format.name, codec=stream.codec_context.name,
                width=stream.codec_context.width, height=stream.codec_context.height,
                time_base=stream.time_base, rate=stream.average_rate, pts=pts,
                rotation=int(getattr(first, "rotation", 0) or 0) % 360 if first is not None else 0,
                stream_index=stream.index, others=[s.type for s in container.streams if s.index != stream.index],
            )
    except EraserError:
        raise
    except (av.FFmpegError, UnicodeDecodeError, StopIteration) as exc:
        raise EraserError(f"{path}: not a readable video ({_one_line(exc)})") from None
    if not pts or first is None:
        raise EraserError(f"{path}: its video stream has no frames")
    clip.index = {p: i for i, p in enumerate(pts)}
    return clip


def _is_still(format_name: str) -> bool:
    """FFmpeg reads a photo as a one-frame video through its image demuxers
    (image2, jpeg_pipe, png_pipe, ...)."""
    return any(name == "image2" or name.endswith("_pipe") for name in format_name.split(","))


def frames(clip: Clip, start: int = 0, stop: Optional[int] = None, planes: bool = False) -> Iterator[tuple]:
    """``(number, RGB uint8 frame)`` for frames ``start`` to ``stop`` (excluded),
    decoded one at a time; a frame that cannot be decoded is a one-line error.
    With ``planes``: ``(number, RGB, YUV 4:2:0 array or None)``, the decoded
    planes as PyAV lays them out, where the clip is 8-bit 4:2:0 of even size."""
    av = _av()
    stop = clip.frames if stop is None else stop
    expected = start
    try:
        with av.open(str(clip.path)) as container:
            stream = container.streams[clip.stream_index]
            stream.thread_type = "AUTO"
            if start > 0:
                container.seek(clip.pts[start], stream=stream, backward=True)
            for frame in container.decode(stream):
                number = clip.index.get(frame.pts)
                if number is None or number < start:
                    continue
                if number >= stop:
                    return
                if number != expected:
                    raise EraserError(f"{clip.path}: frame {expected} is missing (the file is damaged or truncated)")
                expected += 1
                rgb = frame.to_ndarray(format="rgb24")
                if planes:
                    even = frame.width % 2 == 0 and frame.height % 4 == 0
                    yield number, rgb, frame.to_ndarray() if even and frame.format.name == "yuv420p" else None
                else:
                    yield number, rgb
    except av.FFmpegError as exc:
        raise EraserError(f"{clip.path}: cannot decode frame {expected} ({_one_line(exc)}); the file is damaged or truncated") from None
    if expected < stop:
        raise EraserError(f"{clip.path}: ends at frame {expected} of {clip.frames}; the file is truncated")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
