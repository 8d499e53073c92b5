"""SAM 2.1's weights read without torch (see :mod:`eraser.checkpoints`).

Meta's ``sam2.1_hiera_*.pt`` hold ``{"model": state_dict}``; a bare state
dict is taken too. The keys are upstream ``SAM2Base``'s (see :mod:`eraser_sam2.model`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eraser.checkpoints import read_torch_file
from eraser.errors import EraserError

GAUSSIAN_KEY = "sam_prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise EraserError(f"checkpoint not found: {path}")
    state = read_torch_file(path)
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    if not isinstance(state, dict) or not state or not all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in state.items()
    ):
        raise EraserError(f"{path} is not a SAM 2.1 checkpoint (expected a state dict of tensors under 'model')")
    return dict(state)
