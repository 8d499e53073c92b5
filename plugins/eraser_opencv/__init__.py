"""Built-in inpainters from OpenCV: ``telea`` and ``ns``."""

from eraser.hookspecs import hookimpl


def _factory(method: str):
    def build():
        from eraser_opencv.cv_inpaint import OpenCVInpainter

        return OpenCVInpainter(method)

    return build


@hookimpl
def register_inpainters(register):
    register(
        "telea",
        _factory("telea"),
        description="OpenCV fast marching (Telea 2004): smooth fill, fast; good for small or thin objects",
        priority=10,
        working_size=768,
        # A diffusion fill is smooth at any size: no texture to restore.
        detail=False,
    )
    register(
        "ns",
        _factory("ns"),
        description="OpenCV Navier-Stokes: smooth fill that follows edges into the hole",
        priority=5,
        working_size=768,
        detail=False,
    )
