"""Built-in ``mobile-sam`` segmenter: MobileSAM converted to CoreML and ONNX.

Registered always; usable once ``eraser models install mobile-sam`` has run
(``--segmenter auto`` prefers it then, and falls back to the classical
segmenters with a note until it is installed).
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
