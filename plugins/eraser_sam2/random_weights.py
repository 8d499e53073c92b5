"""Random SAM 2.1 checkpoints for the tests and the bench: the real
architecture and upstream's key names, seeded, well scaled (activations stay
of order 1 through the trunk), saved as Meta's files are (``{"model": state_dict}``)."""

from __future__ import annotations

import math

import torch  # imported by the tests and the bench only, where torch is installed

from eraser_sam2.common import LayerNorm2d
from eraser_sam2.model import SAM2, build_sam2


def randomize(model: SAM2, seed: int = 0) -> SAM2:
    g = torch.Generator().manual_seed(seed)

    def rand(t, scale=1.0, offset=0.0):
        t.copy_(offset + scale * torch.randn(t.shape, generator=g))

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                rand(module.weight, 1 / math.sqrt(module.weight[0].numel()))
                if module.bias is not None:
                    rand(module.bias, 0.02)
            elif isinstance(module, torch.nn.ConvTranspose2d):
                rand(module.weight, 1 / math.sqrt(module.weight.shape[0]))
                rand(module.bias, 0.02)
            elif isinstance(module, (torch.nn.LayerNorm, LayerNorm2d)):
                rand(module.weight, 0.1, 1.0)
                rand(module.bias, 0.02)
            elif isinstance(module, torch.nn.Embedding):
                rand(module.weight)
        for name, param in model.named_parameters(recurse=True):
            if "." not in name.replace("image_encoder.trunk.", "") or name.endswith(("pos_embed", "pos_embed_window", ".gamma")):
                rand(param, 0.1)  # the learned embeddings upstream initialises with zeros or 1e-6
    return model


def random_model(name: str = "sam2.1-tiny", seed: int = 0, mask_gain: float = 1.0) -> SAM2:
    """``mask_gain`` scales the hypernetwork outputs: random weights give
    mask logits whose spread depends on the draw; the tests pick a gain that
    makes masks neither empty nor full."""
    model = randomize(build_sam2(name), seed)
    with torch.no_grad():
        for mlp in model.sam_mask_decoder.output_hypernetworks_mlps:
            mlp.layers[-1].weight.mul_(mask_gain)
            mlp.layers[-1].bias.mul_(mask_gain)
    return model


def save_checkpoint(model: SAM2, path) -> None:
    torch.save({"model": model.state_dict()}, path)
