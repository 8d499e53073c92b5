"""The four SAM 2.1 sizes, as upstream's ``configs/sam2.1/sam2.1_hiera_*.yaml``
configure them. Only the Hiera trunk differs between sizes; the neck, the
prompt encoder, the mask decoder and the video parts are the same.

This module imports nothing heavy: the plugin registers every size from it
without torch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HieraConfig:
    """``sam2.modeling.backbones.hieradet.Hiera``'s arguments (upstream defaults
    where a yaml file leaves one out)."""

    embed_dim: int
    num_heads: int
    stages: tuple[int, ...]
    global_att_blocks: tuple[int, ...]
    window_pos_embed_bkg_spatial_size: tuple[int, int]
    window_spec: tuple[int, ...] = (8, 4, 14, 7)
    q_pool: int = 3
    q_stride: tuple[int, int] = (2, 2)
    dim_mul: float = 2.0
    head_mul: float = 2.0

    @property
    def channel_list(self) -> tuple[int, ...]:
        """The trunk's output channels, lowest resolution first (the neck's ``backbone_channel_list``)."""
        return tuple(int(self.embed_dim * self.dim_mul ** i) for i in reversed(range(len(self.stages))))


@dataclass(frozen=True)
class Size:
    name: str  # the model's and the segmenter's name
    title: str
    config: str  # upstream's config file, for the reference tests
    hiera: HieraConfig
    # for --segmenter auto, by encoder cost (bench/sam_family.py, GFLOP at 1024):
    # MobileSAM 100 (78), tiny 98 (292), small 97 (360), base-plus 96 (647),
    # SAM ViT-B 93 (972), large 92 (1823; ties SAM ViT-L's 92, and sorts before it by name)
    priority: int
    description: str


SIZES = {
    s.name: s
    for s in (
        Size("sam2.1-tiny", "SAM 2.1 Hiera-T", "configs/sam2.1/sam2.1_hiera_t.yaml",
             HieraConfig(96, 1, (1, 2, 7, 2), (5, 7, 9), (7, 7)), 98,
             "SAM 2.1 tiny (Hiera-T, 39 M parameters): the fastest SAM 2.1"),
        Size("sam2.1-small", "SAM 2.1 Hiera-S", "configs/sam2.1/sam2.1_hiera_s.yaml",
             HieraConfig(96, 1, (1, 2, 11, 2), (7, 10, 13), (7, 7)), 97,
             "SAM 2.1 small (Hiera-S, 46 M parameters)"),
        Size("sam2.1-base-plus", "SAM 2.1 Hiera-B+", "configs/sam2.1/sam2.1_hiera_b+.yaml",
             HieraConfig(112, 2, (2, 3, 16, 3), (12, 16, 20), (14, 14)), 96,
             "SAM 2.1 base-plus (Hiera-B+, 81 M parameters)"),
        Size("sam2.1-large", "SAM 2.1 Hiera-L", "configs/sam2.1/sam2.1_hiera_l.yaml",
             HieraConfig(144, 2, (2, 6, 36, 4), (23, 33, 43), (7, 7), window_spec=(8, 4, 16, 8)), 92,
             "SAM 2.1 large (Hiera-L, 224 M parameters): SAM 2.1's best masks, the slowest encoder"),
    )
}


def size(name: str) -> Size:
    return SIZES[name]
