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


def _convert(checkpoint, out_dir):
    from eraser_lama.install import convert_checkpoint  # torch and friends, only now

    return convert_checkpoint(checkpoint, out_dir)


_convert.requires = ("torch", "onnx", "onnxscript", "coremltools")  # checked before a download


def _install(checkpoint, out_dir):
    from eraser_lama.install import install_checkpoint  # numpy and onnx: no torch

    return install_checkpoint(checkpoint, out_dir)


_install.requires = ("onnx",)


def _coreml(checkpoint, out_dir):
    from eraser_lama.install import coreml_checkpoint

    return coreml_checkpoint(checkpoint, out_dir)


_coreml.requires = ("torch", "coremltools")


@hookimpl
def register_models(register):
    from eraser_models import entry

    # LaMa.mlpackage too, but CoreML is optional: ONNX Runtime runs everywhere
    register(MODEL, converter=_convert, installer=_install, coreml=_coreml, files=("LaMa.onnx",), **entry(MODEL))


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
