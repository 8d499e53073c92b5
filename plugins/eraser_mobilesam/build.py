"""Building the family's members (random weights) and loading official
checkpoints into them, as segment-anything's ``build_sam.py``. Imports torch."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import torch

from eraser.errors import EraserError
from eraser_mobilesam.sam import MobileSAM


def build_mobile_sam() -> MobileSAM:
    """A randomly initialised MobileSAM vit_t, in eval mode, for inference
    (parameters do not require grad)."""
    return MobileSAM().eval().requires_grad_(False)


def build_sam(name: str = "mobile-sam") -> MobileSAM:
    """A randomly initialised member of the family (``mobile-sam``,
    ``sam-vit-b``, ``sam-vit-l``, ``sam-vit-h``), in eval mode."""
    from eraser_mobilesam.family import variant

    config = variant(name).vit
    if config is None:
        return build_mobile_sam()
    from eraser_mobilesam.vit import ImageEncoderViT

    return MobileSAM(ImageEncoderViT(config)).eval().requires_grad_(False)


def _brief(names, limit=3) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{shown}{more}"


def load_checkpoint(path: str | PathLike, name: str = "mobile-sam") -> MobileSAM:
    """Load an official checkpoint (``mobile_sam.pt``, ``sam_vit_b_01ec64.pth``
    and its siblings: plain state dicts) into the family member ``name``.

    Raises EraserError for a missing, unreadable or mismatched file.
    """
    from eraser_mobilesam.family import variant
    from eraser_mobilesam.weights import read_state_dict  # no torch.load: no code in the file runs

    path = Path(path)
    state = {k: torch.from_numpy(v) for k, v in read_state_dict(path).items()}
    model = build_sam(name)
    expected = model.state_dict()
    missing = expected.keys() - state.keys()
    unexpected = state.keys() - expected.keys()
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys ({_brief(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys ({_brief(unexpected)})")
    wrong = [
        f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if wrong:
        problems.append(f"{len(wrong)} keys with the wrong shape ({_brief(wrong, 2)})")
    if problems:
        raise EraserError(f"{path} does not match {variant(name).title}: " + "; ".join(problems))
    model.load_state_dict(state, strict=True)
    return model.eval()
