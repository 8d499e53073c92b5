"""SAM 2.1 as one module whose state dict has upstream's keys (``SAM2Base``
built from ``configs/sam2.1/sam2.1_hiera_*.yaml``): the image path
(``image_encoder``, ``sam_prompt_encoder``, ``sam_mask_decoder``) and the
video parts (``memory_attention``, ``memory_encoder``, ``obj_ptr_proj``,
``obj_ptr_tpos_proj``, ``mask_downsample`` and the learned embeddings).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import torch
from torch import nn

from eraser.errors import EraserError
from eraser_mobilesam.prompt_encoder import PromptEncoderModule as PromptEncoder  # SAM's, unchanged in SAM 2
from eraser_sam2.common import MLP
from eraser_sam2.heads import MaskDecoder
from eraser_sam2.memory import MEM_DIM, MemoryAttention, MemoryEncoder
from eraser_sam2.neck import D_MODEL, ImageEncoder
from eraser_sam2.sizes import size

NUM_MASKMEM = 7


class SAM2(nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        hidden = D_MODEL
        self.image_encoder = ImageEncoder(size(name).hiera)
        self.mask_downsample = nn.Conv2d(1, 1, kernel_size=4, stride=4)
        self.memory_attention = MemoryAttention()
        self.memory_encoder = MemoryEncoder()
        self.maskmem_tpos_enc = nn.Parameter(torch.zeros(NUM_MASKMEM, 1, 1, MEM_DIM))
        self.no_mem_embed = nn.Parameter(torch.zeros(1, 1, hidden))
        self.no_mem_pos_enc = nn.Parameter(torch.zeros(1, 1, hidden))
        self.no_obj_ptr = nn.Parameter(torch.zeros(1, hidden))
        self.no_obj_embed_spatial = nn.Parameter(torch.zeros(1, MEM_DIM))
        self.sam_prompt_encoder = PromptEncoder()
        self.sam_mask_decoder = MaskDecoder()
        self.obj_ptr_proj = MLP(hidden, hidden, hidden, 3)
        self.obj_ptr_tpos_proj = nn.Linear(hidden, MEM_DIM)

    def image_features(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """What ``SAM2ImagePredictor.set_image`` keeps: the stride-16 embedding
        plus ``no_mem_embed`` (1, 256, 64, 64) and the two skips through
        ``conv_s0`` (1, 32, 256, 256) and ``conv_s1`` (1, 64, 128, 128)."""
        s4, s8, s16 = self.image_encoder(image)
        decoder = self.sam_mask_decoder
        embedding = s16 + self.no_mem_embed.reshape(1, -1, 1, 1)
        return embedding, decoder.conv_s0(s4), decoder.conv_s1(s8)


def build_sam2(name: str) -> SAM2:
    """A randomly initialised SAM 2.1 of size ``name``, in eval mode, without grad."""
    return SAM2(name).eval().requires_grad_(False)


def _brief(names, limit=3) -> str:
    names = sorted(names)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def check_state(state: dict, name: str, what: str) -> None:
    """Raise a one-line EraserError unless ``state`` has exactly size ``name``'s keys and shapes."""
    expected = {k: tuple(v.shape) for k, v in SAM2(name).to("meta").state_dict().items()}
    problems = []
    missing, unexpected = expected.keys() - state.keys(), state.keys() - expected.keys()
    if missing:
        problems.append(f"{len(missing)} missing keys ({_brief(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys ({_brief(unexpected)})")
    wrong = [f"{k} {tuple(state[k].shape)} != {shape}" for k, shape in expected.items()
             if k in state and tuple(state[k].shape) != shape]
    if wrong:
        problems.append(f"{len(wrong)} keys with the wrong shape ({_brief(wrong, 2)})")
    if problems:
        raise EraserError(f"{what} does not match {size(name).title}: " + "; ".join(problems))


def load_checkpoint(path: str | PathLike, name: str) -> SAM2:
    """An official ``sam2.1_hiera_*.pt`` (``{"model": state_dict}``) in size ``name``, read without torch.load."""
    from eraser_sam2.weights import read_state_dict

    state = read_state_dict(Path(path))
    check_state(state, name, str(path))
    model = build_sam2(name)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()}, strict=True)
    return model.eval()
