"""``eraser models install sam2.1-tiny`` (and the other sizes): the eight ONNX
graphs from a checkpoint, without torch (shipped templates filled by
:mod:`eraser.templates`), and CoreML packages of the image path where wanted
(those need eraser[convert]).

Every size ships its own ImageEncoder template; the other seven graphs are
the same for all sizes and shipped once. An install checks the whole
checkpoint against the size (every key, every shape) before it writes a
file, so another size's checkpoint is refused in one line.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Mapping

import numpy as np

from eraser import templates
from eraser_sam2.fill import write_onnx
from eraser_sam2.interface import STEMS
from eraser_sam2.weights import read_state_dict

TEMPLATES = Path(__file__).with_name("templates")
OWN_STEMS = ("ImageEncoder",)  # what differs between sizes


def template_path(stem: str, name: str) -> Path:
    prefix = f"{name}." if stem in OWN_STEMS else "sam2.1."
    return TEMPLATES / f"{prefix}{stem}.onnx.gz"


def shipped_templates(name: str) -> dict:
    import onnx

    return {stem: onnx.load_model_from_string(gzip.decompress(template_path(stem, name).read_bytes()))
            for stem in STEMS}


def check_size(state: Mapping[str, np.ndarray], templates_by_stem: Mapping, name: str) -> None:
    """One-line EraserError unless the checkpoint is exactly what the graphs of size ``name`` take."""
    from eraser.errors import EraserError
    from eraser_sam2.sizes import size

    needs = {}
    for template in templates_by_stem.values():
        needs.update(templates.references(template))
    extra = sorted(set(state) - set(needs))
    if extra:
        raise EraserError(f"the checkpoint does not fit {size(name).title}: {len(extra)} tensors it does not have "
                          f"({', '.join(extra[:3])}); is it another size's?")
    for stem, template in templates_by_stem.items():
        templates.check(template, state, f"the checkpoint ({size(name).title} {stem})")


def install_checkpoint(checkpoint: Path, out_dir: Path, name: str) -> list[Path]:
    """The ONNX graphs of ``checkpoint``, torch-free."""
    state = read_state_dict(checkpoint)
    structures = shipped_templates(name)
    check_size(state, structures, name)
    return write_onnx(structures, state, out_dir)


def coreml_checkpoint(checkpoint: Path, out_dir: Path, name: str) -> list[Path]:
    from eraser_sam2.convert import export_coreml
    from eraser_sam2.model import load_checkpoint

    return export_coreml(load_checkpoint(checkpoint, name), out_dir, name)


def convert_checkpoint(checkpoint: Path, out_dir: Path, name: str) -> list[Path]:
    """Everything, through torch: the ONNX graphs exported now and the CoreML packages."""
    from eraser_sam2.convert import export_coreml, export_onnx
    from eraser_sam2.model import load_checkpoint

    model = load_checkpoint(checkpoint, name)
    written = export_onnx(model, out_dir, name)
    return written + [p for p in export_coreml(model, out_dir, name) if p not in written]
