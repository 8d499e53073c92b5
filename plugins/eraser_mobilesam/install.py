"""``eraser models install mobile-sam`` (and ``sam-vit-b/l/h``): the ONNX
models from a checkpoint, without torch (templates filled by
:mod:`eraser.templates`). The steps through torch (the CoreML packages, a
full conversion) are :mod:`eraser_mobilesam.convert`'s.

The family shares the PromptEncoder and MaskDecoder templates; each SAM ViT
size ships its own ImageEncoder template (``sam-vit-b.ImageEncoder.onnx.gz``).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Mapping

import numpy as np

from eraser import templates
from eraser_mobilesam.family import variant
from eraser_mobilesam.interface import INTERFACES, POSITIONAL_ENCODING_FILE
from eraser_mobilesam.weights import GAUSSIAN_KEY, dense_positional_encoding, read_state_dict

TEMPLATES = Path(__file__).with_name("templates")
OWN_STEMS = ("ImageEncoder",)  # what differs between members of the family


def template_path(stem: str, name: str = "mobile-sam") -> Path:
    prefix = variant(name).template_prefix if stem in OWN_STEMS else ""
    return TEMPLATES / f"{prefix}{stem}.onnx.gz"


def shipped_templates(name: str = "mobile-sam") -> dict:
    """The graphs shipped with eraser for family member ``name``, by file stem (onnx.ModelProto)."""
    import onnx

    return {stem: onnx.load_model_from_string(gzip.decompress(template_path(stem, name).read_bytes()))
            for stem in INTERFACES}


def write_onnx(structures: Mapping[str, object], state: Mapping[str, np.ndarray], out_dir: Path) -> list[Path]:
    """Fill ``structures`` with ``state`` into ``out_dir``: the three graphs and
    the decoder's positional encoding. The torch path (convert) and the
    torch-free path (install) both end here, so both write the same files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem in INTERFACES:
        filled = templates.fill(structures[stem], state, what=f"the checkpoint ({stem})")
        paths += templates.save(filled, out_dir / f"{stem}.onnx")
        del filled  # ViT-H's encoder alone is 2.5 GB
    if GAUSSIAN_KEY not in state:
        from eraser.errors import EraserError

        raise EraserError(f"the checkpoint lacks {GAUSSIAN_KEY}")
    pe = out_dir / POSITIONAL_ENCODING_FILE
    np.save(pe, dense_positional_encoding(state[GAUSSIAN_KEY]))
    return paths + [pe]


def install_checkpoint(checkpoint: Path, out_dir: Path, name: str = "mobile-sam") -> list[Path]:
    """The ONNX models of ``checkpoint``, torch-free."""
    return write_onnx(shipped_templates(name), read_state_dict(checkpoint), out_dir)

