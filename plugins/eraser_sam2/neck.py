"""SAM 2.1's image encoder around the trunk (upstream ``image_encoder.py``): an
FPN neck that projects each trunk level to 256 channels, adds the top-down
path (nearest 2x) to the two lowest-resolution levels, and drops the lowest
(``scalp``: stride 32). What remains: the stride-16 map (the image
embedding) and the stride-4 and stride-8 maps the mask decoder uses as
high-resolution skips. The sine positional encoding of each level feeds the
video memory only.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from eraser_sam2.hiera import Hiera
from eraser_sam2.sizes import HieraConfig

D_MODEL = 256
FPN_TOP_DOWN_LEVELS = (2, 3)


class PositionEmbeddingSine(nn.Module):
    """DETR's sine encoding of a map's (row, column), normalised to (0, 2 pi]; no weights."""

    def __init__(self, num_pos_feats: int, temperature: int = 10000) -> None:
        super().__init__()
        self.num_pos_feats = num_pos_feats // 2
        self.temperature = temperature
        self.scale = 2 * math.pi

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w = x.shape[0], x.shape[-2], x.shape[-1]
        eps = 1e-6
        y = torch.arange(1, h + 1, dtype=torch.float32).view(1, -1, 1).repeat(b, 1, w)
        x_ = torch.arange(1, w + 1, dtype=torch.float32).view(1, 1, -1).repeat(b, h, 1)
        y = y / (y[:, -1:, :] + eps) * self.scale
        x_ = x_ / (x_[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32)
        dim_t = self.temperature ** (2 * (dim_t // 2) / self.num_pos_feats)
        pos_x, pos_y = x_[..., None] / dim_t, y[..., None] / dim_t
        pos_x = torch.stack((pos_x[..., 0::2].sin(), pos_x[..., 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[..., 0::2].sin(), pos_y[..., 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class FpnNeck(nn.Module):
    def __init__(self, backbone_channel_list: tuple[int, ...], d_model: int = D_MODEL) -> None:
        super().__init__()
        self.position_encoding = PositionEmbeddingSine(d_model)
        self.backbone_channel_list = backbone_channel_list
        self.convs = nn.ModuleList()
        for dim in backbone_channel_list:
            lateral = nn.Sequential()
            lateral.add_module("conv", nn.Conv2d(dim, d_model, kernel_size=1))
            self.convs.append(lateral)

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        """Trunk maps (highest resolution first) -> neck maps, same order."""
        n = len(self.convs) - 1
        out: list = [None] * len(self.convs)
        previous = None
        for i in range(n, -1, -1):  # lowest resolution first
            lateral = self.convs[n - i](xs[i])
            if i in FPN_TOP_DOWN_LEVELS and previous is not None:
                lateral = lateral + F.interpolate(previous, scale_factor=2.0, mode="nearest")
            previous = out[i] = lateral
        return out


class ImageEncoder(nn.Module):
    """(B, 3, 1024, 1024) -> neck maps at stride 4, 8, 16 (the stride-32 level dropped)."""

    def __init__(self, config: HieraConfig) -> None:
        super().__init__()
        self.trunk = Hiera(config)
        self.neck = FpnNeck(config.channel_list)
        self.scalp = 1

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        return self.neck(self.trunk(image))[: -self.scalp]
