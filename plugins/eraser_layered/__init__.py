"""The ``layered`` inpainter: the hole filled with pieces of the photo.

Patch synthesis (Wexler et al.'s EM with a PatchMatch field, in numpy,
``synthesis.py``) grown from the hole's border at a coarse scale, kept
coherent (whole pieces of the photo, not a pixel from here and one from
there) and copied sharp at full size: grass, gravel, slats and brick are
continued, and an object beside the hole (the suit's neck ring next to
the astronaut's helmet) is not pasted into it as PatchMatch pastes it. On
crops without a whole known patch to copy from, the earlier layers: a
smooth structure fill (harmonic, OpenCV's FSR near the border; needs
``cv2.xphoto``, opencv-contrib-python-headless, a core dependency) plus
random-phase grain.
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
        description="patch synthesis grown from the border (coherent EM with a PatchMatch field): continues texture and lines, pastes no nearby object",
        priority=30,
        working_size=768,
        available=_available,
    )
