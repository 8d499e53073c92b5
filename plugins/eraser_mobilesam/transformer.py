"""The two-way transformer of SAM's mask decoder, shared by the SAM family
and SAM 2.1 (whose decoder keeps it): tokens and image tokens attend to each
other in turn. Each family gives its attention and its MLP: SAM's heads are
split by slicing the channel axis (neither the batch nor the number of
prompt tokens is read from a shape, so any convert), its MLP is ``lin1``,
``lin2``; SAM 2.1's attention and MLP (``layers.0``, ``layers.1``) are in
:mod:`eraser_sam2.heads`. The parameter names are each upstream's.

A block reads its image tokens' projections before it changes them
(:meth:`TwoWayAttentionBlock.image_projections`); in the first block they
depend on the photo only, so a decoder may compute them once per photo.
Imports torch."""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from eraser_mobilesam.common import MLPBlock
from eraser_mobilesam.interface import EMBED_DIM


class Attention(nn.Module):
    """SAM's multi-head attention with optional down-projection of the internal width.

    Heads are separated by slicing the channel axis, so no shape is read from
    the inputs: any batch and any number of tokens trace and convert.
    """

    def __init__(self, embedding_dim: int, num_heads: int, downsample_rate: int = 1) -> None:
        super().__init__()
        self.embedding_dim = embedding_dim
        self.internal_dim = embedding_dim // downsample_rate
        self.num_heads = num_heads
        if self.internal_dim % num_heads:
            raise ValueError("num_heads must divide the internal dimension")
        self.q_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.k_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.v_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.out_proj = nn.Linear(self.internal_dim, embedding_dim)

    @staticmethod
    def heads(x):
        return x  # the heads stay in the channels: attend slices them

    def attend(self, q, k, v):
        ch = self.internal_dim // self.num_heads
        norm = math.sqrt(ch)
        heads = []
        for i in range(self.num_heads):
            part = slice(i * ch, (i + 1) * ch)
            attn = (q[..., part] @ k[..., part].transpose(-2, -1)) / norm
            heads.append(attn.softmax(dim=-1) @ v[..., part])
        return self.out_proj(torch.cat(heads, dim=-1))

    def forward(self, q, k, v):
        return self.attend(self.q_proj(q), self.k_proj(k), self.v_proj(v))


# (embedding_dim, num_heads[, downsample_rate]) -> an attention with q_proj,
# k_proj, v_proj, heads (split a projection) and attend (split q, k, v -> out)
AttentionFactory = Callable[..., nn.Module]
MLPFactory = Callable[[int, int], nn.Module]  # (embedding_dim, mlp_dim) -> the block's MLP


class TwoWayAttentionBlock(nn.Module):
    def __init__(self, embedding_dim: int, num_heads: int, mlp_dim: int, attention_downsample_rate: int = 2,
                 skip_first_layer_pe: bool = False, attention: AttentionFactory = Attention,
                 mlp: MLPFactory = MLPBlock) -> None:
        super().__init__()
        self.self_attn = attention(embedding_dim, num_heads)
        self.norm1 = nn.LayerNorm(embedding_dim)
        self.cross_attn_token_to_image = attention(embedding_dim, num_heads, attention_downsample_rate)
        self.norm2 = nn.LayerNorm(embedding_dim)
        self.mlp = mlp(embedding_dim, mlp_dim)
        self.norm3 = nn.LayerNorm(embedding_dim)
        self.norm4 = nn.LayerNorm(embedding_dim)
        self.cross_attn_image_to_token = attention(embedding_dim, num_heads, attention_downsample_rate)
        self.skip_first_layer_pe = skip_first_layer_pe

    def image_projections(self, keys, key_pe):
        """The projections of the image tokens this block reads before it
        changes them: ``cross_attn_token_to_image``'s keys and values and
        ``cross_attn_image_to_token``'s queries (heads split as the attention splits them)."""
        k = keys + key_pe
        t2i, i2t = self.cross_attn_token_to_image, self.cross_attn_image_to_token
        return t2i.heads(t2i.k_proj(k)), t2i.heads(t2i.v_proj(keys)), i2t.heads(i2t.q_proj(k))

    def self_attend(self, queries, query_pe):
        """The tokens' own attention and its norm, the block's first step."""
        if self.skip_first_layer_pe:
            return self.norm1(self.self_attn(queries, queries, queries))
        q = queries + query_pe
        return self.norm1(queries + self.self_attn(q, q, queries))

    def forward(self, queries, keys, query_pe, key_pe, projected=None):
        """``projected``: :meth:`image_projections` of ``keys``, when computed before."""
        image_k, image_v, image_q = self.image_projections(keys, key_pe) if projected is None else projected
        queries = self.self_attend(queries, query_pe)
        t2i, i2t = self.cross_attn_token_to_image, self.cross_attn_image_to_token
        queries = self.norm2(queries + t2i.attend(t2i.heads(t2i.q_proj(queries + query_pe)), image_k, image_v))
        queries = self.norm3(queries + self.mlp(queries))
        q = queries + query_pe
        keys = self.norm4(keys + i2t.attend(image_q, i2t.heads(i2t.k_proj(q)), i2t.heads(i2t.v_proj(queries))))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth: int = 2, embedding_dim: int = EMBED_DIM, num_heads: int = 8, mlp_dim: int = 2048,
                 attention_downsample_rate: int = 2, attention: AttentionFactory = Attention,
                 mlp: MLPFactory = MLPBlock) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            TwoWayAttentionBlock(embedding_dim, num_heads, mlp_dim, attention_downsample_rate, i == 0, attention, mlp)
            for i in range(depth)
        )
        self.final_attn_token_to_image = attention(embedding_dim, num_heads, attention_downsample_rate)
        self.norm_final_attn = nn.LayerNorm(embedding_dim)

    def forward(self, image_embedding, image_pe, point_embedding):
        """(B, C, h, w), (B or 1, C, h, w), (B, T, C) -> tokens (B, T, C), image (B, h*w, C)."""
        keys = image_embedding.flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        return self.attend(keys, key_pe, point_embedding)

    def attend(self, keys, key_pe, point_embedding, first_projected=None):
        """Tokens (B, T, C) against image tokens (B, h*w, C); ``first_projected``:
        the first block's :meth:`TwoWayAttentionBlock.image_projections`, computed before."""
        queries = point_embedding
        for i, layer in enumerate(self.layers):
            queries, keys = layer(queries, keys, point_embedding, key_pe, first_projected if i == 0 else None)
        attn = self.final_attn_token_to_image(queries + point_embedding, keys + key_pe, keys)
        return self.norm_final_attn(queries + attn), keys
