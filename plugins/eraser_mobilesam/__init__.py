"""Built-in ``mobile-sam`` segmenter: MobileSAM converted to CoreML and ONNX.

Registered always; usable once ``eraser models install mobile-sam`` has run
(``--segmenter auto`` prefers it then, and falls back to the classical
segmenters with a note until it is installed). The model itself is
registered here too (``register_models``), its data read from eraser's model
manifest.
"""

from eraser.hookspecs import hookimpl

MODEL = "mobile-sam"


def _available():
    from eraser.modelstore import missing_reason

    return missing_reason(MODEL)


def _build():
    from eraser.modelstore import require
    from eraser_mobilesam.segmenter import MobileSamSegmenter

    return MobileSamSegmenter(require(MODEL))


def _convert(checkpoint, out_dir):
    from eraser_mobilesam.install import convert_checkpoint  # torch and friends, only now

    return convert_checkpoint(checkpoint, out_dir)


_convert.requires = ("torch", "onnx", "coremltools")  # checked before a download


def _install(checkpoint, out_dir):
    from eraser_mobilesam.install import install_checkpoint  # numpy and onnx: no torch

    return install_checkpoint(checkpoint, out_dir)


_install.requires = ("onnx",)


def _coreml(checkpoint, out_dir):
    from eraser_mobilesam.install import coreml_checkpoint

    return coreml_checkpoint(checkpoint, out_dir)


_coreml.requires = ("torch", "coremltools")


@hookimpl
def register_models(register):
    from eraser_mobilesam.interface import INTERFACES, POSITIONAL_ENCODING_FILE
    from eraser_models import entry

    files = tuple(f"{stem}.onnx" for stem in INTERFACES) + (POSITIONAL_ENCODING_FILE,)
    register(MODEL, converter=_convert, installer=_install, coreml=_coreml, files=files, **entry(MODEL))


@hookimpl
def register_segmenters(register):
    register(
        MODEL,
        _build,
        prompts=("point", "box"),
        priority=100,
        available=_available,
        description="MobileSAM (CoreML on macOS, ONNX Runtime elsewhere): points, excluded points and boxes",
    )
