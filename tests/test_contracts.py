"""eraser's own backends pass the same contract kit third parties use."""

from eraser.testing import InpainterContract, SegmenterContract


class TestTelea(InpainterContract):
    inpainter = "telea"


class TestNS(InpainterContract):
    inpainter = "ns"


class TestGrabCut(SegmenterContract):
    segmenter = "grabcut"


class TestPointSegmenter(SegmenterContract):
    segmenter = "point"


class TestMaskSegmenter(SegmenterContract):
    segmenter = "mask"
