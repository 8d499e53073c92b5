"""The whole model: an image encoder, the prompt encoder and the mask decoder,
with SAM's pixel normalisation (``segment_anything.modeling.Sam``'s tree).
Imports torch."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from eraser_mobilesam.interface import IMAGE_SIZE, PIXEL_MEAN, PIXEL_STD
from eraser_mobilesam.mask_decoder import MaskDecoderModule
from eraser_mobilesam.prompt_encoder import PromptEncoderModule
from eraser_mobilesam.tiny_vit import TinyViT


class MobileSAM(nn.Module):
    """SAM with ``image_encoder``, ``prompt_encoder``, ``mask_decoder``: MobileSAM
    vit_t (TinyViT) by default, or SAM's ViT-B/L/H given their encoder
    (:func:`build_sam`); everything but the encoder is the same."""

    def __init__(self, image_encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.image_encoder = TinyViT() if image_encoder is None else image_encoder
        self.prompt_encoder = PromptEncoderModule()
        self.mask_decoder = MaskDecoderModule()
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN).view(-1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD).view(-1, 1, 1), persistent=False)

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, h, w) RGB 0..255, already resized (longest side 1024) -> normalised, padded bottom/right."""
        x = (x - self.pixel_mean) / self.pixel_std
        h, w = x.shape[-2:]
        return F.pad(x, (0, IMAGE_SIZE - w, 0, IMAGE_SIZE - h))

    @torch.no_grad()
    def predict_reference(self, image_embeddings, point_coords=None, point_labels=None, boxes=None,
                          mask_input=None, multimask_output=True):
        """The straightforward upstream computation (SamPredictor.predict_torch
        without postprocessing): low-res mask logits and IoU predictions."""
        points = None if point_coords is None else (point_coords, point_labels)
        sparse, dense = self.prompt_encoder(points=points, boxes=boxes, masks=mask_input)
        return self.mask_decoder(
            image_embeddings=image_embeddings,
            image_pe=self.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask_output,
        )
