"""The ``layered`` inpainter: structure and texture filled separately.

Large-scale structure (colour, gradients, edges running through the hole)
comes from smooth solvers: the harmonic (membrane) fill deep in the hole, and
OpenCV's frequency-selective reconstruction near its border, where it
carries edges and lines a little way in. Fine texture is laid on top: the
power spectrum of small tiles of the photo's high-frequency residual, taken
near the hole and never from it, with fresh random phases. A patch method
that copies whole patches can paste a recognisable object (a second name
tag, header pins); this one copies no shape at all, only the grain's
strength and direction. Needs ``cv2.xphoto`` (opencv-contrib-python-headless,
a core dependency).
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
        description="smooth structure (harmonic fill, OpenCV FSR at the border) plus grain from nearby tiles: no pasted objects",
        priority=30,
        working_size=768,
        available=_available,
    )
