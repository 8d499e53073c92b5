"""Contract tests every backend must pass, for a plugin's own test suite.

Subclass in a test module and name your backend::

    from eraser.testing import InpainterContract

    class TestMyFill(InpainterContract):
        inpainter = "my-fill"

pytest then runs every ``test_*`` method below against it, through the
plugin system, exactly as ``eraser remove --inpainter my-fill`` would.
"""

from __future__ import annotations

import numpy as np

from eraser import pipeline, registry
from eraser.prompts import Prompt

ODD_SIZES = [(1, 1), (3, 7), (7, 3), (37, 53), (61, 90)]


def photo_like(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth colour gradient with noise: cheap, and not flat."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([xx * 180 / max(width, 1), yy * 180 / max(height, 1), (xx + yy) * 60 / max(width + height, 1)], -1)
    return np.clip(base + 40 + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8)


def blob(height: int, width: int) -> np.ndarray:
    """An ellipse in the middle third of the frame (at least one pixel)."""
    yy, xx = np.mgrid[0:height, 0:width]
    cy, cx, ry, rx = (height - 1) / 2, (width - 1) / 2, max(height / 6, 0.5), max(width / 6, 0.5)
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


class InpainterContract:
    """Set ``inpainter`` to the registered name of the backend under test."""

    inpainter: str = ""

    def backend(self):
        return registry.build(registry.choose("inpainter", self.inpainter))

    def check_output(self, image: np.ndarray, out: object) -> np.ndarray:
        out = np.asarray(out)
        assert out.shape == image.shape, f"shape {out.shape}, expected {image.shape}"
        assert out.dtype == np.uint8, f"dtype {out.dtype}, expected uint8"
        return out

    def test_shape_and_dtype_kept_for_odd_sizes(self):
        for height, width in ODD_SIZES:
            image = photo_like(height, width)
            self.check_output(image, self.backend().inpaint(image, blob(height, width)))

    def test_all_false_mask(self):
        image = photo_like(40, 60)
        self.check_output(image, self.backend().inpaint(image, np.zeros((40, 60), bool)))

    def test_all_true_mask(self):
        image = photo_like(40, 60)
        self.check_output(image, self.backend().inpaint(image, np.ones((40, 60), bool)))

    def test_deterministic(self):
        image, mask = photo_like(64, 96, seed=3), blob(64, 96)
        first = self.check_output(image, self.backend().inpaint(image.copy(), mask.copy()))
        second = self.check_output(image, self.backend().inpaint(image.copy(), mask.copy()))
        assert np.array_equal(first, second), "the same input gave different outputs"

    def test_input_not_modified(self):
        image, mask = photo_like(50, 70), blob(50, 70)
        before = image.copy()
        self.backend().inpaint(image, mask)
        assert np.array_equal(image, before), "the backend wrote into its input"

    def test_pipeline_keeps_pixels_outside_the_feathered_mask(self):
        image = photo_like(150, 201)  # not a multiple of 8
        selection = blob(150, 201).astype(np.float32)
        result = pipeline.run(image, [Prompt(mask=selection)], inpainter=self.inpainter)
        untouched = result.keep == 1.0
        assert untouched.any() and (~untouched).any()
        assert np.array_equal(result.image[untouched], image[untouched])


class SegmenterContract:
    """Set ``segmenter`` to the registered name of the backend under test."""

    segmenter: str = ""

    def spec(self):
        return registry.backends("segmenter")[self.segmenter]

    def prompts(self, height: int, width: int) -> list[Prompt]:
        """One prompt of each kind the backend accepts, on the middle blob."""
        cy, cx = (height - 1) / 2, (width - 1) / 2
        kinds = {
            "point": Prompt(points=((cx, cy),), labels=(1,)),
            "box": Prompt(box=(width // 3, height // 3, max(width // 3 + 1, 2 * width // 3), max(height // 3 + 1, 2 * height // 3))),
            "mask": Prompt(mask=blob(height, width).astype(np.float32)),
        }
        return [kinds[k] for k in sorted(self.spec().prompts)]

    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray:
        backend = registry.build(registry.choose("segmenter", self.segmenter, prompt))
        mask = np.asarray(backend.segment(image, prompt))
        height, width = image.shape[:2]
        assert mask.shape == (height, width), f"shape {mask.shape}, expected {(height, width)}"
        assert mask.dtype == np.float32, f"dtype {mask.dtype}, expected float32"
        assert np.isfinite(mask).all() and mask.min() >= 0.0 and mask.max() <= 1.0, "values outside [0, 1]"
        return mask

    def test_mask_shape_dtype_and_range(self):
        for height, width in ODD_SIZES:
            image = photo_like(height, width)
            for prompt in self.prompts(height, width):
                self.segment(image, prompt)

    def test_deterministic(self):
        image = photo_like(80, 120, seed=5)
        image[blob(80, 120)] = (200, 40, 40)
        for prompt in self.prompts(80, 120):
            assert np.array_equal(self.segment(image, prompt), self.segment(image, prompt))

    def test_finds_a_distinct_object(self):
        """A flat red ellipse on a textured background: most of it is selected."""
        image = photo_like(90, 120, seed=7)
        obj = blob(90, 120)
        image[obj] = (220, 30, 30)
        for prompt in self.prompts(90, 120):
            selected = self.segment(image, prompt) >= 0.5
            iou = (selected & obj).sum() / max((selected | obj).sum(), 1)
            assert iou > 0.5, f"IoU {iou:.2f} for a {prompt.kind} prompt"


def moving_square(frames: int = 8, height: int = 72, width: int = 96, step: int = 3, side: int = 20, seed: int = 11,
                  cover: tuple[int, int] = (0, 0)):
    """Frames of a textured square sliding right by ``step`` px a frame over a
    still background, and its true masks (its visible part); the columns
    ``cover`` (start, stop) are a flat grey band in front of it."""
    rng = np.random.default_rng(seed)
    background = photo_like(height, width, seed)
    texture = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
    texture[..., 0] = 230  # reddish: distinct from the background
    images, masks = [], []
    for t in range(frames):
        image, mask = background.copy(), np.zeros((height, width), bool)
        x0, y0 = 6 + t * step, (height - side) // 2
        visible = slice(max(x0, 0), min(x0 + side, width))
        if visible.start < visible.stop:
            image[y0:y0 + side, visible] = texture[:, visible.start - x0:visible.stop - x0]
            mask[y0:y0 + side, visible] = True
        image[:, cover[0]:cover[1]] = (128, 128, 128)
        mask[:, cover[0]:cover[1]] = False
        images.append(image)
        masks.append(mask)
    return images, masks


class TrackerContract:
    """Set ``tracker`` to the registered name of the tracker under test."""

    tracker: str = ""

    def backend(self):
        return registry.build(registry.choose("tracker", self.tracker))

    def run(self, images, mask, refit=None) -> list:
        from eraser.backends import Hidden, TrackLost

        steps = list(self.backend().track(iter(images), mask.astype(np.float32), refit))
        for i, step in enumerate(steps):
            if isinstance(step, (TrackLost, Hidden)):
                assert not isinstance(step, TrackLost) or i == len(steps) - 1, "a tracker must stop after TrackLost"
                assert isinstance(step.reason, str) and step.reason and "\n" not in step.reason
                continue
            out = np.asarray(step)
            assert out.shape == mask.shape, f"shape {out.shape}, expected {mask.shape}"
            assert out.dtype == np.float32, f"dtype {out.dtype}, expected float32"
            assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0, "values outside [0, 1]"
        return steps

    def test_one_mask_per_frame_after_the_key_frame(self):
        images, masks = moving_square()
        steps = self.run(images, masks[0])
        assert len(steps) == len(images) - 1

    def test_follows_a_sliding_square(self):
        images, masks = moving_square()
        steps = self.run(images, masks[0])
        for step, truth in zip(steps, masks[1:]):
            found = np.asarray(step) >= 0.5
            iou = (found & truth).sum() / max((found | truth).sum(), 1)
            assert iou > 0.7, f"IoU {iou:.2f}"

    def test_deterministic(self):
        images, masks = moving_square()
        first = self.run(images, masks[0])
        second = self.run(images, masks[0])
        assert all(np.array_equal(np.asarray(a), np.asarray(b)) if isinstance(a, np.ndarray) else a == b
                   for a, b in zip(first, second))

    def test_inputs_not_modified(self):
        images, masks = moving_square()
        before = [i.copy() for i in images]
        key = masks[0].astype(np.float32)
        self.run(images, key)
        assert all(np.array_equal(a, b) for a, b in zip(images, before)) and np.array_equal(key, masks[0])

    def test_says_where_the_object_left_the_view(self):
        from eraser.backends import TrackLost

        images, masks = moving_square(frames=40, step=4)  # off the right edge by frame 23
        steps = self.run(images, masks[0])
        assert isinstance(steps[-1], TrackLost), "the square left the frame but the track went on"
        assert len(steps) <= 26

    def test_says_where_the_object_is_hidden(self):
        """The square slides behind a grey band wider than itself: on the
        frames it is wholly behind the band, no mask claims it (the tracker
        says Hidden, or stopped with TrackLost, or yields an empty mask)."""
        from eraser.backends import Hidden, TrackLost

        images, masks = moving_square(frames=16, step=3, cover=(30, 56))  # wholly behind it on frames 8-10
        steps = self.run(images, masks[0])
        covered = [i for i in range(1, len(images)) if not masks[i].any()]
        assert covered, "the test's band hides nothing"
        for i in covered:
            if i - 1 >= len(steps):
                break  # the track stopped before
            step = steps[i - 1]
            assert isinstance(step, (Hidden, TrackLost)) or (np.asarray(step) < 0.5).all(), \
                f"frame {i}: the square is wholly hidden but the tracker gave a mask"
