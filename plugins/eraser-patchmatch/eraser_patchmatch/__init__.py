"""The ``patchmatch`` inpainter: fills holes with patches copied from the photo.

Where OpenCV's Telea smears colour into a large hole, PatchMatch
(Barnes et al. 2009) synthesises texture (grass, brick, gravel) from the
rest of the crop. Backed by the ``pypatchmatch`` package.
"""

from eraser.hookspecs import hookimpl


def _build():
    from eraser_patchmatch.inpainter import PatchMatchInpainter

    return PatchMatchInpainter()


@hookimpl
def register_inpainters(register):
    register(
        "patchmatch",
        _build,
        description="PatchMatch texture synthesis (pypatchmatch): keeps texture in large holes",
        priority=20,
        working_size=768,
    )
