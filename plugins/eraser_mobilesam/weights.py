"""MobileSAM's weights read without torch (see :mod:`eraser.checkpoints`).

``mobile_sam.pt`` and SAM's ``sam_vit_*.pth`` are plain state dicts; copies
re-saved by training code wrap them in ``{"model": ...}`` or
``{"state_dict": ...}``. The keys are those of
:class:`eraser_mobilesam.model.MobileSAM` (upstream's names).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eraser.checkpoints import read_torch_file
from eraser.errors import EraserError

GAUSSIAN_KEY = "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The checkpoint's tensors by name, as numpy arrays."""
    path = Path(path)
    if not path.is_file():
        raise EraserError(f"checkpoint not found: {path}")
    state = read_torch_file(path)
    if isinstance(state, dict) and len(state) == 1 and set(state) <= {"model", "state_dict"}:
        state = next(iter(state.values()))
    if not isinstance(state, dict) or not state or not all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in state.items()
    ):
        raise EraserError(f"{path} is not a SAM or MobileSAM checkpoint (expected a state dict of tensors)")
    return dict(state)


def dense_positional_encoding(gaussian: np.ndarray, size: int = 64) -> np.ndarray:
    """The (1, 256, size, size) float32 encoding of the embedding grid's cell
    centres that the mask decoder takes (upstream ``get_dense_pe``), from the
    prompt encoder's (2, 128) random Fourier matrix."""
    gaussian = np.asarray(gaussian, dtype=np.float32)
    if gaussian.ndim != 2 or gaussian.shape[0] != 2:
        raise EraserError(f"the prompt encoder's pe_layer.positional_encoding_gaussian_matrix has shape {gaussian.shape}, "
                          "expected (2, C)")
    centres = (np.arange(size, dtype=np.float32) + np.float32(0.5)) / np.float32(size)
    grid = np.stack(np.broadcast_arrays(centres[None, :], centres[:, None]), axis=-1)  # (h, w, [x, y])
    coords = (np.float32(2) * grid - np.float32(1)) @ gaussian
    coords = np.float32(2 * np.pi) * coords
    pe = np.concatenate([np.sin(coords), np.cos(coords)], axis=-1).astype(np.float32)
    return np.ascontiguousarray(pe.transpose(2, 0, 1)[None])
