"""SAM's image encoder (ViT-B/L/H), one class configured by size.

Module tree and parameter names are those of ``segment_anything``'s
``ImageEncoderViT`` (``patch_embed.proj``, ``pos_embed``,
``blocks.N.{norm1,attn.{qkv,proj,rel_pos_h,rel_pos_w},norm2,mlp.{lin1,lin2}}``,
``neck.{0..3}``), so the official ``sam_vit_*.pth`` load with ``strict=True``.
Written for export: the windows are cut with rank-5 reshapes (Core ML's
limit, and the iOS 17 reshape problem the seed app met), and the
relative-position lookup tables are index buffers computed once here, not in
the traced graph.

Imports torch; the plugin's ``__init__`` must not import it.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from eraser_mobilesam.family import ViTConfig
from eraser_mobilesam.interface import EMBED_DIM, IMAGE_SIZE
from eraser_mobilesam.common import LayerNorm2d, MLPBlock


class PatchEmbed(nn.Module):
    """A stride-16 16x16 convolution; NCHW in, (B, 64, 64, C) out."""

    def __init__(self, patch: int, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).permute(0, 2, 3, 1)


def relative_index(size: int) -> torch.Tensor:
    """(size, size) rows of the (2*size-1, C) table for query i and key j:
    the offset i - j, shifted to be >= 0 (queries and keys on one grid)."""
    coords = torch.arange(size)
    return coords[:, None] - coords[None, :] + (size - 1)


class Attention(nn.Module):
    """Multi-head self-attention over an (B, h, w, C) grid with SAM's
    decomposed relative-position terms (one per axis)."""

    def __init__(self, dim: int, num_heads: int, size: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.size = size
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * size - 1, self.head_dim))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * size - 1, self.head_dim))
        self.register_buffer("rel_index", relative_index(size), persistent=False)

    def forward(self, x):
        s, heads, hd = self.size, self.num_heads, self.head_dim
        n = s * s
        # (B, s, s, 3*dim) -> q, k, v as (B*heads, n, hd), like upstream
        qkv = self.qkv(x).reshape(-1, n, 3, heads, hd).permute(2, 0, 3, 1, 4).reshape(3, -1, n, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * hd**-0.5) @ k.transpose(-2, -1)
        # relative positions: rows (query y, key y) and columns (query x, key x)
        r_q = q.reshape(-1, s, s, hd)
        rel_h = torch.einsum("bhwc,hkc->bhwk", r_q, self.rel_pos_h[self.rel_index])
        rel_w = torch.einsum("bhwc,wkc->bhwk", r_q, self.rel_pos_w[self.rel_index])
        attn = attn.reshape(-1, s, s, s, s) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]
        attn = attn.reshape(-1, n, n).softmax(dim=-1)
        out = (attn @ v).reshape(-1, heads, s, s, hd).permute(0, 2, 3, 1, 4).reshape(-1, s, s, heads * hd)
        return self.proj(out)


class Block(nn.Module):
    """Pre-norm transformer block; attention inside ``window``-sized windows
    (zero-padded) or, with ``window`` 0, over the whole grid."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int, window: int, grid: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, window or grid)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLPBlock(dim, dim * mlp_ratio, nn.GELU)
        self.window = window
        self.grid = grid

    def _windowed(self, x):
        g, ws = self.grid, self.window
        c = x.shape[-1]
        pad = (ws - g % ws) % ws
        if pad:
            x = F.pad(x, (0, 0, 0, pad, 0, pad))
        nw = (g + pad) // ws
        # (B, nw*ws, nw*ws, C) -> (B*nw*nw, ws, ws, C), never above rank 5
        x = x.reshape(-1, ws, nw, ws, c).transpose(1, 2).reshape(-1, ws, ws, c)
        x = self.attn(x)
        x = x.reshape(-1, nw, ws, ws, c).transpose(1, 2).reshape(-1, nw * ws, nw * ws, c)
        return x[:, :g, :g, :] if pad else x

    def forward(self, x):
        y = self.norm1(x)
        y = self._windowed(y) if self.window else self.attn(y)
        x = x + y
        return x + self.mlp(self.norm2(x))


class ImageEncoderViT(nn.Module):
    """(B, 3, 1024, 1024) normalised and padded -> (B, 256, 64, 64)."""

    def __init__(self, config: ViTConfig, img_size: int = IMAGE_SIZE, out_chans: int = EMBED_DIM) -> None:
        super().__init__()
        c = config
        grid = img_size // c.patch_size
        self.img_size = img_size
        self.patch_embed = PatchEmbed(c.patch_size, c.embed_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, grid, grid, c.embed_dim))
        self.blocks = nn.ModuleList(
            Block(c.embed_dim, c.num_heads, c.mlp_ratio, 0 if i in c.global_attn_indexes else c.window_size, grid)
            for i in range(c.depth)
        )
        self.neck = nn.Sequential(
            nn.Conv2d(c.embed_dim, out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x):
        x = self.patch_embed(x) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.neck(x.permute(0, 3, 1, 2))
