"""Built-in segmenters that need no model weights: ``mask``, ``grabcut``, ``point``."""

from eraser.hookspecs import hookimpl


def _mask():
    from eraser_classic.mask_file import MaskSegmenter

    return MaskSegmenter()


def _grabcut():
    from eraser_classic.grabcut import GrabCutSegmenter

    return GrabCutSegmenter()


def _point():
    from eraser_classic.point import PointSegmenter

    return PointSegmenter()


@hookimpl
def register_segmenters(register):
    register("mask", _mask, prompts=("mask",), description="the mask given with --mask, as it is")
    register(
        "grabcut",
        _grabcut,
        prompts=("box",),
        priority=10,
        description="OpenCV GrabCut inside a box (colour models, graph cut); clicks go to the point segmenter",
    )
    register(
        "point",
        _point,
        prompts=("point", "box"),
        priority=5,
        description="classical point segmenter (no model weights): watershed candidates around the clicks, refined by GrabCut",
    )
