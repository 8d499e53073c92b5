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
from eraser_mobilesam import registering
from eraser_mobilesam.family import VARIANTS

MODEL = "mobile-sam"


def _steps(name: str):
    # imported when they run: torch and friends only for converter and coreml
    from eraser.modelstore import step

    return dict(**registering.steps(name, "eraser_mobilesam.convert:convert_checkpoint",
                                    "eraser_mobilesam.install:install_checkpoint",
                                    "eraser_mobilesam.convert:coreml_checkpoint"),
                extras={"seed-ios-decoder": step("eraser_mobilesam.seed_ios:export_checkpoint", "torch", "onnx",
                                                 name=name)})


@hookimpl
def register_models(register):
    from eraser_mobilesam.interface import IMAGE_STEMS, POSITIONAL_ENCODING_FILE
    from eraser_models import entry

    # the click's split decoder (CLICK_STEMS) is installed too but not
    # required: a model installed before it still works, its clicks through MaskDecoder
    files = tuple(f"{stem}.onnx" for stem in IMAGE_STEMS) + (POSITIONAL_ENCODING_FILE,)
    for name in VARIANTS:
        register(name, **_steps(name), files=files, **entry(name))


@hookimpl
def register_segmenters(register):
    registering.register_members(register, VARIANTS, "eraser_mobilesam.segmenter:InstalledSegmenter")
