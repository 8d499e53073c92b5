"""Built-in SAM 2.1 segmenters: ``sam2.1-tiny``, ``sam2.1-small``,
``sam2.1-base-plus``, ``sam2.1-large`` (Meta's SAM 2.1, Apache-2.0), installed
from Meta's checkpoints into ONNX graphs without torch, with the video parts
a tracker needs (see :mod:`eraser_sam2.interface`).

Registered always; each is usable once ``eraser models install NAME`` has
run. ``--segmenter auto`` ranks them by encoder speed (after MobileSAM,
before SAM ViT-B).
"""

from eraser.hookspecs import hookimpl
from eraser_mobilesam import registering
from eraser_sam2.sizes import SIZES


_available = registering.available  # a member's availability, for every kind registered here


def _steps(name: str):
    # imported when they run: torch and friends only for converter and coreml
    return registering.steps(name, "eraser_sam2.install:convert_checkpoint", "eraser_sam2.install:install_checkpoint",
                             "eraser_sam2.install:coreml_checkpoint")


@hookimpl
def register_models(register):
    from eraser_models import entry
    from eraser_sam2.interface import POSITIONAL_ENCODING_FILE, STEMS

    files = tuple(f"{stem}.onnx" for stem in STEMS) + (POSITIONAL_ENCODING_FILE,)
    for name in SIZES:
        register(name, **_steps(name), files=files, **entry(name))


def _tracker(name: str):
    def build():
        from eraser_sam2.tracker import InstalledTracker

        return InstalledTracker(name)

    return build


@hookimpl
def register_trackers(register):
    # below flow (10): on a CPU each frame costs the encoder and the memory attention
    for name, member in SIZES.items():
        register(name, _tracker(name), priority=5, available=_available(name),
                 description=f"{member.title} video propagation (memory attention, object pointers); no re-fits")


@hookimpl
def register_segmenters(register):
    registering.register_members(register, SIZES, "eraser_sam2.segmenter:InstalledSegmenter")
