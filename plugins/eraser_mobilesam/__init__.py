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


def _steps():
    from eraser.modelstore import step

    # imported when they run: torch and friends only for converter and coreml
    return dict(converter=step("eraser_mobilesam.install:convert_checkpoint", "torch", "onnx", "coremltools"),
                installer=step("eraser_mobilesam.install:install_checkpoint", "onnx"),  # numpy and onnx: no torch
                coreml=step("eraser_mobilesam.install:coreml_checkpoint", "torch", "coremltools"))


@hookimpl
def register_models(register):
    from eraser_mobilesam.interface import INTERFACES, POSITIONAL_ENCODING_FILE
    from eraser_models import entry

    files = tuple(f"{stem}.onnx" for stem in INTERFACES) + (POSITIONAL_ENCODING_FILE,)
    register(MODEL, **_steps(), files=files, **entry(MODEL))


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
