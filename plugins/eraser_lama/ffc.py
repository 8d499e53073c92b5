"""LaMa's Fast Fourier Convolution blocks: the spectral transform (a 1x1
convolution in the 2-D Fourier domain, with a matmul DFT for exporters that
have no FFT), FFC, and the residual FFC block. Imports torch."""

from __future__ import annotations

import math

import torch
from torch import nn



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
