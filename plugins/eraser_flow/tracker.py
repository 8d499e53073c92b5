"""The ``flow`` tracker: warp the mask along dense optical flow, re-fit, check.

Each step computes DIS optical flow from the new frame back to the previous
one at a working size (the flow of a whole frame is smooth; full resolution
buys little and costs much), predicts the object's shift from it, measures
the shift by matching the object's own pixels, and asks the photo segmenter
(``refit``) for the object in a box around the moved mask. The re-fitted
mask is kept when it agrees with the moved one (IoU), else the moved mask
is: a segmenter that grabs the background must not steer the track.

Occlusions: the object's look (``appearance.Appearance``) tells where its
moved shape still shows it. Part of it: what shows is the visible part,
what is erased. Almost none: the tracker yields :class:`Hidden` and carries
the shape along its motion so far, searching its look around the predicted
place each frame; found again (and confirmed by the segmenter on a box),
it is followed again.

Something of the object's own colours next to it (in front or behind):
the re-fits stop finding it alone. It is then carried by its motion and
erased only where its own lightness pattern shows at that place (it is in
front), else said hidden, until the segmenter finds its whole shape again.

The track stops (a :class:`~eraser.backends.TrackLost`) when the object
leaves the view, stays hidden (or not told apart) too long, or drifts: the
area jumps between two frames or the object's colour moves far from the
key frame's.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Optional, Union

import cv2
import numpy as np

from eraser.backends import Hidden, TrackLost
from eraser.video.motion import dense_flow
from eraser_flow.appearance import Appearance, lab
from eraser_flow.visible import landmarks_place, visible_part

WORKING_SIDE = 480  # longest side the flow is computed at
BOX_MARGIN = 0.15  # the re-fit box: the warped mask's box widened by this share of its size
AGREE_IOU = 0.5  # a re-fit that overlaps the object's warped shape less than this is not trusted
MAX_DISAGREEMENTS = 2  # re-fits in a row not trusted: the track is lost
RESYNC_IOU = 0.85  # a re-fit this close to the warped shape becomes the shape (nothing hides the object)
GONE_SHARE = 0.05  # area below this share of the key frame's: the object left the view or is hidden
AREA_JUMP = 1.8  # area growing or shrinking by more than this factor in one frame is drift
REFIT_EVERY = 2  # the segmenter re-fits the mask on every this many frames (it is most of a track's cost)
BAND = 24  # pixels (at the working size) around the object's box in which the flow is computed
SEARCH = 6  # pixels (at the working size) searched around the flow's prediction
COLOUR_JUMP = 40.0  # mean Lab colour moving further than this from the key frame's is drift
SEEN_SHARE = 0.8  # this share of the object's look (its pixels inside the frame) matching: seen in full
HIDDEN_SHARE = 0.08  # less than this share matching: hidden behind something
TREND = 0.3  # the weight of each frame's shift in the smoothed motion that carries a hidden object
PULL = 0.004  # the search's cost of a (working) pixel squared away from the predicted place, per pixel of the look
HIDDEN_REACH = 18  # the search around the predicted place widens by a pixel a frame hidden, up to this
MAX_HIDDEN = 90  # frames hidden in a row after which the track gives up
OWN_PATTERN = 0.95  # the object's lightness pattern correlating this well at a place: it is there, in full view
TURN_AREA = 1.25  # a re-fit within this factor of the shape's area, ...
OWN_COLOURS = 0.9  # ... this share of it in the object's colours: the object turned (or changed its shape)
PART_SHARE = 0.1  # partly behind a like thing, under this share of its shape showing: hidden
CHECKED_SHARE = 0.2  # partly hidden, what matches its look is checked by the marks from this share of its shape
LIKE_SHARE = 0.5  # the marks keeping less than this share of what matches: a like thing in front
TURNED = "the track drifted (the object no longer looks as it did: it turned or changed its shape)"
UNSURE = "not told apart from what is around it"  # why a frame is skipped while the re-fits disagree


class FlowTracker:
    def __init__(self, working_side: int = WORKING_SIDE, refit_every: int = REFIT_EVERY) -> None:
        self.working_side = working_side
        self.refit_every = refit_every

    def track(
        self,
        frames: Iterable[np.ndarray],
        mask: np.ndarray,
        refit: Optional[Callable[[np.ndarray, tuple[int, int, int, int]], np.ndarray]] = None,
    ) -> Iterator[Union[np.ndarray, Hidden, TrackLost]]:
        flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        fine = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)  # tells the object from a like thing
        # Two masks travel: the object's whole shape (moved by its motion,
        # kept through occlusions) and its visible part (what is erased).
        visible = np.asarray(mask, np.float32)
        shape = visible
        key_area = float((visible >= 0.5).sum())
        if key_area == 0:
            yield TrackLost("the key frame's mask is empty")
            return
        velocity: Optional[np.ndarray] = None  # the last shift measured, per frame, at the working size
        trend: Optional[np.ndarray] = None  # the shift per frame while in full view, smoothed: it carries a hidden object
        disagreed = 0  # frames in a row in which the re-fit was not trusted
        step = 0  # frames since the key frame
        steady = False  # the last re-fit matched the object's whole shape
        state = "seen"  # "seen" (in full), "partly" (partly hidden), "hidden", "joined" (to something of its look)
        hidden_for = 0  # frames in a row the object has been hidden
        previous_gray: Optional[np.ndarray] = None
        key_colour: Optional[np.ndarray] = None
        look: Optional[Appearance] = None
        for frame in frames:
            gray, small, scale = self._small(frame)
            if previous_gray is None:  # the key frame: its mask is the one given
                previous_gray = gray
                key_colour = _mean_lab(frame, visible >= 0.5)
                look = Appearance(lab(small), _resized(shape, gray.shape) >= 0.5)
                continue
            small_lab = lab(small)
            motion_so_far = trend if trend is not None else velocity  # before it was seen in full twice: the last shift
            predicted = look.offset + (motion_so_far if motion_so_far is not None else 0.0)
            if state == "joined":
                grays, previous_gray = (gray, previous_gray, fine), gray
                step += 1
                state, shape, visible, steady, hidden_for = yield from self._joined(
                    frame, small_lab, grays, refit, shape, predicted, look, scale, key_area, hidden_for)
                if state == "lost":
                    return
                if state == "seen":
                    disagreed = 0
                    if steady:
                        look = Appearance(small_lab, _resized(shape, gray.shape) >= 0.5)
                continue
            if state == "seen":
                motion, velocity = _motion(visible, _band_flow(flow, gray, previous_gray, visible, scale), scale,
                                           previous_gray, gray, velocity)
                found = look.offset - motion[:, 2] * scale
            else:  # part or all of it is behind something: where most of its look matches, near where it should be
                found, _ = look.search(small_lab, predicted, SEARCH + min(hidden_for, HIDDEN_REACH),
                                       PULL * look.size / (1 + hidden_for / 4))
            grays, previous_gray = (gray, previous_gray, fine), gray
            shown, share = look.matches(small_lab, found)
            if state == "seen" and share < SEEN_SHARE:  # the motion may be off (a fast object): its look nearby
                again, _ = look.search(small_lab, found, SEARCH, PULL * look.size / 10)
                shown_again, share_again = look.matches(small_lab, again)
                if share_again > share:
                    found, shown, share = again, shown_again, share_again
            candidate, turned = None, False
            if state in ("seen", "partly") and share < SEEN_SHARE and refit is not None:
                # its look changed (it turned, the light changed) or something is in front of
                # it: where the segmenter still sees its whole shape, nothing is; where it sees
                # the object's colours in a shape of its size overlapping it, it turned
                moved = _warp(shape, _shift_map(found - look.offset, scale)) >= 0.5
                if moved.any():
                    candidate = np.asarray(refit(frame, _box(moved, BOX_MARGIN)), np.float32)
                    agreement = _iou(candidate >= 0.5, moved)
                    if agreement >= RESYNC_IOU:
                        share = 1.0
                    elif agreement >= AGREE_IOU and _turned(candidate >= 0.5, moved, look, small_lab):
                        share, turned = 1.0, True
            out_of_sight = share < HIDDEN_SHARE
            # found again by its look: only where the photo segmenter agrees
            if not out_of_sight and state == "hidden" and refit is not None:
                out_of_sight = not _confirmed(refit, frame, shown, shape, found - look.offset, scale)
            if out_of_sight and state != "hidden" and _still_there(shape, found - look.offset, look, small_lab, scale):
                # nothing of its look where it moved, but its colours all over its shape there: it
                # turned or changed its shape (too fast for the re-fits), it is not hidden
                yield TrackLost(TURNED)
                return
            if out_of_sight:  # it moves as it did, unseen
                found = predicted
            shift = found - look.offset
            motion = _shift_map(shift, scale)
            look.offset = found
            shape = _warp(shape, motion)
            shape_binary = shape >= 0.5
            if shape_binary.sum() < GONE_SHARE * key_area:
                yield TrackLost("the object left the view" + (" while hidden" if state == "hidden" else ""))
                return
            step += 1
            if out_of_sight:
                hidden_for += 1
                if hidden_for > MAX_HIDDEN:
                    yield TrackLost(f"the object stayed hidden for more than {MAX_HIDDEN} frames")
                    return
                state, steady = "hidden", False
                visible = np.zeros_like(shape)
                yield Hidden()
                continue
            if state == "seen" and share >= SEEN_SHARE:  # in full view: its motion is measured well
                trend = shift if trend is None else (1 - TREND) * trend + TREND * shift
            hidden_for = 0
            if share < SEEN_SHARE:  # partly hidden: the part of its shape whose look the frame shows
                state, steady = "partly", False
                visible = (shape_binary & (_resized(shown.astype(np.float32), shape.shape) >= 0.5)).astype(np.float32)
                shown_area = float((visible >= 0.5).sum())
                if shown_area >= CHECKED_SHARE * shape_binary.sum():
                    # a thing of its colours in front matches its look too: where the marks of its
                    # distinct pixels and its motion disown most of what matches, only their part is it
                    marked = self._part(look, small_lab, grays, shape_binary, shift, scale)
                    kept = visible * marked if marked is not None else np.zeros_like(visible)
                    if float(kept.sum()) < LIKE_SHARE * shown_area:
                        visible = kept
                        if float(kept.sum()) < PART_SHARE * shape_binary.sum():
                            visible = np.zeros_like(shape)
                            yield Hidden(UNSURE)
                            continue
                yield visible
                continue
            came_back, state = state != "seen", "seen"
            fitted = _warp(visible, motion) if not came_back else shape
            # a re-fit is skipped only while the last one matched the whole shape (nothing hides the object)
            if refit is not None and (step % self.refit_every == 0 or not steady or candidate is not None):
                if candidate is None:
                    candidate = np.asarray(refit(frame, _box(shape_binary, BOX_MARGIN)), np.float32)
                agreement = _iou(candidate >= 0.5, shape_binary)
                steady = agreement >= RESYNC_IOU or turned
                if agreement >= AGREE_IOU:
                    fitted, disagreed = candidate, 0
                    if steady:  # all of it in view: its shape is what the segmenter sees
                        shape = candidate
                        look = Appearance(small_lab, _resized(shape, gray.shape) >= 0.5)
                else:
                    disagreed += 1
                    if disagreed >= MAX_DISAGREEMENTS:
                        # something of its look joined to it (the segmenter takes both as one, or the
                        # object's colours in its box's surroundings make it take a sliver), or the
                        # track drifted: it is carried by its motion, erased only where its own
                        # lightness pattern shows (in front), until the segmenter finds its shape
                        # alone at the place its motion takes it
                        state, steady = "joined", False
                        if look.likeness(small_lab, look.offset, 0)[1] >= OWN_PATTERN:  # in front: it shows
                            hidden_for = 0
                            yield fitted
                            continue
                        hidden_for, visible = 1, self._part(look, small_lab, grays, shape_binary, shift, scale)
                        yield Hidden(UNSURE) if visible is None else visible
                        visible = np.zeros_like(shape) if visible is None else visible
                        continue
            binary = fitted >= 0.5
            area, before = float(binary.sum()), float((visible >= 0.5).sum())
            if area < GONE_SHARE * key_area:
                yield TrackLost("the object is lost")
                return
            if not came_back and max(area / before, before / area) > AREA_JUMP:
                yield TrackLost("the track drifted (its area jumped)")
                return
            if np.linalg.norm(_mean_lab(frame, binary) - key_colour) > COLOUR_JUMP:
                yield TrackLost("the track drifted (its colour changed)")
                return
            visible = fitted
            yield visible

    def _joined(self, frame, small_lab, grays, refit, shape, predicted, look: Appearance, scale, key_area, hidden_for):
        """A frame while the segmenter does not find the object alone: its
        shape moves as it did, or to where its own pattern (not only its
        colours) shows, and is erased there (it is in front of what joined
        it); else the part of it that its look and its motion show is erased
        (``visible.py``), or nothing where under PART_SHARE of it shows.
        Where the segmenter, on a box around it, finds its whole shape
        again, it is followed again. Returns (state, shape, visible, steady,
        frames not told apart) after yielding the frame's mask, Hidden or
        TrackLost (state "lost")."""
        place, likeness = look.likeness(small_lab, predicted, SEARCH)
        found = place if likeness >= OWN_PATTERN else landmarks_place(look, small_lab, predicted, SEARCH // 2)
        shift = found - look.offset
        shape = _warp(shape, _shift_map(shift, scale))
        look.offset = found
        shape_binary = shape >= 0.5
        if shape_binary.sum() < GONE_SHARE * key_area:
            yield TrackLost("the object left the view while " + UNSURE)
            return "lost", shape, shape, False, hidden_for
        candidate = np.asarray(refit(frame, _box(shape_binary, BOX_MARGIN)), np.float32)
        agreement = _iou(candidate >= 0.5, shape_binary)
        if agreement >= RESYNC_IOU:  # parted: the re-fit is its whole shape (a piece of a like thing seldom is)
            yield candidate
            return "seen", candidate, candidate, True, 0
        if likeness >= OWN_PATTERN:
            yield shape
            return "joined", shape, shape, False, 0
        if hidden_for + 1 > MAX_HIDDEN:
            yield TrackLost(f"the track drifted (the segmenter has not found the object where it moved for {MAX_HIDDEN} frames)")
            return "lost", shape, shape, False, hidden_for
        part = self._part(look, small_lab, grays, shape_binary, shift, scale)
        yield Hidden(UNSURE) if part is None else part
        return "joined", shape, np.zeros_like(shape) if part is None else part, False, hidden_for + 1

    @staticmethod
    def _part(look: Appearance, small_lab, grays, shape_binary: np.ndarray, shift: np.ndarray, scale: float):
        """The part of the object that shows beside a like thing in front of
        it (full size), or None where under PART_SHARE of its shape does."""
        now, before, dis = grays
        flow = _band_flow(dis, now, before, shape_binary.astype(np.float32), scale)
        small = _resized(shape_binary.astype(np.float32), now.shape) >= 0.5
        part = _resized(visible_part(look, small_lab, flow, small, shift).astype(np.float32), shape_binary.shape)
        part = shape_binary & (part >= 0.5)
        return part.astype(np.float32) if part.sum() >= PART_SHARE * shape_binary.sum() else None

    def _small(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """The frame at the working size: grey and RGB, and the scale."""
        height, width = frame.shape[:2]
        scale = min(1.0, self.working_side / max(height, width))
        small = frame
        if scale < 1.0:
            small = cv2.resize(frame, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), np.ascontiguousarray(small), scale


def _confirmed(refit, frame: np.ndarray, shown: np.ndarray, shape: np.ndarray, shift: np.ndarray, scale: float) -> bool:
    """A hidden object found again by its look is taken only where the photo
    segmenter, on a box around where it was found, finds an object under
    most of the matching pixels (a patch of background of the same colours
    is not an object's whole)."""
    moved = _warp(shape, _shift_map(shift, scale)) >= 0.5
    if not moved.any():
        return False
    candidate = np.asarray(refit(frame, _box(moved, BOX_MARGIN)), np.float32) >= 0.5
    matched = _resized(shown.astype(np.float32), shape.shape) >= 0.5
    return bool((candidate & matched).sum() >= 0.6 * max(matched.sum(), 1))


def _turned(candidate: np.ndarray, moved: np.ndarray, look: Appearance, small_lab: np.ndarray) -> bool:
    """A re-fit that overlaps the moved shape but does not match it, of
    about its area and of the object's colours: the object turned or changed
    its shape (a part hidden is smaller; a like thing joined to it, bigger)."""
    ratio = float(candidate.sum()) / max(float(moved.sum()), 1.0)
    if not 1 / TURN_AREA <= ratio <= TURN_AREA:
        return False
    small = _resized(candidate.astype(np.float32), small_lab.shape[:2]) >= 0.5
    return look.palette_share(small_lab, small) >= OWN_COLOURS


def _still_there(shape: np.ndarray, shift: np.ndarray, look: Appearance, small_lab: np.ndarray, scale: float) -> bool:
    """The object's colours under nearly all of its moved shape (something
    in front of it would show its own)."""
    moved = _warp(shape, _shift_map(shift, scale))
    small = _resized(moved, small_lab.shape[:2]) >= 0.5
    return bool(small.any()) and look.palette_share(small_lab, small) >= OWN_COLOURS


def _shift_map(shift: np.ndarray, scale: float) -> np.ndarray:
    """The map of a shift (working pixels) as _warp takes it: a new frame's pixel to where it was."""
    return np.array([[1, 0, -shift[0] / scale], [0, 1, -shift[1] / scale]], np.float64)


def _resized(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if mask.shape == tuple(shape):
        return mask
    area = shape[0] < mask.shape[0]
    return cv2.resize(mask.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_AREA if area else cv2.INTER_LINEAR)


def _band_flow(dis, now: np.ndarray, before: np.ndarray, mask: np.ndarray, scale: float) -> np.ndarray:
    """DIS flow from ``now`` back to ``before`` (working size) on a band
    around the mask's box only (zeros elsewhere): only the flow under the
    mask is used, and the band keeps the flow's context."""
    height, width = now.shape
    out = np.zeros((height, width, 2), np.float32)
    box = _bounds(mask >= 0.5)
    if box is None:
        return out
    x0, y0, x1, y1 = (int(v * scale) for v in box)
    pad = BAND + max(x1 - x0, y1 - y0) // 4
    x0, y0, x1, y1 = max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + 1 + pad), min(height, y1 + 1 + pad)
    if x1 - x0 < 16 or y1 - y0 < 16:  # too small a band for DIS's patches: the whole frame
        return dense_flow(dis, now, before)
    out[y0:y1, x0:x1] = dense_flow(dis, np.ascontiguousarray(now[y0:y1, x0:x1]), np.ascontiguousarray(before[y0:y1, x0:x1]))
    return out


def _bounds(binary: np.ndarray) -> Optional[tuple[int, int, int, int]]:
    """x0, y0, x1, y1 of the True pixels (None if there are none), without listing them."""
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(binary.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _motion(mask: np.ndarray, flow_small: Optional[np.ndarray], scale: float, before: np.ndarray, now: np.ndarray,
            velocity: Optional[np.ndarray], guess: Optional[np.ndarray] = None) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """The object's motion from the new frame back to the previous one, as an
    affine map (a shift).

    Dense flow is smoothed across the object's edge and is weak inside a
    textureless object: the background's motion bleeds in, and a mask moved
    by it lags a little more each frame. So the flow only predicts: the shift
    is where the object's own pixels (the previous frame under the mask) match
    the new frame best, searched around the flow's median motion. Where the
    search would leave the frame (the object is leaving it), the object keeps
    its last measured velocity. Without a flow, ``guess`` is the prediction.
    Returns the map and the velocity.
    """
    height, width = before.shape
    small = cv2.resize(mask, (width, height), interpolation=cv2.INTER_AREA) if scale < 1 else mask
    ys, xs = np.nonzero(small >= 0.5)
    if xs.size == 0:
        return np.array([[1, 0, 0], [0, 1, 0]], np.float64), velocity
    if flow_small is not None:
        guess = -np.median(flow_small[ys, xs], axis=0)  # new = old + shift, flow points back
    elif guess is None:
        guess = np.zeros(2)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    template = before[y0:y1, x0:x1]
    weights = (small[y0:y1, x0:x1] >= 0.5).astype(np.uint8)
    reach = SEARCH + int(np.ceil(np.abs(guess).max()))
    sx0, sy0 = x0 + int(round(guess[0])) - SEARCH, y0 + int(round(guess[1])) - SEARCH
    sx1, sy1 = x1 + int(round(guess[0])) + SEARCH, y1 + int(round(guess[1])) + SEARCH
    if sx0 < 0 or sy0 < 0 or sx1 > width or sy1 > height:
        shift = velocity if velocity is not None else guess
    elif reach > 4 * SEARCH or weights.sum() < 9:
        shift = guess  # too fast or too little to match: the flow's word
    else:
        cost = cv2.matchTemplate(now[sy0:sy1, sx0:sx1], template, cv2.TM_SQDIFF, mask=weights)
        cy, cx = np.unravel_index(int(np.argmin(cost)), cost.shape)
        shift = np.array([sx0 + cx + _vertex(cost[cy, max(cx - 1, 0):cx + 2], cx) - x0,
                          sy0 + cy + _vertex(cost[max(cy - 1, 0):cy + 2, cx], cy) - y0], np.float64)
    full = shift / scale
    return np.array([[1, 0, -full[0]], [0, 1, -full[1]]], np.float64), np.asarray(shift, np.float64)


def _vertex(values: np.ndarray, at: int) -> float:
    """Sub-pixel offset of a minimum from a parabola through it and its neighbours."""
    if values.size != 3 or at == 0:
        return 0.0
    a, b, c = (float(v) for v in values)
    curve = a - 2 * b + c
    return 0.0 if curve <= 0 else float(np.clip(0.5 * (a - c) / curve, -0.5, 0.5))


def _warp(mask: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``mask`` carried to the new frame: ``motion`` maps a new frame's pixel to where it was."""
    height, width = mask.shape
    out = np.zeros_like(mask)
    bounds = _bounds(mask > 0)
    if bounds is None:
        return out
    # a shift: only the box it moves to (and a pixel around) is computed
    dx, dy = -motion[0, 2], -motion[1, 2]
    x0, y0 = max(0, int(np.floor(bounds[0] + dx)) - 1), max(0, int(np.floor(bounds[1] + dy)) - 1)
    x1, y1 = min(width, int(np.ceil(bounds[2] + dx)) + 1), min(height, int(np.ceil(bounds[3] + dy)) + 1)
    if x1 <= x0 or y1 <= y0:
        return out
    local = motion.copy()
    local[0, 2] += x0  # a pixel of the crop at (u, v) is the frame's (u + x0, v + y0)
    local[1, 2] += y0
    out[y0:y1, x0:x1] = cv2.warpAffine(mask, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def _box(binary: np.ndarray, margin: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = _bounds(binary)
    dx, dy = round((x1 - x0) * margin) + 2, round((y1 - y0) * margin) + 2
    height, width = binary.shape
    return max(0, x0 - dx), max(0, y0 - dy), min(width, x1 + dx), min(height, y1 + dy)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    boxes = [box for box in (_bounds(a), _bounds(b)) if box is not None]
    if not boxes:
        return 0.0
    x0, y0 = min(box[0] for box in boxes), min(box[1] for box in boxes)
    x1, y1 = max(box[2] for box in boxes), max(box[3] for box in boxes)
    a, b = a[y0:y1, x0:x1], b[y0:y1, x0:x1]
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def _mean_lab(frame: np.ndarray, binary: np.ndarray) -> np.ndarray:
    """The mean Lab colour under the mask (converted only inside its box)."""
    bounds = _bounds(binary)
    if bounds is None:
        return np.zeros(3, np.float32)
    box = slice(bounds[1], bounds[3]), slice(bounds[0], bounds[2])
    lab = cv2.cvtColor(np.ascontiguousarray(frame[box]), cv2.COLOR_RGB2LAB).astype(np.float32)
    return lab[binary[box]].mean(axis=0)
