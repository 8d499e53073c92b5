"""The built-in segmenters pass the same contract kit third parties use."""

from eraser.testing import SegmenterContract


class TestGrabCut(SegmenterContract):
    segmenter = "grabcut"


class TestPointSegmenter(SegmenterContract):
    segmenter = "point"


class TestMaskSegmenter(SegmenterContract):
    segmenter = "mask"
