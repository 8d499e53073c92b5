"""MobileSAM (``vit_t``) in PyTorch, written to be converted to ONNX and Core ML.

The module tree, parameter names and shapes are those of the official
MobileSAM code (ChaoningZhang/MobileSAM: ``mobile_sam/modeling``), so the
official ``mobile_sam.pt`` state dict loads unchanged with ``strict=True``.
The code itself is a rewrite with conversion in mind:

* the image encoder (TinyViT) reshapes with static sizes taken from its
  configuration and ``-1`` for the batch; window partitioning stays within
  rank-5 tensors (Core ML's limit);
* the mask decoder's attention splits heads by slicing the channel axis, so
  neither the batch nor the number of prompt tokens is read from a shape;
* the conversion wrappers (:class:`ImageEncoder`, :class:`PromptEncoder`,
  :class:`MaskDecoder`) use no boolean-index assignment and no
  ``repeat_interleave``, and return all four mask tokens' masks.

The plain ``forward`` methods of :class:`PromptEncoderModule` and
:class:`MaskDecoderModule` keep the upstream computation (boolean indexing,
padding point, ``repeat_interleave``, multimask slicing); they are the
reference the wrappers are tested against.

This module imports torch; the package's ``__init__`` must not import it.
"""

from __future__ import annotations

import itertools
import math
from os import PathLike
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from eraser.errors import EraserError
from eraser_mobilesam.common import LayerNorm2d, MLPBlock  # noqa: F401  (vit.py and the tests use them here too)
from eraser_mobilesam.interface import EMBED_DIM, EMBED_SIZE, IMAGE_SIZE, LOW_RES_SIZE, PIXEL_MEAN, PIXEL_STD  # noqa: F401

NUM_MASK_TOKENS = 4  # token 0: single-mask output, 1..3: multimask outputs
MAX_PROMPT_POINTS = 100  # upper bound of N in the converted models

# label values of SAM's sparse prompts
LABEL_PADDING = -1
LABEL_NEGATIVE = 0
LABEL_POSITIVE = 1
LABEL_BOX_TOP_LEFT = 2
LABEL_BOX_BOTTOM_RIGHT = 3


# -------------------------------------------------------- image encoder (TinyViT)


class Conv2dBN(nn.Sequential):
    """Bias-free convolution ``c`` followed by BatchNorm ``bn``."""

    def __init__(self, in_ch, out_ch, kernel=1, stride=1, pad=0, groups=1, bn_weight_init=1.0):
        super().__init__()
        self.add_module("c", nn.Conv2d(in_ch, out_ch, kernel, stride, pad, groups=groups, bias=False))
        bn = nn.BatchNorm2d(out_ch)
        nn.init.constant_(bn.weight, bn_weight_init)
        nn.init.zeros_(bn.bias)
        self.add_module("bn", bn)


class PatchEmbed(nn.Module):
    """Two stride-2 3x3 convolutions: 1024x1024 -> 256x256."""

    def __init__(self, in_chans: int, embed_dim: int) -> None:
        super().__init__()
        self.seq = nn.Sequential(
            Conv2dBN(in_chans, embed_dim // 2, 3, 2, 1),
            nn.GELU(),
            Conv2dBN(embed_dim // 2, embed_dim, 3, 2, 1),
        )

    def forward(self, x):
        return self.seq(x)


class MBConv(nn.Module):
    """Inverted residual block (1x1 expand, 3x3 depthwise, 1x1 project)."""

    def __init__(self, chans: int, expand_ratio: float) -> None:
        super().__init__()
        hidden = int(chans * expand_ratio)
        self.conv1 = Conv2dBN(chans, hidden)
        self.act1 = nn.GELU()
        self.conv2 = Conv2dBN(hidden, hidden, 3, 1, 1, groups=hidden)
        self.act2 = nn.GELU()
        self.conv3 = Conv2dBN(hidden, chans, bn_weight_init=0.0)
        self.act3 = nn.GELU()

    def forward(self, x):
        y = self.act1(self.conv1(x))
        y = self.act2(self.conv2(y))
        y = self.conv3(y)
        return self.act3(y + x)


class PatchMerging(nn.Module):
    """1x1 conv, 3x3 depthwise conv (stride 2, or 1 into the last stage), 1x1 conv.

    Takes NCHW or tokens (B, H*W, C); returns tokens (B, H'*W', out_dim).
    """

    def __init__(self, input_resolution, dim: int, out_dim: int, stride: int) -> None:
        super().__init__()
        self.input_resolution = tuple(input_resolution)
        self.dim = dim
        self.out_dim = out_dim
        self.act = nn.GELU()
        self.conv1 = Conv2dBN(dim, out_dim, 1, 1, 0)
        self.conv2 = Conv2dBN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = Conv2dBN(out_dim, out_dim, 1, 1, 0)

    def forward(self, x):
        if x.ndim == 3:
            h, w = self.input_resolution
            x = x.reshape(-1, h, w, self.dim).permute(0, 3, 1, 2)
        x = self.act(self.conv1(x))
        x = self.act(self.conv2(x))
        x = self.conv3(x)
        return x.flatten(2).transpose(1, 2)


class ConvLayer(nn.Module):
    """Stage 0: MBConv blocks then a patch merging."""

    def __init__(self, dim, input_resolution, depth, out_dim, expand_ratio, merge_stride) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([MBConv(dim, expand_ratio) for _ in range(depth)])
        self.downsample = PatchMerging(input_resolution, dim, out_dim, merge_stride)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.downsample(x)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.act = nn.GELU()

    def forward(self, x):
        return self.fc2(self.act(self.fc1(self.norm(x))))


class WindowAttention(nn.Module):
    """TinyViT attention inside one window, with learned relative-offset biases.

    Input and output: (windows, window_size**2, dim).
    """

    def __init__(self, dim: int, num_heads: int, window_size: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = dim // num_heads  # attn_ratio 1: value dim == key dim
        self.tokens = window_size * window_size
        self.dim = dim
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

        cells = list(itertools.product(range(window_size), range(window_size)))
        offsets: dict[tuple[int, int], int] = {}
        idxs = []
        for a in cells:
            for b in cells:
                off = (abs(a[0] - b[0]), abs(a[1] - b[1]))
                idxs.append(offsets.setdefault(off, len(offsets)))
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, len(offsets)))
        self.register_buffer(
            "attention_bias_idxs",
            torch.tensor(idxs, dtype=torch.long).view(self.tokens, self.tokens),
            persistent=False,
        )

    def forward(self, x):
        n, kd = self.tokens, self.key_dim
        x = self.norm(x)
        qkv = self.qkv(x).reshape(-1, n, self.num_heads, 3 * kd)
        q, k, v = qkv.split([kd, kd, kd], dim=3)
        q = q.permute(0, 2, 1, 3)
        k = k.permute(0, 2, 1, 3)
        v = v.permute(0, 2, 1, 3)
        bias = self.attention_biases[:, self.attention_bias_idxs]
        attn = (q @ k.transpose(-2, -1)) * (kd**-0.5) + bias
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(-1, n, self.dim)
        return self.proj(x)


class TinyViTBlock(nn.Module):
    """Window attention, depthwise 3x3 conv, MLP; tokens (B, H*W, C) in and out."""

    def __init__(self, dim, input_resolution, num_heads, window_size, mlp_ratio=4.0) -> None:
        super().__init__()
        self.dim = dim
        self.input_resolution = tuple(input_resolution)
        self.window_size = window_size
        self.attn = WindowAttention(dim, num_heads, window_size)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.local_conv = Conv2dBN(dim, dim, 3, 1, 1, groups=dim)

    def _attend(self, x):
        h, w = self.input_resolution
        ws, c = self.window_size, self.dim
        if h == ws and w == ws:
            return self.attn(x)
        pad_b = (ws - h % ws) % ws
        pad_r = (ws - w % ws) % ws
        x = x.reshape(-1, h, w, c)
        if pad_b or pad_r:
            # zero tokens, as upstream: they take part in attention as keys
            x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        ph, pw = h + pad_b, w + pad_r
        nw = pw // ws
        # (B, nH*ws, nW*ws, C) -> (B*nH*nW, ws*ws, C), staying within rank 5
        x = x.reshape(-1, ws, nw, ws, c).transpose(1, 2).reshape(-1, ws * ws, c)
        x = self.attn(x)
        x = x.reshape(-1, nw, ws, ws, c).transpose(1, 2).reshape(-1, ph, pw, c)
        if pad_b or pad_r:
            x = x[:, :h, :w, :]
        return x.reshape(-1, h * w, c)

    def forward(self, x):
        h, w = self.input_resolution
        c = self.dim
        x = x + self._attend(x)
        x = x.transpose(1, 2).reshape(-1, c, h, w)
        x = self.local_conv(x)
        x = x.reshape(-1, c, h * w).transpose(1, 2)
        return x + self.mlp(x)


class BasicLayer(nn.Module):
    """Stages 1-3: TinyViT blocks, then a patch merging except after the last."""

    def __init__(self, dim, input_resolution, depth, num_heads, window_size, out_dim, merge_stride) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            [TinyViTBlock(dim, input_resolution, num_heads, window_size) for _ in range(depth)]
        )
        if merge_stride is None:
            self.downsample = None
        else:
            self.downsample = PatchMerging(input_resolution, dim, out_dim, merge_stride)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class TinyViT(nn.Module):
    """MobileSAM's image encoder: (B, 3, 1024, 1024) -> (B, 256, 64, 64).

    ``norm_head`` and ``head`` (the ImageNet classifier) are unused but kept:
    they are in the official checkpoint.
    """

    def __init__(
        self,
        img_size: int = IMAGE_SIZE,
        in_chans: int = 3,
        num_classes: int = 1000,
        embed_dims=(64, 128, 160, 320),
        depths=(2, 2, 6, 2),
        num_heads=(2, 4, 5, 10),
        window_sizes=(7, 7, 14, 7),
        mbconv_expand_ratio: float = 4.0,
        out_chans: int = EMBED_DIM,
    ) -> None:
        super().__init__()
        self.img_size = img_size
        self.out_size = img_size // 16
        self.embed_dims = tuple(embed_dims)
        self.patch_embed = PatchEmbed(in_chans, embed_dims[0])
        res = img_size // 4
        self.layers = nn.ModuleList()
        n = len(depths)
        for i in range(n):
            last = i == n - 1
            out_dim = embed_dims[min(i + 1, n - 1)]
            # merging into the last stage keeps the resolution (stride 1)
            stride = None if last else (1 if i + 1 == n - 1 else 2)
            if i == 0:
                layer = ConvLayer(embed_dims[0], (res, res), depths[0], out_dim, mbconv_expand_ratio, stride)
            else:
                layer = BasicLayer(embed_dims[i], (res, res), depths[i], num_heads[i], window_sizes[i], out_dim, stride)
            self.layers.append(layer)
            if stride is not None:
                res //= stride
        if res != self.out_size:
            raise ValueError(f"TinyViT config ends at {res}x{res}, not {self.out_size}x{self.out_size}")
        self.norm_head = nn.LayerNorm(embed_dims[-1])
        self.head = nn.Linear(embed_dims[-1], num_classes)
        self.neck = nn.Sequential(
            nn.Conv2d(embed_dims[-1], out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x):
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        s = self.out_size
        x = x.reshape(-1, s, s, self.embed_dims[-1]).permute(0, 3, 1, 2)
        return self.neck(x)


# ------------------------------------------------------------- prompt encoder


class PositionEmbeddingRandom(nn.Module):
    """Random-Fourier-feature positional encoding of points in [0, 1]^2."""

    def __init__(self, num_pos_feats: int = EMBED_DIM // 2) -> None:
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn((2, num_pos_feats)))

    def _pe_encoding(self, coords: torch.Tensor) -> torch.Tensor:
        coords = 2 * coords - 1
        coords = coords @ self.positional_encoding_gaussian_matrix
        coords = 2 * math.pi * coords
        return torch.cat([torch.sin(coords), torch.cos(coords)], dim=-1)

    def forward(self, size) -> torch.Tensor:
        """Encoding of the centres of an h x w grid: (C, h, w)."""
        h, w = size
        dev = self.positional_encoding_gaussian_matrix.device
        ys = (torch.arange(h, device=dev, dtype=torch.float32) + 0.5) / h
        xs = (torch.arange(w, device=dev, dtype=torch.float32) + 0.5) / w
        grid = torch.stack([xs[None, :].expand(h, w), ys[:, None].expand(h, w)], dim=-1)
        return self._pe_encoding(grid).permute(2, 0, 1)

    def forward_with_coords(self, coords_input: torch.Tensor, image_size) -> torch.Tensor:
        """Encode (B, N, 2) pixel coordinates (x, y) of an image of ``image_size`` (h, w)."""
        h, w = image_size
        scale = torch.tensor([w, h], dtype=torch.float32, device=coords_input.device)
        return self._pe_encoding(coords_input.to(torch.float32) / scale)


class PromptEncoderModule(nn.Module):
    """SAM's prompt encoder; ``forward`` is the upstream computation (the reference)."""

    def __init__(
        self,
        embed_dim: int = EMBED_DIM,
        image_embedding_size=(EMBED_SIZE, EMBED_SIZE),
        input_image_size=(IMAGE_SIZE, IMAGE_SIZE),
        mask_in_chans: int = 16,
    ) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.input_image_size = tuple(input_image_size)
        self.image_embedding_size = tuple(image_embedding_size)
        self.pe_layer = PositionEmbeddingRandom(embed_dim // 2)
        self.num_point_embeddings = 4  # negative, positive, box top-left, box bottom-right
        self.point_embeddings = nn.ModuleList([nn.Embedding(1, embed_dim) for _ in range(4)])
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_input_size = (4 * image_embedding_size[0], 4 * image_embedding_size[1])
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans // 4),
            nn.GELU(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans),
            nn.GELU(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)

    def get_dense_pe(self) -> torch.Tensor:
        """Positional encoding of the image embedding grid: (1, C, 64, 64)."""
        return self.pe_layer(self.image_embedding_size).unsqueeze(0)

    # The reference (upstream) path: boolean-index assignment, padding point.
    def _embed_points(self, points, labels, pad: bool):
        points = points + 0.5
        if pad:
            points = torch.cat([points, torch.zeros((points.shape[0], 1, 2), device=points.device)], dim=1)
            labels = torch.cat([labels, -torch.ones((labels.shape[0], 1), device=labels.device)], dim=1)
        emb = self.pe_layer.forward_with_coords(points, self.input_image_size)
        emb[labels == -1] = 0.0
        emb[labels == -1] += self.not_a_point_embed.weight
        emb[labels == 0] += self.point_embeddings[0].weight
        emb[labels == 1] += self.point_embeddings[1].weight
        return emb

    def _embed_boxes(self, boxes):
        coords = (boxes + 0.5).reshape(-1, 2, 2)
        emb = self.pe_layer.forward_with_coords(coords, self.input_image_size)
        emb[:, 0, :] += self.point_embeddings[2].weight
        emb[:, 1, :] += self.point_embeddings[3].weight
        return emb

    def forward(self, points=None, boxes=None, masks=None):
        """Upstream semantics: ``points`` is (coords (B,N,2), labels (B,N)) or None,
        ``boxes`` (B,4) x0,y0,x1,y1 or None, ``masks`` (B,1,256,256) or None.
        Returns sparse (B, N', C) and dense (B, C, 64, 64) embeddings."""
        if points is not None:
            bs = points[0].shape[0]
        elif boxes is not None:
            bs = boxes.shape[0]
        elif masks is not None:
            bs = masks.shape[0]
        else:
            bs = 1
        dev = self.no_mask_embed.weight.device
        sparse = torch.empty((bs, 0, self.embed_dim), device=dev)
        if points is not None:
            sparse = torch.cat([sparse, self._embed_points(points[0], points[1], pad=boxes is None)], dim=1)
        if boxes is not None:
            sparse = torch.cat([sparse, self._embed_boxes(boxes)], dim=1)
        if masks is not None:
            dense = self.mask_downscaling(masks)
        else:
            h, w = self.image_embedding_size
            dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(bs, -1, h, w)
        return sparse, dense

    # The conversion path: labels decide everything, by arithmetic only.
    def embed_labelled_points(self, points: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(B, N, 2) pixel coords and (B, N) float labels in {-1, 0, 1, 2, 3} -> (B, N, C).

        Equals the reference for any prompt once the caller has appended what
        upstream appends itself: box corners as labels 2 and 3, and when there
        is no box a padding point (0, 0) with label -1.
        """
        emb = self.pe_layer.forward_with_coords(points + 0.5, self.input_image_size)
        labels = labels.unsqueeze(-1)
        emb = torch.where(labels == LABEL_PADDING, self.not_a_point_embed.weight, emb)
        for i, table in enumerate(self.point_embeddings):
            emb = torch.where(labels == i, emb + table.weight, emb)
        return emb

    def no_mask_dense(self) -> torch.Tensor:
        h, w = self.image_embedding_size
        return self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(1, -1, h, w)


# ---------------------------------------------------------------- mask decoder


class Attention(nn.Module):
    """Multi-head attention with optional down-projection of the internal width.

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

    def forward(self, q, k, v):
        q, k, v = self.q_proj(q), self.k_proj(k), self.v_proj(v)
        ch = self.internal_dim // self.num_heads
        norm = math.sqrt(ch)
        heads = []
        for i in range(self.num_heads):
            part = slice(i * ch, (i + 1) * ch)
            attn = (q[..., part] @ k[..., part].transpose(-2, -1)) / norm
            heads.append(attn.softmax(dim=-1) @ v[..., part])
        return self.out_proj(torch.cat(heads, dim=-1))


class TwoWayAttentionBlock(nn.Module):
    def __init__(self, embedding_dim, num_heads, mlp_dim, attention_downsample_rate=2, skip_first_layer_pe=False):
        super().__init__()
        self.self_attn = Attention(embedding_dim, num_heads)
        self.norm1 = nn.LayerNorm(embedding_dim)
        self.cross_attn_token_to_image = Attention(embedding_dim, num_heads, attention_downsample_rate)
        self.norm2 = nn.LayerNorm(embedding_dim)
        self.mlp = MLPBlock(embedding_dim, mlp_dim)
        self.norm3 = nn.LayerNorm(embedding_dim)
        self.norm4 = nn.LayerNorm(embedding_dim)
        self.cross_attn_image_to_token = Attention(embedding_dim, num_heads, attention_downsample_rate)
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(self, queries, keys, query_pe, key_pe):
        if self.skip_first_layer_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)

        q = queries + query_pe
        k = keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))

        queries = self.norm3(queries + self.mlp(queries))

        q = queries + query_pe
        k = keys + key_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth=2, embedding_dim=EMBED_DIM, num_heads=8, mlp_dim=2048, attention_downsample_rate=2):
        super().__init__()
        self.layers = nn.ModuleList(
            [
                TwoWayAttentionBlock(embedding_dim, num_heads, mlp_dim, attention_downsample_rate, i == 0)
                for i in range(depth)
            ]
        )
        self.final_attn_token_to_image = Attention(embedding_dim, num_heads, attention_downsample_rate)
        self.norm_final_attn = nn.LayerNorm(embedding_dim)

    def forward(self, image_embedding, image_pe, point_embedding):
        """(B, C, h, w), (B or 1, C, h, w), (B, T, C) -> tokens (B, T, C), image (B, h*w, C)."""
        keys = image_embedding.flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        queries = point_embedding
        for layer in self.layers:
            queries, keys = layer(queries, keys, point_embedding, key_pe)
        q = queries + point_embedding
        k = keys + key_pe
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image(q, k, keys))
        return queries, keys


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        outs = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, outs))

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = F.relu(x)
        return x


class MaskDecoderModule(nn.Module):
    """SAM's mask decoder; ``forward`` is the upstream computation (the reference)."""

    def __init__(self, transformer_dim=EMBED_DIM, num_multimask_outputs=3, iou_head_depth=3, iou_head_hidden_dim=256,
                 embedding_size=EMBED_SIZE):
        super().__init__()
        self.transformer_dim = transformer_dim
        self.embedding_size = embedding_size
        self.transformer = TwoWayTransformer(2, transformer_dim, 8, 2048)
        self.num_multimask_outputs = num_multimask_outputs
        self.num_mask_tokens = num_multimask_outputs + 1
        self.iou_token = nn.Embedding(1, transformer_dim)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, transformer_dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(transformer_dim, transformer_dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(transformer_dim // 4),
            nn.GELU(),
            nn.ConvTranspose2d(transformer_dim // 4, transformer_dim // 8, kernel_size=2, stride=2),
            nn.GELU(),
        )
        self.output_hypernetworks_mlps = nn.ModuleList(
            [MLP(transformer_dim, transformer_dim, transformer_dim // 8, 3) for _ in range(self.num_mask_tokens)]
        )
        self.iou_prediction_head = MLP(transformer_dim, iou_head_hidden_dim, self.num_mask_tokens, iou_head_depth)

    def output_tokens(self) -> torch.Tensor:
        """IoU token then mask tokens: (1 + num_mask_tokens, C)."""
        return torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)

    def decode(self, src, pos_src, tokens):
        """Transformer + upscaling + heads on prepared inputs.

        src (B, C, 64, 64) image embedding plus dense prompt, pos_src (B or 1,
        C, 64, 64), tokens (B, 5 + N, C) -> masks (B, 4, 256, 256), iou (B, 4).
        """
        c, s = self.transformer_dim, self.embedding_size
        hs, src = self.transformer(src, pos_src, tokens)
        iou_token_out = hs[:, 0, :]
        mask_tokens_out = hs[:, 1 : 1 + self.num_mask_tokens, :]
        src = src.transpose(1, 2).reshape(-1, c, s, s)
        up = self.output_upscaling(src)
        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i, :]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1
        )
        up_c, up_s = c // 8, 4 * s
        masks = (hyper_in @ up.reshape(-1, up_c, up_s * up_s)).reshape(-1, self.num_mask_tokens, up_s, up_s)
        iou = self.iou_prediction_head(iou_token_out)
        return masks, iou

    def predict_masks(self, image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings):
        """Upstream preparation: one row per prompt set, image repeated per row."""
        tokens = self.output_tokens().unsqueeze(0).expand(sparse_prompt_embeddings.size(0), -1, -1)
        tokens = torch.cat((tokens, sparse_prompt_embeddings), dim=1)
        src = torch.repeat_interleave(image_embeddings, tokens.shape[0], dim=0)
        src = src + dense_prompt_embeddings
        pos_src = torch.repeat_interleave(image_pe, tokens.shape[0], dim=0)
        return self.decode(src, pos_src, tokens)

    def forward(self, image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings,
                multimask_output: bool):
        masks, iou = self.predict_masks(image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings)
        sl = slice(1, None) if multimask_output else slice(0, 1)
        return masks[:, sl, :, :], iou[:, sl]


# ------------------------------------------------------------------ the model


class MobileSAM(nn.Module):
    """SAM with ``image_encoder``, ``prompt_encoder``, ``mask_decoder``: MobileSAM
    vit_t (TinyViT) by default, or SAM's ViT-B/L/H given their encoder
    (:func:`build_sam`); everything but the encoder is the same."""

    def __init__(self, image_encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.image_encoder = TinyViT() if image_encoder is None else image_encoder
        self.prompt_encoder = PromptEncoderModule()
        self.mask_decoder = MaskDecoderModule()
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN).view(-1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD).view(-1, 1, 1), persistent=False)

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, h, w) RGB 0..255, already resized (longest side 1024) -> normalised, padded bottom/right."""
        x = (x - self.pixel_mean) / self.pixel_std
        h, w = x.shape[-2:]
        return F.pad(x, (0, IMAGE_SIZE - w, 0, IMAGE_SIZE - h))

    @torch.no_grad()
    def predict_reference(self, image_embeddings, point_coords=None, point_labels=None, boxes=None,
                          mask_input=None, multimask_output=True):
        """The straightforward upstream computation (SamPredictor.predict_torch
        without postprocessing): low-res mask logits and IoU predictions."""
        points = None if point_coords is None else (point_coords, point_labels)
        sparse, dense = self.prompt_encoder(points=points, boxes=boxes, masks=mask_input)
        return self.mask_decoder(
            image_embeddings=image_embeddings,
            image_pe=self.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask_output,
        )


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


# ------------------------------------------------------ conversion wrappers


class ImageEncoder(nn.Module):
    """``image`` (1, 3, 1024, 1024), normalised and padded -> ``imageEmbeddings`` (1, 256, 64, 64)."""

    input_names = ("image",)
    output_names = ("imageEmbeddings",)

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.encoder = model.image_encoder

    def forward(self, image):
        return self.encoder(image)


class PromptEncoder(nn.Module):
    """``points`` (1, N, 2) float32 pixel coords in the 1024 frame, ``labels`` (1, N) float32
    -> ``sparsePromptEmbeddings`` (1, N, 256), ``densePromptEmbeddings`` (1, 256, 64, 64).

    Labels: 1 positive, 0 negative, 2 box top-left, 3 box bottom-right,
    -1 padding. Append a padding point (0, 0, label -1) when there is no box,
    as SAM does.
    """

    input_names = ("points", "labels")
    output_names = ("sparsePromptEmbeddings", "densePromptEmbeddings")

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.prompt_encoder = model.prompt_encoder

    def forward(self, points, labels):
        sparse = self.prompt_encoder.embed_labelled_points(points, labels)
        return sparse, self.prompt_encoder.no_mask_dense()


class MaskDecoder(nn.Module):
    """``imageEmbeddings``, ``imagePositionalEncoding`` (1, 256, 64, 64),
    ``sparsePromptEmbeddings`` (1, N, 256), ``densePromptEmbeddings`` (1, 256, 64, 64)
    -> ``masks`` (1, 4, 256, 256) logits of all four mask tokens, ``iouPredictions`` (1, 4).

    Index 0 is SAM's single-mask output, 1..3 its multimask outputs.
    """

    input_names = ("imageEmbeddings", "imagePositionalEncoding", "sparsePromptEmbeddings", "densePromptEmbeddings")
    output_names = ("masks", "iouPredictions")

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.mask_decoder = model.mask_decoder

    def forward(self, image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings):
        # batch 1: no expand of the output tokens, no repeat_interleave of the image
        tokens = torch.cat([self.mask_decoder.output_tokens().unsqueeze(0), sparse_prompt_embeddings], dim=1)
        src = image_embeddings + dense_prompt_embeddings
        return self.mask_decoder.decode(src, image_pe, tokens)


def image_positional_encoding(model: MobileSAM) -> torch.Tensor:
    """The (1, 256, 64, 64) positional encoding the mask decoder takes as ``imagePositionalEncoding``."""
    with torch.no_grad():
        return model.prompt_encoder.get_dense_pe().detach().clone()
