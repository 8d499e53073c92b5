"""The big-lama generator (an FFC-ResNet) in plain PyTorch.

LaMa ("Resolution-robust Large Mask Inpainting with Fourier Convolutions",
Suvorov et al., 2021; https://github.com/advimman/lama) inpaints with a
ResNet whose blocks are Fast Fourier Convolutions: each block splits its
channels into a *local* part (ordinary 3x3 convolutions) and a *global* part
(a 1x1 convolution in the 2-D Fourier domain, so every output pixel sees the
whole image).

This module rebuilds the generator so that its ``state_dict`` keys and
shapes are exactly those of the official checkpoints:

* the Lightning checkpoint ``big-lama/models/best.ckpt``: keys
  ``generator.model.<i>...`` inside ``ckpt["state_dict"]`` (next to
  ``discriminator.*`` and loss weights, which are ignored);
* the TorchScript ``big-lama.pt`` that IOPaint / lama-cleaner download
  (``Sanster/models`` release ``add_big_lama``): a trace of advimman/lama's
  ``bin/to_jit.py`` ``JITWrapper(DefaultInpaintingTrainingModule)``, so its
  keys are ``model.generator.model.<i>...`` and its ``forward(image, mask)``
  masks, concatenates and composites by itself (see :class:`BigLamaJitLayout`);
* a plain ``state_dict`` with any of those prefixes or none.

Layout of ``LamaGenerator.model`` (an ``nn.Sequential``; for big-lama,
``n_downsampling=3`` and ``n_blocks=18``)::

    0            ReflectionPad2d(3)
    1            FFC 7x7, input_nc -> ngf, all local
    2..1+n_down  FFC 3x3 stride 2 (the last one turns 75 % of channels global)
    ...          n_blocks residual FFC blocks (conv1, conv2)
    next         concatenation of the local and global parts (no weights)
    next 3*n     ConvTranspose2d, BatchNorm2d, ReLU per upsampling
    last 3       ReflectionPad2d(3), Conv2d 7x7 ngf -> output_nc, Sigmoid

Only torch is needed; nothing here downloads anything.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from eraser.errors import EraserError
from eraser_lama.ffc import FFCBlock, FFCResnetBlock, ConcatGroups
from eraser_lama.weights import (  # noqa: F401  (re-exported: the torch-free half)
    BIG_LAMA_CONFIG, LIGHTNING_PREFIX, TORCHSCRIPT_PREFIX, extract_generator_state, infer_config, read_checkpoint)


# --------------------------------------------------------------------------
# the generator


class LamaGenerator(nn.Module):
    """LaMa's FFCResNetGenerator; defaults are big-lama's configuration.

    ``forward(x)`` takes ``(N, input_nc, H, W)``: for big-lama the RGB image
    in [0, 1] with the hole zeroed (``image * (1 - mask)``) and the binary
    mask as a fourth channel; H and W must be multiples of ``2 **
    n_downsampling`` (8). Returns ``(N, output_nc, H, W)`` RGB in [0, 1] (the
    raw prediction for the whole frame, not composited).
    """

    def __init__(
        self,
        input_nc: int = 4,
        output_nc: int = 3,
        ngf: int = 64,
        n_downsampling: int = 3,
        n_blocks: int = 18,
        ratio_g: float = 0.75,
        max_features: int = 1024,
    ) -> None:
        super().__init__()
        if n_downsampling < 1 or n_blocks < 0 or not 0 <= ratio_g < 1:
            raise ValueError("need n_downsampling >= 1, n_blocks >= 0, 0 <= ratio_g < 1")
        self.config = {"input_nc": input_nc, "output_nc": output_nc, "ngf": ngf, "n_downsampling": n_downsampling,
                       "n_blocks": n_blocks, "ratio_g": ratio_g, "max_features": max_features}

        def feats(n: int) -> int:
            return min(max_features, n)

        layers: list[nn.Module] = [nn.ReflectionPad2d(3), FFCBlock(input_nc, ngf, 7, 0, 0)]
        for i in range(n_downsampling):
            last = i == n_downsampling - 1
            layers.append(FFCBlock(feats(ngf * 2**i), feats(ngf * 2 ** (i + 1)), 3, 0,
                                   ratio_g if last else 0, stride=2, padding=1))
        dim = feats(ngf * 2**n_downsampling)
        layers += [FFCResnetBlock(dim, ratio_g) for _ in range(n_blocks)]
        layers.append(ConcatGroups())
        for i in range(n_downsampling):
            mult = 2 ** (n_downsampling - i)
            cin, cout = feats(ngf * mult), feats(ngf * mult // 2)
            layers += [nn.ConvTranspose2d(cin, cout, kernel_size=3, stride=2, padding=1, output_padding=1),
                       nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, kernel_size=7), nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    @property
    def multiple(self) -> int:
        """Input height and width must be multiples of this."""
        return 2 ** self.config["n_downsampling"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class InpaintWrapper(nn.Module):
    """``forward(image, mask)`` around a generator, as upstream's
    DefaultInpaintingTrainingModule does at predict time: zero the hole,
    append the mask, run the generator, and (``composite=True``) keep the
    known pixels: ``mask * pred + (1 - mask) * image``.

    ``image``: (N, 3, H, W) float RGB in [0, 1]; ``mask``: (N, 1, H, W) float,
    1 = fill, 0 = keep (binarize before). Returns (N, 3, H, W) in [0, 1].
    """

    def __init__(self, generator: LamaGenerator, composite: bool = True) -> None:
        super().__init__()
        self.generator = generator
        self.composite = composite

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = 1 - mask
        pred = self.generator(torch.cat((image * keep, mask), dim=1))
        if self.composite:
            return mask * pred + keep * image
        return pred


class BigLamaJitLayout(nn.Module):
    """The module layout of the public TorchScript ``big-lama.pt``: a wrapper
    whose ``model`` is the training module, whose ``generator`` is the
    FFC-ResNet; so ``state_dict`` keys are ``model.generator.model.<i>...``
    and ``forward(image, mask)`` returns the composited result in [0, 1].
    Used to make stand-ins of that file for tests."""

    def __init__(self, generator: LamaGenerator) -> None:
        super().__init__()
        self.model = InpaintWrapper(generator, composite=True)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model(image, mask)


def build_big_lama() -> LamaGenerator:
    """A randomly initialised generator with big-lama's configuration (about
    51M parameters), in eval mode."""
    return LamaGenerator(**BIG_LAMA_CONFIG).eval()


# --------------------------------------------------------------------------
# loading checkpoints

def load_state(model: LamaGenerator, state: dict[str, torch.Tensor], source: str = "checkpoint") -> None:
    """Load a prefix-free generator state dict, strictly, with clear errors."""
    own = model.state_dict()
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own]
    wrong = [f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}" for k, v in own.items()
             if k in state and tuple(state[k].shape) != tuple(v.shape)]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
    if wrong:
        problems.append(f"{len(wrong)} of another shape (e.g. {'; '.join(wrong[:2])})")
    if problems:
        raise EraserError(f"{source} does not fit the LaMa generator: " + "; ".join(problems))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()},
                          strict=False)


def load_checkpoint(path: str | os.PathLike, config: dict[str, Any] | None = None) -> LamaGenerator:
    """A generator in eval mode with the weights of ``path``.

    ``path`` may be the Lightning checkpoint (``best.ckpt``: weights under
    ``state_dict`` as ``generator.*``), the TorchScript ``big-lama.pt``
    (``model.generator.*``), or a ``torch.save``-d state dict (those prefixes
    or none). Files are read by :mod:`eraser.checkpoints` (no torch.load, no
    code run); other objects in a Lightning checkpoint (its hyper-parameters)
    are replaced by inert placeholders. ``config``: the generator's keyword arguments; by
    default read from the weights (big-lama's for the official files).

    Raises EraserError when the file is missing, unreadable, or its weights
    do not fit.
    """
    p = Path(path)
    state, kind = read_checkpoint(p)
    gen_state = {k: torch.from_numpy(v) for k, v in extract_generator_state(state).items()}
    if config is None:
        config = infer_config(gen_state)
    model = LamaGenerator(**config)
    load_state(model, gen_state, source=f"{p.name} ({kind})")
    return model.eval()


def save_lightning_checkpoint(model: LamaGenerator, path: str | os.PathLike, extra: dict | None = None) -> None:
    """Write ``model`` as a Lightning-style checkpoint (``state_dict`` with
    ``generator.`` keys), as upstream's best.ckpt stores it."""
    ckpt = {"epoch": 0, "global_step": 0, "pytorch-lightning_version": "1.2.9",
            "state_dict": {LIGHTNING_PREFIX + k: v for k, v in model.state_dict().items()}}
    ckpt.update(extra or {})
    torch.save(ckpt, path)


def save_torchscript(model: LamaGenerator, path: str | os.PathLike, size: tuple[int, int] = (64, 64)) -> None:
    """Trace ``model`` in big-lama.pt's layout (:class:`BigLamaJitLayout`)
    and save it, as upstream's bin/to_jit.py does."""
    wrapper = BigLamaJitLayout(model).eval()
    h, w = size
    image = torch.rand(1, 3, h, w)
    mask = (torch.rand(1, 1, h, w) > 0.5).float()
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, (image, mask), strict=False, check_trace=False)
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    Path(path).write_bytes(buf.getvalue())
