"""The temporal fill: the background behind the object, taken from the frames
where it is visible.

For a window of frames and their holes (as flow-guided video completion does,
FGVC, Gao et al. 2020):

1. The background's motion between neighbouring frames: corners found away
   from both holes (at a working size), followed to the next frame by
   pyramidal Lucas-Kanade at full resolution (kept where following them back
   returns within half a pixel), and a homography fitted (RANSAC) to them.
   Inside a hole the flow is the object's, not the background's: the
   homography is the completed flow there. Its inverse is the motion back.
   Where no homography fits, dense flow (DIS) completed by push-pull.
2. Each hole pixel follows the completed flow to the previous frame (a forward
   pass) and to the next (a backward pass). Where it lands outside that
   frame's hole, the background was visible there; where it lands inside, it
   takes what that frame's pixel found. What is carried is a *source*: a frame
   number and a position in that frame, so colours are sampled once, from the
   frame that saw them, and do not blur hop after hop. Of the two passes, the
   source nearer in time weighs more.
3. Pixels no pass found were hidden in every frame of the window. They are
   filled by the image inpainter once, on the frame where most of them are
   (the key frame); that frame then counts as visible everywhere and the
   passes run again, so its fill is carried to its neighbours along the same
   flow instead of being invented again in each frame (which flickers).

Everything is computed on the holes' pixels (a hole is its box and the mask
inside it), never on whole frames, except the flow at the working size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence, Union

import cv2
import numpy as np

from eraser.video import seams
from eraser.video.hole import Hole
from eraser.video.motion import FlowCache, sample_points

# each source frame's colours matched to the frame's light and each other's
# (bench/video.py turns it off: temporal-raw)
SEAMS = True
# after the light's change over the whole frame, one offset per source frame
# fitted at the hole's ring and seams (eraser.video.seams.offsets): off, its
# fit moved from frame to frame (bench/video.py's temporal-offsets turns it on)
RESIDUAL = False

Inpaint = Callable[[np.ndarray, np.ndarray], np.ndarray]


def fill_window(
    frames: Sequence[np.ndarray],
    holes: Sequence[Union[np.ndarray, Hole]],
    inpaint: Inpaint,
    numbers: Optional[Sequence[int]] = None,
    cache: Optional[FlowCache] = None,
    wanted: Optional[range] = None,
) -> list[np.ndarray]:
    """The frames with every hole pixel filled (RGB uint8, the frames' shapes);
    pixels outside the holes are the frames' own. ``holes``: full-frame
    masks or :class:`Hole`. ``numbers`` (consecutive frame numbers) and
    ``cache`` let overlapping windows share flows; ``wanted``: the positions
    to return [default: all]."""
    wanted = range(len(frames)) if wanted is None else wanted
    numbers = list(range(len(frames))) if numbers is None else list(numbers)
    cache = FlowCache() if cache is None else cache
    frames = list(frames)
    holes = [h if isinstance(h, Hole) else Hole.of(h) for h in holes]
    if all(h.empty for h in holes):
        return [frames[i] for i in wanted]
    shape = frames[0].shape[:2]
    # A tracked mask misses the object's edge here and there; a pixel next to
    # the hole is not trusted as a source (the caller composites only the hole).
    widened = [cache.add(n, frame, hole) for n, frame, hole in zip(numbers, frames, holes)]
    light = _light(frames, widened, numbers, cache) if SEAMS else None
    done = _passes(frames, widened, numbers, cache, wanted, light, inpaint, look_for_key=True)
    if done.key is not None:
        key, source = done.key, done.key_sources
        if source[0] is None:  # not a returned frame: its forward pass again, up to it
            source = _combine(key, _forward_to(widened, numbers, cache, key), source[1])
        points = widened[key].pixels()
        keyed = _sample(frames, key, points, source, widened[key], light)
        hidden = np.zeros(shape, bool)
        unknown = source[0] < 0
        hidden[points[1][unknown], points[0][unknown]] = True
        # the first passes' sources go before the second passes run: held
        # together they doubled the passes' memory in each window that needs
        # the inpainter (where the object turns or stays in place)
        del done, source, points, unknown
        frames[key] = inpaint(keyed, hidden)
        del keyed, hidden
        widened[key] = Hole.none(shape)
        done = _passes(frames, widened, numbers, cache, wanted, light, inpaint, look_for_key=False)
    return [done.filled[i] for i in wanted]


@dataclass
class Passes:
    """The returned frames filled (by position), or, where some pixels were
    reached by neither pass, the frame with the most of them (the key
    frame) and its sources: (forward, backward) when it is not a returned
    frame (forward None: not kept), else combined."""

    filled: dict[int, np.ndarray]
    key: Optional[int] = None
    key_sources: Optional[tuple] = None


def _passes(frames, holes, numbers, cache: FlowCache, wanted: range, light, inpaint: Inpaint,
            look_for_key: bool) -> Passes:
    """A forward pass and a backward pass over the window, each frame's hole
    pixels sampled from their sources as soon as both passes have them.
    Only the returned frames' forward sources are kept until the backward
    pass reaches them; the other frames' are dropped once the next frame of
    the pass has them (holding every frame's sources of both passes cost 57
    bytes per hole pixel of the window's 90 frames: 12.7 GB for a hole of a
    whole 1080p frame). With ``look_for_key``, whether the forward pass
    reached each pixel is kept (a bit), to count the pixels neither pass
    reached: once a frame has some, nothing more is filled (the passes run
    again after the key frame's fill) and only the key is looked for."""
    shape = frames[0].shape[:2]
    n = len(holes)
    forward: dict[int, tuple] = {}
    missed: list[Optional[np.ndarray]] = [None] * n
    for i, state in _pass(holes, range(n), lambda i: cache.pair(numbers[i - 1])[1], shape):
        if look_for_key:
            missed[i] = np.packbits(state[0] < 0)
        if i in wanted:
            forward[i] = state
    done = Passes({})
    most = 0
    for i, state in _pass(holes, range(n - 1, -1, -1), lambda i: cache.pair(numbers[i])[0], shape):
        ahead = forward.pop(i, None)
        if look_for_key:
            count = int(np.count_nonzero(np.unpackbits(missed[i], count=state[0].size).view(bool) & (state[0] < 0)))
            missed[i] = None
            if count and count >= most:  # the first frame of the most (as np.argmax): the pass runs last first
                most, done.key = count, i
                done.key_sources = (None, state) if ahead is None else _combine(i, ahead, state)
                done.filled.clear()  # filled before a frame with unreached pixels came: filled again later
        if ahead is not None and done.key is None:
            done.filled[i] = _finish(frames, i, holes[i], _combine(i, ahead, state), light, inpaint)
        del ahead
    return done


def _finish(frames, i: int, hole: Hole, source: tuple, light, inpaint: Inpaint) -> np.ndarray:
    """Frame ``i`` with its hole sampled from its sources; pixels without one
    (not reached from the key frame either: a hole at the window's edge)
    filled by the inpainter."""
    points = hole.pixels()
    filled = _sample(frames, i, points, source, hole, light)
    lost = source[0] < 0
    if lost.any():
        left = np.zeros(frames[i].shape[:2], bool)
        left[points[1][lost], points[0][lost]] = True
        filled = inpaint(filled, left)
    return filled


def _forward_to(holes, numbers, cache: FlowCache, last: int) -> tuple:
    """The forward pass's sources of frame ``last``, run again from the window's first frame."""
    state = None
    for _, state in _pass(holes, range(last + 1), lambda i: cache.pair(numbers[i - 1])[1], holes[0].shape):
        pass
    return state


def _combine(i: int, forward: tuple, backward: tuple) -> tuple:
    """Frame ``i``'s sources: the nearer in time of the two passes', then the other."""
    (fs, fx, fy), (bs, bx, by) = forward, backward
    take_back = (bs >= 0) & ((fs < 0) | (np.abs(bs - i) < np.abs(fs - i)))
    return (np.where(take_back, bs, fs), np.where(take_back, bx, fx), np.where(take_back, by, fy),
            np.where(take_back, fs, bs), np.where(take_back, fx, bx), np.where(take_back, fy, by))


def _pass(holes: Sequence[Hole], order, motion_to_previous, shape) -> Iterator[tuple[int, tuple]]:
    """One direction, frame by frame in ``order``: (position, its hole pixels'
    sources). Each frame's hole pixels take the source of where the
    background's motion to the frame before (in ``order``) lands: that
    frame itself where it lands outside its hole, else what that frame's
    pixel found (its nearest pixel's source, moved by the sub-pixel offset to
    it: a rounded position would add up to half a pixel of error a frame).
    Landing outside the frame finds nothing. Only the previous frame's
    sources are held."""
    height, width = shape
    previous = None
    for i in order:
        xs, ys = holes[i].pixels()
        if xs.size == 0:
            state = (np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
        elif previous is None:
            state = (np.full(xs.size, -1, np.int32), xs.astype(np.float64), ys.astype(np.float64))
        else:
            j, hole_j, index_j, (src_j, x_j, y_j) = previous
            qx, qy = motion_to_previous(i).apply(xs, ys)
            ix, iy = np.rint(qx).astype(np.int64), np.rint(qy).astype(np.int64)
            in_frame = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
            src = np.where(in_frame, j, -1).astype(np.int32)
            x, y = qx.copy(), qy.copy()
            cx, cy = ix - hole_j.x0, iy - hole_j.y0
            box_h, box_w = index_j.shape
            in_box = (cx >= 0) & (cx < box_w) & (cy >= 0) & (cy < box_h)
            k = np.full(xs.size, -1, np.int64)
            k[in_box] = index_j[cy[in_box], cx[in_box]]
            carried = k >= 0
            at = k[carried]
            src[carried] = src_j[at]
            x[carried] = x_j[at] + (qx - ix)[carried]
            y[carried] = y_j[at] + (qy - iy)[carried]
            state = (src, x, y)
            del qx, qy, ix, iy, in_frame, cx, cy, in_box, k, carried, at
        yield i, state
        index = np.full(holes[i].mask.shape, -1, np.int32)
        index[holes[i].mask] = np.arange(xs.size)
        previous = (i, holes[i], index, state)


def _light(frames, holes, numbers, cache: FlowCache) -> np.ndarray:
    """Each frame's light (the log of a gain per channel) against the
    window's first frame: the changes between neighbours (cached per pair,
    measured on the frames as decoded) added up."""
    steps = [np.zeros(frames[0].shape[2], np.float32)]
    for i in range(len(frames) - 1):
        n = numbers[i]
        if n not in cache.light:
            cache.light[n] = seams.light_change(frames[i], frames[i + 1], cache.pair(n)[0], holes[i], holes[i + 1])
        steps.append(cache.light[n])
    return np.cumsum(steps, axis=0)


def _sample(frames, i, points, source, hole: Hole, light: Optional[np.ndarray] = None) -> np.ndarray:
    """Frame ``i`` with its hole pixels sampled from their sources (unknown
    ones left as they were), each source frame's colours shifted to match
    the frame and each other (eraser.video.seams). Where both passes found a
    source, the two colours are blended, the nearer in time weighing more:
    where the forward and the backward sources meet, a hard switch showed as
    a tear."""
    out = frames[i].copy()
    xs, ys = points
    if xs.size == 0:
        return out
    first = _colours(frames, source[0], source[1], source[2])
    second = _colours(frames, source[3], source[4], source[5])
    if light is not None:  # each source's colours in this frame's light
        first = first * seams.gain(light[i] - light[np.maximum(source[0], 0)])
        second = second * seams.gain(light[i] - light[np.maximum(source[3], 0)])
    if SEAMS and RESIDUAL:
        shift_first, shift_second = seams.offsets(frames[i], xs, ys, hole.mask, (hole.x0, hole.y0), source, first, second)
        first, second = first + shift_first, second + shift_second
    both = (source[0] >= 0) & (source[3] >= 0)
    near = 1.0 / np.maximum(np.abs(source[0] - i), 1)
    far = 1.0 / np.maximum(np.abs(source[3] - i), 1)
    weight = np.where(both, near / (near + far), 1.0)[:, None]
    colours = np.clip(np.rint(first * weight + second * (1 - weight)), 0, 255).astype(np.uint8)
    known = source[0] >= 0
    out[ys[known], xs[known]] = colours[known]
    return out


def _colours(frames, src, px, py) -> np.ndarray:
    """float32 colours of the sources (zeros where there is none), sampled
    frame by frame."""
    out = np.zeros((src.size, frames[0].shape[2]), np.float32)
    order = np.argsort(src, kind="stable")
    ordered = src[order]
    for group in np.split(order, np.flatnonzero(np.diff(ordered)) + 1):
        s = int(src[group[0]]) if group.size else -1
        if s >= 0:
            out[group] = sample_points(frames[s], px[group], py[group], cv2.INTER_LINEAR, cv2.BORDER_REFLECT)
    return out
