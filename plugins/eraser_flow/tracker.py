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
from eraser_flow.appearance import Appearance, lab
from eraser_flow.geometry import (SEARCH, band_flow, box_around, iou, mean_lab, measured_motion, resized,
                                    shift_map, warp)
from eraser_flow.visible import landmarks_place, visible_part

WORKING_SIDE = 480  # longest side the flow is computed at
BOX_MARGIN = 0.15  # the re-fit box: the warped mask's box widened by this share of its size
AGREE_IOU = 0.5  # a re-fit that overlaps the object's warped shape less than this is not trusted
MAX_DISAGREEMENTS = 2  # re-fits in a row not trusted: the track is lost
RESYNC_IOU = 0.85  # a re-fit this close to the warped shape becomes the shape (nothing hides the object)
GONE_SHARE = 0.05  # area below this share of the key frame's: the object left the view or is hidden
AREA_JUMP = 1.8  # area growing or shrinking by more than this factor in one frame is drift
REFIT_EVERY = 2  # the segmenter re-fits the mask on every this many frames (it is most of a track's cost)
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
        leaving = None  # its last motion, once under GONE_SHARE of it is left at the frame's border
        for frame in frames:
            if leaving is not None:  # the rest of it carried out of the view by its motion
                shape = warp(shape, leaving)
                if not (shape >= 0.5).any():
                    yield TrackLost("the object left the view")
                    return
                yield shape
                continue
            gray, small, scale = self._small(frame)
            if previous_gray is None:  # the key frame: its mask is the one given
                previous_gray = gray
                key_colour = mean_lab(frame, visible >= 0.5)
                look = Appearance(lab(small), resized(shape, gray.shape) >= 0.5)
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
                        look = Appearance(small_lab, resized(shape, gray.shape) >= 0.5)
                continue
            if state == "seen":
                motion, velocity = measured_motion(visible, band_flow(flow, gray, previous_gray, visible, scale), scale,
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
                moved = warp(shape, shift_map(found - look.offset, scale)) >= 0.5
                if moved.any():
                    candidate = np.asarray(refit(frame, box_around(moved, BOX_MARGIN)), np.float32)
                    agreement = iou(candidate >= 0.5, moved)
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
            motion = shift_map(shift, scale)
            look.offset = found
            shape = warp(shape, motion)
            shape_binary = shape >= 0.5
            if shape_binary.sum() < GONE_SHARE * key_area:
                if state == "hidden" or not _at_border(shape_binary):
                    yield TrackLost("the object left the view" + (" while hidden" if state == "hidden" else ""))
                    return
                # leaving the view: too little of it is left to measure, but it shows (before, it
                # was left on the last frames, and the fill copied it into the frames before)
                leaving = motion
                yield shape
                continue
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
                visible = (shape_binary & (resized(shown.astype(np.float32), shape.shape) >= 0.5)).astype(np.float32)
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
            fitted = warp(visible, motion) if not came_back else shape
            # a re-fit is skipped only while the last one matched the whole shape (nothing hides the object)
            if refit is not None and (step % self.refit_every == 0 or not steady or candidate is not None):
                if candidate is None:
                    candidate = np.asarray(refit(frame, box_around(shape_binary, BOX_MARGIN)), np.float32)
                agreement = iou(candidate >= 0.5, shape_binary)
                if agreement >= AGREE_IOU and not turned and _off_colour(frame, candidate, fitted, key_colour):
                    # the re-fit took a piece of what is beside it (a turning helmet: of the white
                    # rocket) and its colour is off where the moved mask's is not: the moved mask
                    # goes on (before, the track stopped there as drifted, its colour)
                    agreement = 0.0
                steady = agreement >= RESYNC_IOU or turned
                if agreement >= AGREE_IOU:
                    fitted, disagreed = candidate, 0
                    if steady:  # all of it in view: its shape is what the segmenter sees
                        shape = candidate
                        look = Appearance(small_lab, resized(shape, gray.shape) >= 0.5)
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
                if area < before and _at_border(shape_binary):  # the frame's edge cuts it: leaving the view
                    leaving = motion
                    yield shape
                    continue
                yield TrackLost("the track drifted (its area jumped)")
                return
            if np.linalg.norm(mean_lab(frame, binary) - key_colour) > COLOUR_JUMP:
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
        shape = warp(shape, shift_map(shift, scale))
        look.offset = found
        shape_binary = shape >= 0.5
        if shape_binary.sum() < GONE_SHARE * key_area:
            yield TrackLost("the object left the view while " + UNSURE)
            return "lost", shape, shape, False, hidden_for
        candidate = np.asarray(refit(frame, box_around(shape_binary, BOX_MARGIN)), np.float32)
        agreement = iou(candidate >= 0.5, shape_binary)
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
        flow = band_flow(dis, now, before, shape_binary.astype(np.float32), scale)
        small = resized(shape_binary.astype(np.float32), now.shape) >= 0.5
        part = resized(visible_part(look, small_lab, flow, small, shift).astype(np.float32), shape_binary.shape)
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
    moved = warp(shape, shift_map(shift, scale)) >= 0.5
    if not moved.any():
        return False
    candidate = np.asarray(refit(frame, box_around(moved, BOX_MARGIN)), np.float32) >= 0.5
    matched = resized(shown.astype(np.float32), shape.shape) >= 0.5
    return bool((candidate & matched).sum() >= 0.6 * max(matched.sum(), 1))


def _turned(candidate: np.ndarray, moved: np.ndarray, look: Appearance, small_lab: np.ndarray) -> bool:
    """A re-fit that overlaps the moved shape but does not match it, of
    about its area and of the object's colours: the object turned or changed
    its shape (a part hidden is smaller; a like thing joined to it, bigger)."""
    ratio = float(candidate.sum()) / max(float(moved.sum()), 1.0)
    if not 1 / TURN_AREA <= ratio <= TURN_AREA:
        return False
    small = resized(candidate.astype(np.float32), small_lab.shape[:2]) >= 0.5
    return look.palette_share(small_lab, small) >= OWN_COLOURS


def _still_there(shape: np.ndarray, shift: np.ndarray, look: Appearance, small_lab: np.ndarray, scale: float) -> bool:
    """The object's colours under nearly all of its moved shape (something
    in front of it would show its own)."""
    moved = warp(shape, shift_map(shift, scale))
    small = resized(moved, small_lab.shape[:2]) >= 0.5
    return bool(small.any()) and look.palette_share(small_lab, small) >= OWN_COLOURS


def _off_colour(frame: np.ndarray, candidate: np.ndarray, moved: np.ndarray, key_colour: np.ndarray) -> bool:
    """Whether the re-fit's mean colour is further than COLOUR_JUMP from the
    key frame's while the moved mask's is within it."""
    far = [np.linalg.norm(mean_lab(frame, m >= 0.5) - key_colour) > COLOUR_JUMP if (m >= 0.5).any() else True
           for m in (candidate, moved)]
    return far[0] and not far[1]


def _at_border(binary: np.ndarray) -> bool:
    """Whether the mask touches the frame's edge."""
    return bool(binary[0].any() or binary[-1].any() or binary[:, 0].any() or binary[:, -1].any())
