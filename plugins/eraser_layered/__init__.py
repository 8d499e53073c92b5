"""The ``layered`` inpainter: the hole filled with pieces of the photo.

Patch synthesis (Wexler et al.'s EM with a PatchMatch field at every
pyramid level, in numpy, ``synthesis.py``) from a smooth harmonic start,
with sources near the hole and a cost on reusing one source: slats, bricks,
stripes and ruled lines are continued. Thin parts of a mask (strokes,
glyphs) and crops without a whole known patch to copy from take the earlier
layers: a smooth structure fill (harmonic, OpenCV's FSR near the border;
needs ``cv2.xphoto``, opencv-contrib-python-headless, a core dependency)
plus random-phase grain.
"""

from eraser.hookspecs import hookimpl


def _build():
    from eraser_layered.inpainter import LayeredInpainter

    return LayeredInpainter()


def _available():
    import cv2

    if not hasattr(cv2, "xphoto"):
        return "cv2.xphoto is missing: install opencv-contrib-python-headless in place of opencv-python-headless"
    return None


@hookimpl
def register_inpainters(register):
    register(
        "layered",
        _build,
        description="patch synthesis (multi-scale EM with a PatchMatch field from a smooth start): continues texture and lines",
        priority=30,
        working_size=768,
        available=_available,
    )
