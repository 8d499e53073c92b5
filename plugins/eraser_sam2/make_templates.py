"""Regenerate the shipped ONNX templates after a change to the model:
``python -m eraser_sam2.make_templates [NAME ...]`` (needs eraser[convert];
default: every size). The first size named also writes the five graphs all
sizes share. A test fails while the shipped ones differ from what this writes."""

from __future__ import annotations

import sys

from eraser_mobilesam.make_templates import template_bytes  # the SAM family's reproducible gzip
from eraser_sam2.convert import export_structures
from eraser_sam2.install import OWN_STEMS, TEMPLATES, template_path
from eraser_sam2.interface import STEMS
from eraser_sam2.sizes import SIZES


def main(names=None, shared: bool = True) -> None:
    TEMPLATES.mkdir(exist_ok=True)
    for i, name in enumerate(names or list(SIZES)):
        stems = STEMS if shared and i == 0 else OWN_STEMS
        for stem, structure in export_structures(name, stems=stems).items():
            path = template_path(stem, name)
            path.write_bytes(template_bytes(structure))
            print(f"{path} ({path.stat().st_size} bytes)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
