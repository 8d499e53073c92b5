"""Filled graphs to files: what the torch-free install and the torch export
(``convert``) both end with, so both write the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from eraser import templates
from eraser_sam2.interface import POSITIONAL_ENCODING_FILE, STEMS
from eraser_sam2.weights import GAUSSIAN_KEY


def dense_positional_encoding(gaussian: np.ndarray, size: int = 64) -> np.ndarray:
    """The decoder's (1, 256, 64, 64) ``get_dense_pe()``, from the prompt
    encoder's (2, 128) random Fourier matrix: the encoding of the grid's cell centres."""
    gaussian = np.asarray(gaussian, dtype=np.float32)
    centres = (np.arange(size, dtype=np.float32) + np.float32(0.5)) / np.float32(size)
    grid = np.stack(np.broadcast_arrays(centres[None, :], centres[:, None]), axis=-1)  # (h, w, [x, y])
    coords = np.float32(2 * np.pi) * ((np.float32(2) * grid - np.float32(1)) @ gaussian)
    pe = np.concatenate([np.sin(coords), np.cos(coords)], axis=-1).astype(np.float32)
    return np.ascontiguousarray(pe.transpose(2, 0, 1)[None])


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
