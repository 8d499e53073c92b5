"""Built-in SAM-family segmenters: ``mobile-sam`` and ``sam-vit-b``, ``sam-vit-l``,
``sam-vit-h``, converted to CoreML and ONNX.

Registered always; each is usable once ``eraser models install NAME`` has
run (``--segmenter auto`` prefers MobileSAM, then the installed SAM with the
smallest encoder, and falls back to the classical segmenters with a note
until one is installed). The models are registered here too
(``register_models``), their data read from eraser's model manifest. The
members differ only in the image encoder (see :mod:`eraser_mobilesam.family`).
"""

from eraser.hookspecs import hookimpl
from eraser_mobilesam.family import VARIANTS

MODEL = "mobile-sam"


def _available(name: str):
    def available():
        from eraser.modelstore import missing_reason

        return missing_reason(name)

    return available


def _build(name: str):
    def build():
        from eraser_mobilesam.segmenter import InstalledSegmenter

        return InstalledSegmenter(name)

    return build


def _steps(name: str):
    from eraser.modelstore import step

    # imported when they run: torch and friends only for converter and coreml
    return dict(converter=step("eraser_mobilesam.convert:convert_checkpoint", "torch", "onnx", "coremltools", name=name),
                installer=step("eraser_mobilesam.install:install_checkpoint", "onnx", name=name),  # no torch
                coreml=step("eraser_mobilesam.convert:coreml_checkpoint", "torch", "coremltools", name=name),
                extras={"seed-ios-decoder": step("eraser_mobilesam.seed_ios:export_checkpoint", "torch", "onnx",
                                                 name=name)})


@hookimpl
def register_models(register):
    from eraser_mobilesam.interface import INTERFACES, POSITIONAL_ENCODING_FILE
    from eraser_models import entry

    files = tuple(f"{stem}.onnx" for stem in INTERFACES) + (POSITIONAL_ENCODING_FILE,)
    for name in VARIANTS:
        register(name, **_steps(name), files=files, **entry(name))


@hookimpl
def register_segmenters(register):
    for name, member in VARIANTS.items():
        register(
            name,
            _build(name),
            prompts=("point", "box"),
            priority=member.priority,
            available=_available(name),
            description=member.description,
            capabilities=("everything",),  # the segmenter is an eraser.backends.EverythingSegmenter
        )
