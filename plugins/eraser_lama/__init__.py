"""Built-in ``lama`` inpainter: big-lama converted to CoreML and ONNX.

Registered always; usable once ``eraser models install lama`` has run, and
then ``--inpainter auto`` prefers it. The model itself is registered here too
(``register_models``), its data read from eraser's model manifest.
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


def _steps():
    from eraser.modelstore import step

    # imported when they run: torch and friends only for converter and coreml
    return dict(converter=step("eraser_lama.install:convert_checkpoint", "torch", "onnx", "onnxscript", "coremltools"),
                installer=step("eraser_lama.install:install_checkpoint", "onnx"),  # numpy and onnx: no torch
                coreml=step("eraser_lama.install:coreml_checkpoint", "torch", "coremltools"))


@hookimpl
def register_models(register):
    from eraser_models import entry

    # LaMa.mlpackage too, but CoreML is optional: ONNX Runtime runs everywhere
    register(MODEL, **_steps(), files=("LaMa.onnx",), **entry(MODEL))


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
