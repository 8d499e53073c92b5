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
import math
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from eraser.errors import EraserError
from eraser_lama.weights import (  # noqa: F401  (re-exported: the torch-free half)
    BIG_LAMA_CONFIG, LIGHTNING_PREFIX, TORCHSCRIPT_PREFIX, extract_generator_state, infer_config, read_checkpoint)




# --------------------------------------------------------------------------
# building blocks


def _dft_basis(n: int, k: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of 2*pi*j*m/n for j < k, m < n (shape (k, n)), built from
    the (possibly symbolic) size so an exported graph keeps dynamic sizes.
    ``j*m mod n`` keeps the angles small and exact in float32."""
    j = torch.arange(k, device=like.device).unsqueeze(1)
    m = torch.arange(n, device=like.device).unsqueeze(0)
    # n as a tensor: the ONNX exporter cannot mix a symbolic size into remainder()
    size = torch.ones((), dtype=torch.int64, device=like.device) * n
    jm = j * m
    jm = jm - torch.div(jm, size, rounding_mode="floor") * size
    angle = jm.to(like.dtype) * (2 * math.pi) / size.to(like.dtype)
    return torch.cos(angle), torch.sin(angle)


def rfft2_ortho_matmul(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")`` as real matrix
    products: (real, imag), each (..., h, w//2+1)."""
    h, w = x.shape[-2], x.shape[-1]
    cw, sw = _dft_basis(w, w // 2 + 1, x)
    ch, sh = _dft_basis(h, h, x)
    a_re, a_im = x @ cw.T, -(x @ sw.T)  # along the width: real -> half spectrum
    scale = 1.0 / torch.sqrt(torch.tensor(h * w, dtype=x.dtype))
    # along the height, (C - iS)(A_re + i A_im)
    return (ch @ a_re + sh @ a_im) * scale, (ch @ a_im - sh @ a_re) * scale


def irfft2_ortho_matmul(re: torch.Tensor, im: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """``torch.fft.irfftn(complex(re, im), s=(h, w), dim=(-2, -1), norm="ortho")``
    as real matrix products."""
    wf = w // 2 + 1
    ch, sh = _dft_basis(h, h, re)
    g_re, g_im = ch @ re - sh @ im, ch @ im + sh @ re  # along the height, (C + iS)(Y)
    cw, sw = _dft_basis(w, wf, re)
    # Hermitian symmetry: bins other than 0 and w/2 stand for two.
    k = torch.arange(wf, device=re.device)
    weight = torch.where((k == 0) | (2 * k == w), 1.0, 2.0).to(re.dtype).unsqueeze(1)
    scale = 1.0 / torch.sqrt(torch.tensor(h * w, dtype=re.dtype))
    return (g_re @ (weight * cw) - g_im @ (weight * sw)) * scale


class FourierUnit(nn.Module):
    """1x1 convolution + BN + ReLU on the real FFT of the input.

    The spectrum's real and imaginary parts are interleaved along channels
    (channel 2c is Re of input channel c, 2c+1 its Im), as upstream does, so
    the checkpoint's ``conv_layer`` weights apply unchanged.

    ``matmul_dft`` computes the transforms as matrix products instead of
    torch.fft: the ONNX export sets it, because onnxruntime's DFT operator
    took a third of big-lama's time on CPU while these products cost a few
    percent (same result within float32 rounding).
    """

    def __init__(self, channels: int, fft_norm: str = "ortho") -> None:
        super().__init__()
        self.conv_layer = nn.Conv2d(2 * channels, 2 * channels, kernel_size=1, bias=False)
        self.bn = nn.BatchNorm2d(2 * channels)
        self.relu = nn.ReLU(inplace=True)
        self.fft_norm = fft_norm
        self.matmul_dft = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        if self.matmul_dft and self.fft_norm == "ortho":
            re, im = rfft2_ortho_matmul(x)
        else:
            spec = torch.fft.rfftn(x, dim=(-2, -1), norm=self.fft_norm)  # (b, c, h, w//2+1) complex
            re, im = spec.real, spec.imag
        wf = re.shape[-1]
        # (b, c, h, wf, 2) -> (b, c, 2, h, wf) -> (b, 2c, h, wf)
        ri = torch.stack((re, im), dim=-1)
        ri = ri.permute(0, 1, 4, 2, 3).reshape(b, 2 * c, h, wf)
        ri = self.relu(self.bn(self.conv_layer(ri)))
        # back: (b, 2c, h, wf) -> (b, c, 2, h, wf)
        ri = ri.reshape(b, c, 2, h, wf)
        if self.matmul_dft and self.fft_norm == "ortho":
            return irfft2_ortho_matmul(ri[:, :, 0], ri[:, :, 1], h, w)
        spec = torch.complex(ri[:, :, 0], ri[:, :, 1])
        return torch.fft.irfftn(spec, s=(h, w), dim=(-2, -1), norm=self.fft_norm)


class SpectralTransform(nn.Module):
    """The global-to-global path: 1x1 down to half the channels, Fourier unit,
    residual, 1x1 back up. (big-lama has no local Fourier unit: enable_lfu is
    false, so there is no ``lfu`` submodule.)"""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        half = out_channels // 2
        self.downsample = nn.AvgPool2d(kernel_size=2, stride=2) if stride == 2 else nn.Identity()
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, half, kernel_size=1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
        )
        self.fu = FourierUnit(half)
        self.conv2 = nn.Conv2d(half, out_channels, kernel_size=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(self.downsample(x))
        return self.conv2(x + self.fu(x))


def _split(channels: int, ratio_g: float) -> tuple[int, int]:
    """(local, global) channel counts, as upstream: global = int(c * ratio)."""
    g = int(channels * ratio_g)
    return channels - g, g


class FFC(nn.Module):
    """Fast Fourier Convolution: four paths between local (l) and global (g)
    channel groups. A path whose input or output group is empty does not
    exist (upstream makes it an ``nn.Identity``, which holds no weights)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        ratio_gin: float,
        ratio_gout: float,
        stride: int = 1,
        padding: int = 0,
        padding_type: str = "reflect",
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError("FFC stride must be 1 or 2")
        in_cl, in_cg = _split(in_channels, ratio_gin)
        out_cl, out_cg = _split(out_channels, ratio_gout)
        if in_cl == 0 or out_cl == 0:
            # upstream's nn.Identity stand-ins would pass tensors through
            # unchanged here; big-lama never has an empty local group.
            raise ValueError("ratios of 1 (no local channels) are not supported")
        self.in_cl, self.in_cg, self.out_cl, self.out_cg = in_cl, in_cg, out_cl, out_cg

        def conv(cin: int, cout: int) -> nn.Conv2d:
            return nn.Conv2d(cin, cout, kernel_size, stride, padding, bias=False, padding_mode=padding_type)

        self.convl2l = conv(in_cl, out_cl)
        self.convl2g = conv(in_cl, out_cg) if out_cg else None
        self.convg2l = conv(in_cg, out_cl) if in_cg else None
        self.convg2g = SpectralTransform(in_cg, out_cg, stride) if in_cg and out_cg else None

    def forward(
        self, x_l: torch.Tensor, x_g: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        out_l = self.convl2l(x_l)
        if self.convg2l is not None and x_g is not None:
            out_l = out_l + self.convg2l(x_g)
        out_g = None
        if self.out_cg:
            out_g = self.convl2g(x_l)
            if self.convg2g is not None and x_g is not None:
                out_g = out_g + self.convg2g(x_g)
        return out_l, out_g


class FFCBlock(nn.Module):
    """FFC followed by BatchNorm and ReLU on each group (upstream FFC_BN_ACT).

    Takes a tensor (all local) or a ``(local, global)`` pair; returns a pair
    whose global part is ``None`` when the block has no global outputs.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, ratio_gin: float,
                 ratio_gout: float, stride: int = 1, padding: int = 0) -> None:
        super().__init__()
        self.ffc = FFC(in_channels, out_channels, kernel_size, ratio_gin, ratio_gout, stride, padding)
        self.bn_l = nn.BatchNorm2d(self.ffc.out_cl)
        self.act_l = nn.ReLU(inplace=True)
        if self.ffc.out_cg:
            self.bn_g = nn.BatchNorm2d(self.ffc.out_cg)
            self.act_g = nn.ReLU(inplace=True)
        else:
            self.bn_g = None
            self.act_g = None

    def forward(self, x):
        x_l, x_g = x if isinstance(x, tuple) else (x, None)
        y_l, y_g = self.ffc(x_l, x_g)
        y_l = self.act_l(self.bn_l(y_l))
        if y_g is not None:
            y_g = self.act_g(self.bn_g(y_g))
        return y_l, y_g


class FFCResnetBlock(nn.Module):
    """Two 3x3 FFC blocks with a residual connection on both groups."""

    def __init__(self, dim: int, ratio_g: float) -> None:
        super().__init__()
        self.conv1 = FFCBlock(dim, dim, 3, ratio_g, ratio_g, padding=1)
        self.conv2 = FFCBlock(dim, dim, 3, ratio_g, ratio_g, padding=1)

    def forward(self, x):
        x_l, x_g = x if isinstance(x, tuple) else (x, None)
        y_l, y_g = self.conv2(self.conv1((x_l, x_g)))
        return x_l + y_l, (None if x_g is None else x_g + y_g)


class ConcatGroups(nn.Module):
    """(local, global) -> one tensor, local channels first."""

    def forward(self, x):
        x_l, x_g = x if isinstance(x, tuple) else (x, None)
        return x_l if x_g is None else torch.cat((x_l, x_g), dim=1)


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
