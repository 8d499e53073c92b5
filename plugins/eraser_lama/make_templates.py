"""Regenerate the shipped ONNX template after a change to the model:
``python -m eraser_lama.make_templates`` (needs eraser[convert]; about three
minutes). A test fails while the shipped one differs from what this writes."""

from __future__ import annotations

import gzip


def template_bytes(structure) -> bytes:
    # mtime 0: the same graph always gives the same file
    return gzip.compress(structure.SerializeToString(), compresslevel=9, mtime=0)


def build():
    from eraser_lama.convert import export_structure
    from eraser_lama.model import BIG_LAMA_CONFIG, LamaGenerator

    return export_structure(LamaGenerator(**BIG_LAMA_CONFIG).eval())


def main() -> None:
    from eraser_lama.install import TEMPLATE

    TEMPLATE.parent.mkdir(exist_ok=True)
    TEMPLATE.write_bytes(template_bytes(build()))
    print(f"{TEMPLATE} ({TEMPLATE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
