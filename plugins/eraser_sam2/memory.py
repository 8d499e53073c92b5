"""SAM 2.1's video parts (upstream ``memory_attention.py``, ``memory_encoder.py``):
what a tracker needs besides the image path. eraser's photo segmenters do not
run them; they are defined (with upstream's names and the sam2.1 yaml
values) so that an install keeps every tensor of the checkpoint and exports
them as ONNX graphs a tracker can be built on.

The rotary encoding is written with cos/sin on real pairs (upstream uses
complex tensors, which ONNX cannot express); the arithmetic is the same.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from eraser_sam2.common import LayerNorm2d
from eraser_sam2.heads import Attention
from eraser_sam2.neck import PositionEmbeddingSine

D_MODEL = 256
MEM_DIM = 64
FEAT_SIZE = 64  # the stride-16 map at 1024


def axial_rope_angles(dim: int, tokens, side: int = FEAT_SIZE, theta: float = 10000.0) -> torch.Tensor:
    """(tokens, dim / 2) rotation angles of a square map's tokens (row-major,
    ``side`` columns): the first half from each token's column, the second
    from its row (upstream ``compute_axial_cis``). ``tokens`` may be a traced
    size, so an exported graph computes the angles instead of storing them."""
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 4)[: dim // 4].float() / dim))
    t = torch.arange(tokens).float()
    t_x, t_y = t % side, torch.div(t, side, rounding_mode="floor")
    return torch.cat([t_x[:, None] * freqs, t_y[:, None] * freqs], dim=-1)


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate consecutive channel pairs (x[2i], x[2i+1]) of (B, heads, N, C) by the angles' cos/sin (N, C/2)."""
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    return torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1).flatten(-2)


class RoPEAttention(Attention):
    """Attention with axial rotary position encoding of queries and keys. With
    ``rope_k_repeat`` the keys are several frames' maps in a row, each rotated
    like the query map; the last ``num_k_exclude_rope`` keys (object pointers)
    are not rotated."""

    def __init__(self, *args, rope_theta: float = 10000.0, rope_k_repeat: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rope_theta = rope_theta
        self.rope_k_repeat = rope_k_repeat

    def forward(self, q, k, v, num_k_exclude_rope: int = 0):
        if num_k_exclude_rope == 0:
            return self.attend_parts(q, k, v)
        n = k.shape[1] - num_k_exclude_rope
        return self.attend_parts(q, k[:, :n], v[:, :n], k[:, n:], v[:, n:])

    def attend_parts(self, q, k_rope, v_rope, k_plain=None, v_plain=None):
        """Keys and values in two parts: frames' maps (rotated; with
        ``rope_k_repeat`` any number of maps of the query's size in a row)
        and tokens that are not rotated (object pointers; may be empty)."""
        q = self.heads(self.q_proj(q))
        side = math.isqrt(int(q.shape[-2]))  # the query is a square map (64 x 64 at 1024)
        angles = axial_rope_angles(self.internal_dim // self.num_heads, q.shape[-2], side, self.rope_theta).to(q.device)
        cos, sin = angles.cos(), angles.sin()
        q = rotate(q, cos, sin)
        k = self.heads(self.k_proj(k_rope))
        b, h, _, c = k.shape
        # one rotation per map: (B, heads, maps, tokens per map, C)
        k = rotate(k.reshape(b, h, -1, q.shape[-2], c), cos, sin).reshape(b, h, -1, c)
        v = self.heads(self.v_proj(v_rope))
        if k_plain is not None:
            k = torch.cat([k, self.heads(self.k_proj(k_plain))], dim=2)
            v = torch.cat([v, self.heads(self.v_proj(v_plain))], dim=2)
        return self.attend(q, k, v)


class MemoryAttentionLayer(nn.Module):
    def __init__(self, d_model: int = D_MODEL, dim_feedforward: int = 2048, kv_in_dim: int = MEM_DIM) -> None:
        super().__init__()
        self.self_attn = RoPEAttention(d_model, 1)
        self.cross_attn_image = RoPEAttention(d_model, 1, rope_k_repeat=True, kv_in_dim=kv_in_dim)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(self, tgt, maps, maps_pos, pointers, pointers_pos):
        # sam2.1: the positional encoding goes to the cross-attention keys only
        t = self.norm1(tgt)
        tgt = tgt + self.self_attn(t, t, v=t)
        t = self.norm2(tgt)
        tgt = tgt + self.cross_attn_image.attend_parts(t, maps + maps_pos, maps, pointers + pointers_pos, pointers)
        return tgt + self.linear2(F.relu(self.linear1(self.norm3(tgt))))


class MemoryAttention(nn.Module):
    """The current frame's features (B, 4096, 256) attend to the memories:
    earlier frames' maps and object pointers, 64 channels each."""

    def __init__(self, num_layers: int = 4, d_model: int = D_MODEL) -> None:
        super().__init__()
        self.layers = nn.ModuleList(MemoryAttentionLayer(d_model) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)

    def forward(self, curr, memory, curr_pos, memory_pos, num_obj_ptr_tokens: int = 0):
        """Batch-first: curr, curr_pos (B, N, 256); memory, memory_pos (B, M, 64),
        whose last ``num_obj_ptr_tokens`` are object pointers."""
        n = memory.shape[1] - num_obj_ptr_tokens
        return self.forward_parts(curr, curr_pos, memory[:, :n], memory_pos[:, :n], memory[:, n:], memory_pos[:, n:])

    def forward_parts(self, curr, curr_pos, maps, maps_pos, pointers, pointers_pos):
        output = curr + 0.1 * curr_pos
        for layer in self.layers:
            output = layer(output, maps, maps_pos, pointers, pointers_pos)
        return self.norm(output)


class MaskDownSampler(nn.Module):
    """A 1024 mask to a 64x64, 256-channel map: four 3x3 stride-2 convolutions
    (channels x4 each) with LayerNorm and GELU, then a 1x1 projection."""

    def __init__(self, embed_dim: int = D_MODEL, layers: int = 4) -> None:
        super().__init__()
        self.encoder = nn.Sequential()
        chans = 1
        for _ in range(layers):
            self.encoder.append(nn.Conv2d(chans, chans * 4, kernel_size=3, stride=2, padding=1))
            self.encoder.append(LayerNorm2d(chans * 4))
            self.encoder.append(nn.GELU())
            chans *= 4
        self.encoder.append(nn.Conv2d(chans, embed_dim, kernel_size=1))

    def forward(self, x):
        return self.encoder(x)


class CXBlock(nn.Module):
    """A ConvNeXt block: depthwise 7x7, LayerNorm, MLP x4, layer scale, residual."""

    def __init__(self, dim: int = D_MODEL) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = LayerNorm2d(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))

    def forward(self, x):
        y = self.norm(self.dwconv(x)).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(y)))
        return x + y.permute(0, 3, 1, 2)


class Fuser(nn.Module):
    def __init__(self, num_layers: int = 2) -> None:
        super().__init__()
        self.layers = nn.ModuleList(CXBlock() for _ in range(num_layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MemoryEncoder(nn.Module):
    """A frame's features (B, 256, 64, 64) and its mask (B, 1, 1024, 1024, already
    through the sigmoid scale and bias) -> the frame's memory (B, 64, 64, 64) and its encoding."""

    def __init__(self, out_dim: int = MEM_DIM, in_dim: int = D_MODEL) -> None:
        super().__init__()
        self.mask_downsampler = MaskDownSampler(in_dim)
        self.pix_feat_proj = nn.Conv2d(in_dim, in_dim, kernel_size=1)
        self.fuser = Fuser()
        self.position_encoding = PositionEmbeddingSine(out_dim)
        self.out_proj = nn.Conv2d(in_dim, out_dim, kernel_size=1)

    def forward(self, pix_feat, masks):
        x = self.pix_feat_proj(pix_feat) + self.mask_downsampler(masks)
        x = self.out_proj(self.fuser(x))
        return x, self.position_encoding(x)
