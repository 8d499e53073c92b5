"""Regenerate the shipped ONNX templates after a change to the model:
``python -m eraser_mobilesam.make_templates`` (needs eraser[convert]).
A test fails while the shipped ones differ from what this writes."""

from __future__ import annotations

import gzip

from eraser_mobilesam.convert import export_structures
from eraser_mobilesam.install import TEMPLATES, template_path


def template_bytes(structure) -> bytes:
    # mtime 0: the same graph always gives the same file
    return gzip.compress(structure.SerializeToString(), compresslevel=9, mtime=0)


def main() -> None:
    TEMPLATES.mkdir(exist_ok=True)
    for stem, structure in export_structures().items():
        path = template_path(stem)
        path.write_bytes(template_bytes(structure))
        print(f"{path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
