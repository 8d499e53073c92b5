"""The ``layered`` inpainter: structure and texture filled separately.

Large-scale structure (colour, gradients, edges running through the hole)
comes from a smooth solver (OpenCV's frequency-selective reconstruction, at a
resolution suited to the hole's thickness); fine texture is synthesised on
top from small tiles of the photo's high-frequency residual, taken near the
hole and never from it. A patch method that copies whole patches can paste a
recognisable object (a second name tag, header pins); this one can only copy
grain. Needs ``cv2.xphoto`` (opencv-contrib-python-headless, a core dependency).
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
        description="smooth structure (OpenCV FSR) plus texture from nearby tiles: no pasted objects",
        priority=30,
        working_size=768,
        available=_available,
    )
