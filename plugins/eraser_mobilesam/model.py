"""MobileSAM (``vit_t``) and SAM's ViT-B/L/H in PyTorch, written to be converted
to ONNX and Core ML: the family's public names, gathered from the modules
that each hold one part, as segment-anything's ``modeling/``:

``common`` (shared blocks), ``tiny_vit`` (MobileSAM's image encoder), ``vit``
(SAM's), ``prompt_encoder``, ``transformer``, ``mask_decoder``, ``sam`` (the
whole model), ``build`` (building and loading checkpoints) and ``wrappers``
(the three converted models' interfaces).

The module tree, parameter names and shapes are those of the official
MobileSAM code (ChaoningZhang/MobileSAM: ``mobile_sam/modeling``), so the
official ``mobile_sam.pt`` state dict loads unchanged with ``strict=True``.
The plain ``forward`` methods of the prompt encoder and mask decoder keep the
upstream computation (boolean indexing, padding point, ``repeat_interleave``,
multimask slicing); they are the reference the wrappers are tested against.

This module imports torch; the package's ``__init__`` must not import it.
"""

from eraser_mobilesam.common import LayerNorm2d, MLPBlock
from eraser_mobilesam.tiny_vit import (
    Conv2dBN, PatchEmbed, MBConv, PatchMerging, ConvLayer, Mlp, WindowAttention, TinyViTBlock, BasicLayer,
    TinyViT,
)
from eraser_mobilesam.prompt_encoder import (
    LABEL_PADDING, LABEL_NEGATIVE, LABEL_POSITIVE, LABEL_BOX_TOP_LEFT, LABEL_BOX_BOTTOM_RIGHT,
    PositionEmbeddingRandom, PromptEncoderModule,
)
from eraser_mobilesam.transformer import Attention, TwoWayAttentionBlock, TwoWayTransformer
from eraser_mobilesam.mask_decoder import NUM_MASK_TOKENS, MLP, MaskDecoderModule
from eraser_mobilesam.sam import MobileSAM
from eraser_mobilesam.build import build_mobile_sam, build_sam, load_checkpoint
from eraser_mobilesam.wrappers import (
    MAX_PROMPT_POINTS, ImageEncoder, PromptEncoder, MaskDecoder, MaskDecoderImage, MaskDecoderPrompt,
    image_positional_encoding,
)
from eraser_mobilesam.interface import EMBED_DIM, EMBED_SIZE, IMAGE_SIZE, LOW_RES_SIZE, PIXEL_MEAN, PIXEL_STD

__all__ = [
    "LayerNorm2d", "MLPBlock", "Conv2dBN", "PatchEmbed", "MBConv", "PatchMerging", "ConvLayer", "Mlp",
    "WindowAttention", "TinyViTBlock", "BasicLayer", "TinyViT", "LABEL_PADDING", "LABEL_NEGATIVE",
    "LABEL_POSITIVE", "LABEL_BOX_TOP_LEFT", "LABEL_BOX_BOTTOM_RIGHT", "PositionEmbeddingRandom",
    "PromptEncoderModule", "Attention", "TwoWayAttentionBlock", "TwoWayTransformer", "NUM_MASK_TOKENS", "MLP",
    "MaskDecoderModule", "MobileSAM", "build_mobile_sam", "build_sam", "load_checkpoint", "MAX_PROMPT_POINTS",
    "ImageEncoder", "PromptEncoder", "MaskDecoder", "MaskDecoderImage", "MaskDecoderPrompt",
    "image_positional_encoding", "EMBED_DIM", "EMBED_SIZE",
    "IMAGE_SIZE", "LOW_RES_SIZE", "PIXEL_MEAN", "PIXEL_STD",
]
