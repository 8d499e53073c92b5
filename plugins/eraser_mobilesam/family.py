"""The SAM family eraser runs: MobileSAM and the original SAM ViT-B, ViT-L, ViT-H.

All four share SAM's prompt encoder, mask decoder, pre- and post-processing
(1024 input, 256x64x64 embedding); only the image encoder differs: MobileSAM's
TinyViT, or SAM's ViT configured by size. This module imports nothing heavy:
the plugin registers every variant from it without torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ViTConfig:
    """SAM's ``ImageEncoderViT`` as ``segment_anything.build_sam`` builds it."""

    embed_dim: int
    depth: int
    num_heads: int
    global_attn_indexes: tuple[int, ...]
    window_size: int = 14
    patch_size: int = 16
    mlp_ratio: int = 4


@dataclass(frozen=True)
class Variant:
    name: str  # the segmenter's and the model's name
    title: str
    vit: Optional[ViTConfig]  # None: MobileSAM's TinyViT
    priority: int  # for --segmenter auto: the fast one first, then by size
    description: str

    @property
    def template_prefix(self) -> str:
        """The shipped ImageEncoder template's file-name prefix ('' for MobileSAM's)."""
        return "" if self.vit is None else f"{self.name}."


VARIANTS = {
    v.name: v
    for v in (
        Variant("mobile-sam", "MobileSAM vit_t", None, 100,
                "MobileSAM (CoreML on macOS, ONNX Runtime elsewhere): points, excluded points and boxes"),
        Variant("sam-vit-b", "SAM ViT-B", ViTConfig(768, 12, 12, (2, 5, 8, 11)), 93,
                "SAM ViT-B (the original SAM, smallest encoder): finer edges than MobileSAM, slower clicks"),
        Variant("sam-vit-l", "SAM ViT-L", ViTConfig(1024, 24, 16, (5, 11, 17, 23)), 92,
                "SAM ViT-L: close to ViT-H's masks at about half its cost"),
        Variant("sam-vit-h", "SAM ViT-H", ViTConfig(1280, 32, 16, (7, 15, 23, 31)), 91,
                "SAM ViT-H: SAM's best masks; the slowest, 2.5 GB of weights"),
    )
}


def variant(name: str) -> Variant:
    return VARIANTS[name]
