"""Random, well-scaled weights for a model of the real architecture.

The real checkpoints cannot be downloaded in tests, and a model straight from
its constructor has zeros and ones where the real one has learned values
(norm scales, biases, relative-position biases), so many paths would not
matter. ``randomize`` gives every parameter and float buffer a random value of
the scale a trained model has, from one seeded generator: the same seed, the
same weights. Needs torch (imported here only).
"""

from __future__ import annotations

import math


def _is_layer_norm(module) -> bool:
    # torch's LayerNorm, and the channel-first LayerNorm2d of the SAM family
    import torch

    return isinstance(module, torch.nn.LayerNorm) or type(module).__name__ == "LayerNorm2d"


def randomize(model, seed: int = 0):
    """Give every parameter and float buffer of ``model`` a random, well-scaled
    value (in place); returns ``model``."""
    import torch

    g = torch.Generator().manual_seed(seed)

    def rand(t, scale=1.0, offset=0.0):
        t.copy_(offset + scale * torch.randn(t.shape, generator=g))

    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                rand(mod.weight, 1 / math.sqrt(mod.weight[0].numel()))
            elif isinstance(mod, torch.nn.ConvTranspose2d):
                rand(mod.weight, 1 / math.sqrt(mod.weight.shape[0]))
            elif isinstance(mod, torch.nn.BatchNorm2d):
                rand(mod.weight, 0.2, 1.0)
                rand(mod.running_mean, 0.1)
                mod.running_var.copy_(0.5 + torch.rand(mod.running_var.shape, generator=g))
            elif _is_layer_norm(mod):
                rand(mod.weight, 0.1, 1.0)
            elif isinstance(mod, torch.nn.Embedding):
                rand(mod.weight)
            elif isinstance(getattr(mod, "attention_biases", None), torch.nn.Parameter):
                rand(mod.attention_biases, 0.5)  # TinyViT's window attention
            if isinstance(getattr(mod, "bias", None), torch.Tensor) and not isinstance(mod, torch.nn.Embedding):
                rand(mod.bias, 0.05)
    return model
