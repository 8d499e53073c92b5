"""Built-in ``lama`` inpainter: big-lama converted to CoreML and ONNX.

Registered always; usable once ``eraser models install lama`` has run, and
then ``--inpainter auto`` prefers it.
"""

from eraser.hookspecs import hookimpl

MODEL = "lama"


def _available():
    from eraser.modelstore import missing_reason

    return missing_reason(MODEL)


def _build():
    from eraser.modelstore import require
    from eraser_lama.inpainter import LamaInpainter

    return LamaInpainter(require(MODEL))


@hookimpl
def register_inpainters(register):
    register(
        MODEL,
        _build,
        # LaMa was trained at 512; the pipeline scales larger crops down to it.
        working_size=512,
        priority=100,
        available=_available,
        description="big-lama (CoreML on macOS, ONNX Runtime elsewhere): structure-aware fill of large holes",
    )
