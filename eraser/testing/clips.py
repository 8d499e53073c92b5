"""Clips with a known truth, made from real photos, for video tests and benches.

A camera pans and zooms over a still photo (so every frame's background is
known), and a real cut-out (a sample photo's object under its mask) moves
across it, optionally behind a static occluder. :func:`write_clip` encodes the
frames with PyAV, with a tone as audio, a display rotation, or variable frame
timing when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
import itertools
from typing import Iterable, Optional, Sequence

import cv2
import numpy as np

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@dataclass
class Scene:
    frames: list[np.ndarray]  # RGB uint8, what the camera saw
    backgrounds: list[np.ndarray]  # the same without the object
    masks: list[np.ndarray]  # bool, the visible part of the object in each frame
    cameras: list[np.ndarray]  # 2x3 affine maps from the photo to each frame


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image.ndim == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image


def cut_out(sample: str = "astronaut_helmet", side: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A sample's object (RGB) and its mask (bool), cropped to the mask and scaled to ``side`` px."""
    photo = _read(SAMPLES / sample / "photo.jpg")
    mask = _read(SAMPLES / sample / "mask.png") > 127
    ys, xs = np.nonzero(mask)
    crop = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    obj, m = photo[crop], mask[crop]
    scale = side / max(m.shape)
    size = (max(1, round(m.shape[1] * scale)), max(1, round(m.shape[0] * scale)))
    obj = cv2.resize(obj, size, interpolation=cv2.INTER_AREA)
    m = cv2.resize(m.astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 0.5
    return obj, m


def scene(
    n: int = 24,
    size: tuple[int, int] = (160, 96),
    background: str = "rocket_falcon9",
    obj: str = "astronaut_helmet",
    object_side: Optional[int] = None,
    pan: float = 1.5,
    zoom: float = 0.004,
    path: tuple[tuple[float, float], tuple[float, float]] = ((0.2, 0.55), (0.75, 0.45)),
    occluder: Optional[tuple[float, float, float, float]] = None,
    cover: Optional[tuple[str, int, float, float]] = None,
    exposure: float = 0.0,
    backdrop: Optional[tuple[str, float, float, float]] = None,
    spin: float = 0.0,
    squash: float = 0.0,
) -> Scene:
    """``n`` frames of ``size`` (width, height): the camera moves ``pan`` px a
    frame to the right and zooms in by ``zoom`` a frame over the background
    photo; the object moves from ``path[0]`` to ``path[1]`` (fractions of the
    frame); ``occluder`` (x0, y0, x1, y1 fractions) is a static grey post in
    front of it; ``cover`` (sample, side px, centre x, centre y fractions) a
    static cut-out of a sample's object in front of it (the object passes
    behind it, wholly hidden where the cut-out is wider than it);
    ``exposure``: the camera's gain swings by this share (a sine, 2 s at
    30 fps), as automatic exposure does: the background too; ``backdrop``
    (sample, width as a share of the photo's, centre x, centre y fractions
    of the photo) a cut-out of a sample's object put into the background
    photo: part of the scene, behind the moving object; ``spin`` (degrees a
    frame) turns the object about its centre as it moves, ``squash`` (a
    share) stretches it wide and tall in turn (a swing of 24 frames): an
    object that turns or changes its shape."""
    width, height = size
    photo = _read(SAMPLES / background / "photo.jpg")
    if backdrop is not None:
        photo = _pasted(photo, *backdrop)
    thing, thing_mask = cut_out(obj, object_side or max(8, min(width, height) // 3))
    if cover is not None:
        front, front_mask = cut_out(cover[0], cover[1])
        fx, fy = cover[2] * width - front.shape[1] / 2, cover[3] * height - front.shape[0] / 2
        spot = np.array([[1, 0, fx], [0, 1, fy]], np.float32)
        front_alpha = cv2.warpAffine(front_mask.astype(np.float32), spot, (width, height), flags=cv2.INTER_LINEAR)
        front = cv2.warpAffine(front, spot, (width, height), flags=cv2.INTER_LINEAR)
    out = Scene([], [], [], [])
    for frame, bg, visible, camera in _frames(n, size, photo, thing, thing_mask, pan, zoom, path, occluder,
                                              front if cover is not None else None,
                                              front_alpha if cover is not None else None, exposure,
                                              turn=(spin, squash)):
        out.frames.append(frame)
        out.backgrounds.append(bg)
        out.masks.append(visible)
        out.cameras.append(camera)
    return out


def _pasted(photo: np.ndarray, sample: str, share: float, cx: float, cy: float) -> np.ndarray:
    thing, mask = cut_out(sample, round(share * photo.shape[1]))
    out = photo.copy()
    y0, x0 = round(cy * photo.shape[0] - mask.shape[0] / 2), round(cx * photo.shape[1] - mask.shape[1] / 2)
    region = out[y0:y0 + mask.shape[0], x0:x0 + mask.shape[1]]
    region[mask] = thing[mask]
    return out


def stream(n: int, size: tuple[int, int], background: str = "rocket_falcon9", obj: str = "astronaut_helmet",
           object_side: Optional[int] = None, pan: float = 1.5, zoom: float = 0.004,
           path: tuple[tuple[float, float], tuple[float, float]] = ((0.2, 0.55), (0.75, 0.45)), exposure: float = 0.0,
           bounce: Optional[int] = None):
    """:func:`scene`'s frames (RGB) one at a time, none kept: for clips too
    long to hold. ``bounce``: the camera and the object move as in a scene of
    that many frames, then back, and so on (every stretch of the clip alike,
    whatever its length)."""
    width, height = size
    photo = _read(SAMPLES / background / "photo.jpg")
    thing, thing_mask = cut_out(obj, object_side or max(8, min(width, height) // 3))
    for frame, _, _, _ in _frames(n, size, photo, thing, thing_mask, pan, zoom, path, None, None, None, exposure,
                                  bounce):
        yield frame


EXPOSURE_PERIOD = 60  # frames: one swing of the camera's gain (2 s at 30 fps)
SQUASH_PERIOD = 24  # frames: one swing of a squashed object's stretch


def _frames(n, size, photo, thing, thing_mask, pan, zoom, path, occluder, front, front_alpha, exposure=0.0,
            bounce=None, turn=(0.0, 0.0)):
    width, height = size
    base = 0.8 * min(photo.shape[1] / width, photo.shape[0] / height)  # photo pixels per frame pixel at t=0
    for frame_number in range(n):
        t = frame_number
        if bounce is not None and bounce > 1:  # back and forth through a scene of ``bounce`` frames
            t = frame_number % (2 * (bounce - 1))
            t = t if t < bounce else 2 * (bounce - 1) - t
        s = (1 + zoom * t) / base
        span = bounce if bounce is not None and bounce > 1 else n
        cx, cy = photo.shape[1] / 2 - (span / 2 - t) * pan * base, photo.shape[0] / 2
        camera = np.array([[s, 0, width / 2 - s * cx], [0, s, height / 2 - s * cy]], np.float32)
        bg = cv2.warpAffine(photo, camera, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        frame = bg.copy()
        f = t / max(1, span - 1)
        ox = (path[0][0] + (path[1][0] - path[0][0]) * f) * width - thing.shape[1] / 2
        oy = (path[0][1] + (path[1][1] - path[0][1]) * f) * height - thing.shape[0] / 2
        place = np.array([[1, 0, ox], [0, 1, oy]], np.float32)
        if turn != (0.0, 0.0):  # turned and stretched about its centre
            swing = turn[1] * np.sin(2 * np.pi * t / SQUASH_PERIOD)
            centre = (thing.shape[1] / 2, thing.shape[0] / 2)
            form = cv2.getRotationMatrix2D(centre, turn[0] * t, 1.0) @ np.diag([1 + swing, 1 - swing, 1.0])
            form[:, 2] += np.array(centre) - form[:, :2] @ np.array(centre) + (ox, oy)
            place = form.astype(np.float32)
        alpha = cv2.warpAffine(thing_mask.astype(np.float32), place, (width, height), flags=cv2.INTER_LINEAR)
        layer = cv2.warpAffine(thing, place, (width, height), flags=cv2.INTER_LINEAR)
        frame = np.rint(frame * (1 - alpha[..., None]) + layer * alpha[..., None]).astype(np.uint8)
        visible = alpha >= 0.5
        if occluder is not None:
            x0, y0, x1, y1 = (round(v * d) for v, d in zip(occluder, (width, height, width, height)))
            frame[y0:y1, x0:x1] = (90, 90, 96)
            bg[y0:y1, x0:x1] = (90, 90, 96)
            visible[y0:y1, x0:x1] = False
        if front is not None:
            frame = np.rint(frame * (1 - front_alpha[..., None]) + front * front_alpha[..., None]).astype(np.uint8)
            bg = np.rint(bg * (1 - front_alpha[..., None]) + front * front_alpha[..., None]).astype(np.uint8)
            visible &= front_alpha < 0.5
        if exposure:
            gain = 1 + exposure * np.sin(2 * np.pi * frame_number / EXPOSURE_PERIOD)
            frame, bg = (np.clip(np.rint(image * gain), 0, 255).astype(np.uint8) for image in (frame, bg))
        yield frame, bg, visible, camera


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: int = 24,
    *,
    codec: str = "libx264",
    audio: bool = True,
    rotation: int = 0,
    timestamps: Optional[Sequence[int]] = None,
    time_base: Fraction = Fraction(1, 12288),
    lossless: bool = True,
) -> Path:
    """Encode ``frames``; ``timestamps`` (in ``time_base`` units) make a
    variable frame rate; ``audio`` adds a 440 Hz tone as AAC."""
    import av

    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with av.open(str(path), "w") as container:
        options = {"crf": "0", "preset": "ultrafast"} if lossless and codec == "libx264" else {}
        stream = container.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if rotation:
            stream.set_display_rotation(rotation)
        tone = container.add_stream("aac", rate=44100) if audio else None
        step = round(1 / (fps * time_base))
        count = 0
        for i, rgb in enumerate(itertools.chain([first], frames)):
            count += 1
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = timestamps[i] if timestamps is not None else i * step
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if tone is not None:
            samples = round(count / fps * 44100)
            wave = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 44100)).astype(np.float32)
            for start in range(0, samples, 1024):
                chunk = wave[start:start + 1024]
                block = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                block.sample_rate, block.pts = 44100, start
                for packet in tone.encode(block):
                    container.mux(packet)
            for packet in tone.encode():
                container.mux(packet)
    return Path(path)


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    """PSNR (dB) of ``a`` against ``b`` over the pixels ``where``."""
    diff = a[where].astype(np.float64) - b[where].astype(np.float64)
    return float(10 * np.log10(255.0**2 / max(float((diff**2).mean()) if diff.size else 0.0, 1e-10)))


def flicker(outputs: Sequence[np.ndarray], holes: Sequence[np.ndarray], cameras: Sequence[np.ndarray]) -> float:
    """Temporal flicker inside the holes: the mean absolute difference between
    each output frame and the next one warped back by the true camera motion."""
    values = []
    height, width = outputs[0].shape[:2]
    for t in range(len(outputs) - 1):
        now, then = np.vstack([cameras[t], [0, 0, 1]]), np.vstack([cameras[t + 1], [0, 0, 1]])
        step = (then @ np.linalg.inv(now))[:2]  # frame t -> frame t+1
        warped = cv2.warpAffine(outputs[t + 1], step, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REFLECT)
        if holes[t].any():
            values.append(np.abs(warped[holes[t]].astype(np.float64) - outputs[t][holes[t]]).mean())
    return float(np.mean(values)) if values else 0.0


def read_frames(path: Path) -> list[np.ndarray]:
    """Every frame of a clip, RGB, in presentation order."""
    from eraser.video.clip import frames, probe

    return [f for _, f in frames(probe(Path(path)))]
