"""Filled graphs to files: what the torch-free install and the torch export
(``convert``) both end with, so both write the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from eraser import templates
from eraser_mobilesam.weights import dense_positional_encoding  # SAM's prompt encoder, unchanged in SAM 2
from eraser_sam2.interface import POSITIONAL_ENCODING_FILE, STEMS
from eraser_sam2.weights import GAUSSIAN_KEY


def write_onnx(structures: Mapping[str, object], state: Mapping[str, np.ndarray], out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem in STEMS:
        filled = templates.fill(structures[stem], state, what=f"the checkpoint ({stem})")
        paths += templates.save(filled, out_dir / f"{stem}.onnx")
        del filled
    pe = out_dir / POSITIONAL_ENCODING_FILE
    np.save(pe, dense_positional_encoding(state[GAUSSIAN_KEY]))
    return paths + [pe]
