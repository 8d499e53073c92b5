"""Blocks SAM 2.1's parts share (upstream ``sam2.modeling.sam2_utils``): the
channel-first LayerNorm (the very block MobileSAM's encoders use, taken from
there) and the small MLP whose layers are ``layers.N``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from eraser_mobilesam.common import LayerNorm2d  # noqa: F401  (part of this module's blocks)


class MLP(nn.Module):
    """``num_layers`` linear layers with an activation between them (none after the last)."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, num_layers: int,
                 activation: type[nn.Module] = nn.ReLU, sigmoid_output: bool = False) -> None:
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.act = activation()
        self.sigmoid_output = sigmoid_output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == last else self.act(layer(x))
        return F.sigmoid(x) if self.sigmoid_output else x
