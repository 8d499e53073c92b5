"""big-lama's weights read without torch (see :mod:`eraser.checkpoints`).

The generator's tensors are found in any of the official containers (the
TorchScript ``big-lama.pt``, the Lightning ``best.ckpt``, a plain state
dict) and returned prefix-free, keyed as :class:`eraser_lama.model.LamaGenerator`'s
``state_dict``; :func:`infer_config` reads the generator's configuration from them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from eraser.checkpoints import is_torchscript, read_torch_file, read_torchscript_params
from eraser.errors import EraserError

# big-lama's generator section of configs/training/big-lama.yaml.
BIG_LAMA_CONFIG: dict[str, Any] = {
    "input_nc": 4,
    "output_nc": 3,
    "ngf": 64,
    "n_downsampling": 3,
    "n_blocks": 18,
    "ratio_g": 0.75,
    "max_features": 1024,
}

# The generator's key prefix in each known container.
LIGHTNING_PREFIX = "generator."
TORCHSCRIPT_PREFIX = "model.generator."

_RESBLOCK_KEY = re.compile(r"^model\.(\d+)\.conv1\.ffc\.convl2l\.weight$")
_MODEL_KEY = re.compile(r"^model\.(\d+)\.")


def infer_config(state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The generator configuration implied by a (prefix-free) state dict."""
    try:
        first = state_dict["model.1.ffc.convl2l.weight"]
        ngf, input_nc = int(first.shape[0]), int(first.shape[1])
        blocks = sorted(int(m.group(1)) for k in state_dict if (m := _RESBLOCK_KEY.match(k)))
        if blocks:
            n_downsampling = blocks[0] - 2
            dim_l = int(state_dict[f"model.{blocks[0]}.conv1.ffc.convl2l.weight"].shape[1])
            dim_g = int(state_dict[f"model.{blocks[0]}.conv1.ffc.convg2l.weight"].shape[1])
            dim = dim_l + dim_g
            ratio_g = dim_g / dim
            if int(dim * ratio_g) != dim_g:  # float rounding: make int(dim * ratio) land on dim_g
                ratio_g = (dim_g + 0.5) / dim
        else:
            # no residual blocks: downsampling FFCs are followed by the concat
            n_downsampling = sum(1 for i in range(2, 64) if f"model.{i}.ffc.convl2l.weight" in state_dict)
            ratio_g, dim = 0.75, None
        last = max(int(m.group(1)) for k in state_dict if (m := _MODEL_KEY.match(k)))
        output_nc = int(state_dict[f"model.{last}.weight"].shape[0])  # the final 7x7 conv
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        raise EraserError(f"not a LaMa generator state dict (cannot read its configuration: {exc})") from None
    max_features = 1024
    if dim is not None and dim < ngf * 2**n_downsampling:
        max_features = dim
    return {"input_nc": input_nc, "output_nc": output_nc, "ngf": ngf, "n_downsampling": n_downsampling,
            "n_blocks": len(blocks), "ratio_g": ratio_g, "max_features": max_features}



def extract_generator_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """The generator's tensors with their container's prefix removed.

    Known prefixes are tried first (``generator.`` in Lightning checkpoints,
    ``model.generator.`` in big-lama.pt, none); failing those, the prefix in
    front of the first layer's BatchNorm (``...model.1.bn_l.running_mean``).
    """
    anchor = "model.1.bn_l.running_mean"
    for prefix in (LIGHTNING_PREFIX, TORCHSCRIPT_PREFIX, ""):
        if prefix + anchor in state:
            break
    else:
        found = sorted(k[: -len(anchor)] for k in state if k.endswith("." + anchor))
        if not found:
            raise EraserError("not a LaMa checkpoint: no generator weights (no key ending in "
                              f"'{anchor}'; first keys: {', '.join(list(state)[:3])})")
        prefix = found[0]
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix) and _MODEL_KEY.match(k[len(prefix):])}


def read_checkpoint(path: str | Path) -> tuple[dict[str, np.ndarray], str]:
    """Every tensor in the file (by name, as numpy arrays) and what kind of file it was."""
    path = Path(path)
    if not path.is_file():
        raise EraserError(f"LaMa checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise EraserError(f"LaMa checkpoint is empty: {path}")
    if is_torchscript(path):
        return read_torchscript_params(path), "torchscript"
    obj = read_torch_file(path)
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj, kind = obj["state_dict"], "lightning"
    else:
        kind = "state_dict"
    if isinstance(obj, dict) and obj and all(isinstance(k, str) for k in obj):
        tensors = {k: v for k, v in obj.items() if isinstance(v, np.ndarray)}
        if tensors:
            return tensors, kind
    raise EraserError(f"{path} holds no state dict (expected a Lightning checkpoint, a state dict or TorchScript)")


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The generator's tensors of ``path``, prefix-free, as numpy arrays."""
    state, _ = read_checkpoint(path)
    return extract_generator_state(state)
