"""SAM 2.1's image trunk: Hiera (Ryali et al. 2023) as ``sam2.modeling.backbones.hieradet``
builds it, with upstream's parameter names.

Four stages of transformer blocks over a (B, H, W, C) map; the first block of
stages 2-4 halves the resolution by max-pooling its queries and doubles
channels and heads. Most blocks attend within windows, a few (``global_att_blocks``)
over the whole map. Every stage's last map is an output (stride 4, 8, 16, 32).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from eraser_sam2.common import MLP
from eraser_sam2.sizes import HieraConfig


def window_partition(x: torch.Tensor, window: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """(B, H, W, C) -> (B * windows, window, window, C), zero-padded bottom/right to a multiple of ``window``."""
    b, h, w, c = x.shape
    pad_h, pad_w = (window - h % window) % window, (window - w % window) % window
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    hp, wp = h + pad_h, w + pad_w
    x = x.view(b, hp // window, window, wp // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window, window, c), (hp, wp)


def window_unpartition(windows: torch.Tensor, window: int, padded: tuple[int, int], hw: tuple[int, int]) -> torch.Tensor:
    hp, wp = padded
    h, w = hw
    b = windows.shape[0] // (hp * wp // window // window)
    x = windows.reshape(b, hp // window, wp // window, window, window, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, -1)
    return x[:, :h, :w, :] if hp > h or wp > w else x


def pool(x: torch.Tensor, pooling: nn.Module | None) -> torch.Tensor:
    """Max-pool a (B, H, W, C) map."""
    if pooling is None:
        return x
    return pooling(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class PatchEmbed(nn.Module):
    """7x7 convolution, stride 4: (B, 3, H, W) -> (B, H/4, W/4, C)."""

    def __init__(self, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=7, stride=4, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).permute(0, 2, 3, 1)


class MultiScaleAttention(nn.Module):
    def __init__(self, dim: int, dim_out: int, num_heads: int, q_pool: nn.Module | None = None) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q_pool = q_pool
        self.qkv = nn.Linear(dim, dim_out * 3)
        self.proj = nn.Linear(dim_out, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, h * w, 3, self.num_heads, -1).unbind(2)
        if self.q_pool is not None:  # the first block of a stage: halve the queries' grid
            q = pool(q.reshape(b, h, w, -1), self.q_pool)
            h, w = q.shape[1:3]
            q = q.reshape(b, h * w, self.num_heads, -1)
        x = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return self.proj(x.transpose(1, 2).reshape(b, h, w, -1))


class MultiScaleBlock(nn.Module):
    def __init__(self, dim: int, dim_out: int, num_heads: int, q_stride: tuple[int, int] | None,
                 window_size: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.dim, self.dim_out = dim, dim_out
        self.window_size = window_size
        self.q_stride = q_stride
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.pool = nn.MaxPool2d(kernel_size=q_stride, stride=q_stride) if q_stride else None
        self.attn = MultiScaleAttention(dim, dim_out, num_heads, q_pool=self.pool)
        self.norm2 = nn.LayerNorm(dim_out, eps=1e-6)
        self.mlp = MLP(dim_out, int(dim_out * mlp_ratio), dim_out, num_layers=2, activation=nn.GELU)
        if dim != dim_out:
            self.proj = nn.Linear(dim, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.dim != self.dim_out:
            shortcut = pool(self.proj(x), self.pool)
        window = self.window_size
        if window > 0:
            hw = x.shape[1:3]
            x, padded = window_partition(x, window)
        x = self.attn(x)
        if self.q_stride:
            # the queries were pooled: windows and map are smaller now
            window = self.window_size // self.q_stride[0]
            hw = shortcut.shape[1:3]
            padded = tuple(n + (window - n % window) % window for n in hw) if window > 0 else hw
        if self.window_size > 0:
            x = window_unpartition(x, window, padded, hw)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class Hiera(nn.Module):
    def __init__(self, config: HieraConfig) -> None:
        super().__init__()
        c = config
        self.window_spec = c.window_spec
        self.stage_ends = [sum(c.stages[:i]) - 1 for i in range(1, len(c.stages) + 1)]
        q_pool_blocks = [end + 1 for end in self.stage_ends[:-1]][: c.q_pool]
        self.patch_embed = PatchEmbed(c.embed_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, c.embed_dim, *c.window_pos_embed_bkg_spatial_size))
        self.pos_embed_window = nn.Parameter(torch.zeros(1, c.embed_dim, c.window_spec[0], c.window_spec[0]))
        self.blocks = nn.ModuleList()
        dim, heads, stage = c.embed_dim, c.num_heads, 0
        for i in range(sum(c.stages)):
            # a stage's first block keeps the previous stage's window (pooled inside it)
            window = 0 if i in c.global_att_blocks else c.window_spec[stage]
            dim_out = dim
            if i - 1 in self.stage_ends:
                dim_out, heads, stage = int(dim * c.dim_mul), int(heads * c.head_mul), stage + 1
            self.blocks.append(MultiScaleBlock(dim, dim_out, heads, c.q_stride if i in q_pool_blocks else None, window))
            dim = dim_out
        # the positional embedding computed once, for exporters without bicubic
        # resizing (coremltools); not part of the state dict
        self.frozen_pos_embed: torch.Tensor | None = None

    def _pos_embed(self, hw: tuple[int, int]) -> torch.Tensor:
        """The background embedding resized (bicubic) to the map, plus the window embedding tiled over it."""
        h, w = (int(n) for n in hw)  # fixed by the input size: constants in an exported graph
        window = self.pos_embed_window.shape[-1]
        pos = F.interpolate(self.pos_embed, size=(h, w), mode="bicubic")
        c = pos.shape[1]
        # the window embedding repeated over the map (as upstream's tile), by broadcasting
        tiled = pos.reshape(1, c, h // window, window, w // window, window) + self.pos_embed_window.reshape(
            1, c, 1, window, 1, window)
        return tiled.reshape(1, c, h, w).permute(0, 2, 3, 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.patch_embed(x)
        frozen = self.frozen_pos_embed
        x = x + (frozen if frozen is not None else self._pos_embed(tuple(x.shape[1:3])))
        outputs = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.stage_ends:
                outputs.append(x.permute(0, 3, 1, 2))
        return outputs
