"""MobileSAM's image encoder, TinyViT (``vit_t``), with the official module tree and
parameter names. Reshapes use static sizes from the configuration and ``-1``
for the batch; window partitioning stays within rank-5 tensors (Core ML's
limit). Imports torch."""

from __future__ import annotations

import itertools

import torch
from torch import nn
from torch.nn import functional as F

from eraser_mobilesam.common import LayerNorm2d
from eraser_mobilesam.interface import EMBED_DIM, IMAGE_SIZE


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
