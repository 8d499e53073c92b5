"""Regenerate the shipped ONNX templates after a change to the model:
``python -m eraser_mobilesam.make_templates [NAME ...]`` (needs
eraser[convert]; default: every member of the family). MobileSAM writes all
three graphs, a SAM ViT size its ImageEncoder only (the others are shared);
ViT-H needs about 10 GB of memory and some minutes. A test fails while the
shipped ones differ from what this writes."""

from __future__ import annotations

import gzip
import sys

from eraser_mobilesam.convert import export_structures
from eraser_mobilesam.family import VARIANTS, variant
from eraser_mobilesam.install import OWN_STEMS, TEMPLATES, template_path


def template_bytes(structure) -> bytes:
    # mtime 0: the same graph always gives the same file
    return gzip.compress(structure.SerializeToString(), compresslevel=9, mtime=0)


def structures(name: str) -> dict:
    return export_structures(name, stems=None if variant(name).vit is None else OWN_STEMS)


def main(names=None) -> None:
    TEMPLATES.mkdir(exist_ok=True)
    for name in names or list(VARIANTS):
        for stem, structure in structures(name).items():
            path = template_path(stem, name)
            path.write_bytes(template_bytes(structure))
            print(f"{path} ({path.stat().st_size} bytes)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
