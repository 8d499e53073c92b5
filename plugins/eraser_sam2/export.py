"""SAM 2.1's graphs (see :mod:`eraser_sam2.interface`) as torch modules for
the exporters: ONNX templates (``make_templates``, ``eraser models convert``)
and CoreML packages of the image path. torch is imported by the modules this
one imports; eraser imports it only when a conversion runs.
"""

from __future__ import annotations

import torch
from torch import nn

from eraser_mobilesam.convert import DYNAMIC_AXES as SAM_DYNAMIC_AXES
from eraser_sam2.interface import EMBED_DIM, EMBED_SIZE, IMAGE_SIZE, MEM_DIM
from eraser_sam2.model import SAM2


class ImageEncoder(nn.Module):
    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.model = model

    def forward(self, image):
        return self.model.image_features(image)


class PromptEncoder(nn.Module):
    """Points (1, N, 2) in the 1024 frame and labels (1, N); the caller puts a
    box's corners (labels 2, 3) first and appends upstream's padding point
    (0, 0, label -1)."""

    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.prompt_encoder = model.sam_prompt_encoder

    def forward(self, points, labels):
        return self.prompt_encoder.embed_labelled_points(points, labels), self.prompt_encoder.no_mask_dense()


class MaskDecoder(nn.Module):
    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.decoder = model.sam_mask_decoder

    def forward(self, image_embeddings, feat_s0, feat_s1, image_pe, sparse, dense):
        return self.decoder.decode(image_embeddings, image_pe, sparse, dense, feat_s0, feat_s1)


class MaskDecoderImage(nn.Module):
    """The decoder's part a click does not change (the dense prompt is the
    no-mask embedding), run once per photo: see ``MaskDecoder.image_side``."""

    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.decoder, self.prompt_encoder = model.sam_mask_decoder, model.sam_prompt_encoder

    def forward(self, image_embeddings, feat_s0, feat_s1, image_pe):
        dense = self.prompt_encoder.no_mask_dense()
        return self.decoder.image_side(image_embeddings, image_pe, dense) + self.decoder.skip_tokens(feat_s0, feat_s1)


class MaskDecoderPrompt(nn.Module):
    """The decoder's part a click runs, on ``MaskDecoderImage``'s outputs:
    what ``MaskDecoder`` gives for the no-mask dense prompt."""

    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.decoder = model.sam_mask_decoder

    def forward(self, tokens, keys, values, queries, s0_tokens, s1_tokens, positional_tokens, sparse):
        return self.decoder.prompt_side(tokens, (keys, values, queries), positional_tokens, sparse, s0_tokens, s1_tokens)


class MemoryEncoder(nn.Module):
    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.memory_encoder = model.memory_encoder

    def forward(self, pix_feat, mask_for_memory):
        return self.memory_encoder(pix_feat, mask_for_memory)


class MemoryAttention(nn.Module):
    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.memory_attention = model.memory_attention

    def forward(self, curr, curr_pos, maps, maps_pos, pointers, pointers_pos):
        return self.memory_attention.forward_parts(curr, curr_pos, maps, maps_pos, pointers, pointers_pos)


class TrackerHeads(nn.Module):
    """``obj_ptr_proj`` (mask tokens -> object pointers), ``obj_ptr_tpos_proj``
    (temporal encodings -> 64 channels), ``mask_downsample`` (a 1024 mask to
    256), the prompt encoder's ``mask_downscaling`` (a 256x256 mask prompt, such
    as an earlier frame's logits, to a dense prompt embedding) and the learned
    embeddings, as outputs."""

    def __init__(self, model: SAM2) -> None:
        super().__init__()
        self.model = model

    def forward(self, mask_tokens, temporal_encoding, mask_logits, mask_prompt):
        m = self.model
        # the "+ 0" gives each constant output a node of its own (an output may not be an initializer's name)
        return (m.obj_ptr_proj(mask_tokens), m.obj_ptr_tpos_proj(temporal_encoding), m.mask_downsample(mask_logits),
                m.sam_prompt_encoder.mask_downscaling(mask_prompt),
                m.no_mem_embed + 0, m.no_mem_pos_enc + 0, m.maskmem_tpos_enc + 0, m.no_obj_ptr + 0,
                m.no_obj_embed_spatial + 0)


WRAPPERS = {"ImageEncoder": ImageEncoder, "PromptEncoder": PromptEncoder, "MaskDecoder": MaskDecoder,
            "MaskDecoderImage": MaskDecoderImage, "MaskDecoderPrompt": MaskDecoderPrompt,
            "MemoryEncoder": MemoryEncoder, "MemoryAttention": MemoryAttention, "TrackerHeads": TrackerHeads}

DYNAMIC_AXES = {
    **SAM_DYNAMIC_AXES,  # the image path's graphs take SAM's inputs
    "MemoryEncoder": None,
    "MemoryAttention": {"memoryMaps": {1: "M"}, "memoryMapsPositionalEncoding": {1: "M"},
                        "objectPointers": {1: "P"}, "objectPointersPositionalEncoding": {1: "P"}},
    "TrackerHeads": {"maskTokens": {1: "K"}, "temporalEncoding": {1: "K"}, "objectPointers": {1: "K"},
                     "temporalProjection": {1: "K"}},
}


def example_inputs(model: SAM2) -> dict:
    """Inputs to trace each wrapper with, by stem (any N, M, P, K works afterwards)."""
    g = torch.Generator().manual_seed(0)
    grid = (1, EMBED_DIM, EMBED_SIZE, EMBED_SIZE)
    tokens = EMBED_SIZE * EMBED_SIZE
    heads = (1, 8, tokens, EMBED_DIM // 2 // 8)  # the cross attentions: 8 heads of half the channels
    return {
        "ImageEncoder": (torch.randn((1, 3, IMAGE_SIZE, IMAGE_SIZE), generator=g),),
        "PromptEncoder": (torch.rand((1, 3, 2), generator=g) * IMAGE_SIZE, torch.tensor([[2.0, 3.0, 1.0]])),
        "MaskDecoder": (torch.randn(grid, generator=g), torch.randn((1, 32, 256, 256), generator=g),
                        torch.randn((1, 64, 128, 128), generator=g), torch.randn(grid, generator=g),
                        torch.randn((1, 3, EMBED_DIM), generator=g), torch.randn(grid, generator=g)),
        "MaskDecoderImage": (torch.randn(grid, generator=g), torch.randn((1, 32, 256, 256), generator=g),
                             torch.randn((1, 64, 128, 128), generator=g), torch.randn(grid, generator=g)),
        "MaskDecoderPrompt": (torch.randn((1, tokens, EMBED_DIM), generator=g),
                              *(torch.randn(heads, generator=g) for _ in range(3)),
                              torch.randn((1, 16 * tokens, 32), generator=g), torch.randn((1, 4 * tokens, 64), generator=g),
                              torch.randn((1, tokens, EMBED_DIM), generator=g), torch.randn((1, 3, EMBED_DIM), generator=g)),
        "MemoryEncoder": (torch.randn(grid, generator=g), torch.randn((1, 1, IMAGE_SIZE, IMAGE_SIZE), generator=g)),
        "MemoryAttention": (torch.randn((1, tokens, EMBED_DIM), generator=g), torch.randn((1, tokens, EMBED_DIM), generator=g),
                            torch.randn((1, 2 * tokens, MEM_DIM), generator=g), torch.randn((1, 2 * tokens, MEM_DIM), generator=g),
                            torch.randn((1, 4, MEM_DIM), generator=g), torch.randn((1, 4, MEM_DIM), generator=g)),
        "TrackerHeads": (torch.randn((1, 2, EMBED_DIM), generator=g), torch.randn((1, 2, EMBED_DIM), generator=g),
                         torch.randn((1, 1, IMAGE_SIZE, IMAGE_SIZE), generator=g),
                         torch.randn((1, 1, 4 * EMBED_SIZE, 4 * EMBED_SIZE), generator=g)),
    }
