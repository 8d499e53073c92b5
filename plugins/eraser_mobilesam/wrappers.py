"""The conversion wrappers: the three models with the seed app's interface
(ONNX and Core ML), with no boolean-index assignment and no
``repeat_interleave``; the decoder returns all four mask tokens' masks.
Imports torch."""

from __future__ import annotations

import torch
from torch import nn

from eraser_mobilesam.sam import MobileSAM


MAX_PROMPT_POINTS = 100  # upper bound of N in the converted models


class ImageEncoder(nn.Module):
    """``image`` (1, 3, 1024, 1024), normalised and padded -> ``imageEmbeddings`` (1, 256, 64, 64)."""

    input_names = ("image",)
    output_names = ("imageEmbeddings",)

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.encoder = model.image_encoder

    def forward(self, image):
        return self.encoder(image)


class PromptEncoder(nn.Module):
    """``points`` (1, N, 2) float32 pixel coords in the 1024 frame, ``labels`` (1, N) float32
    -> ``sparsePromptEmbeddings`` (1, N, 256), ``densePromptEmbeddings`` (1, 256, 64, 64).

    Labels: 1 positive, 0 negative, 2 box top-left, 3 box bottom-right,
    -1 padding. Append a padding point (0, 0, label -1) when there is no box,
    as SAM does.
    """

    input_names = ("points", "labels")
    output_names = ("sparsePromptEmbeddings", "densePromptEmbeddings")

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.prompt_encoder = model.prompt_encoder

    def forward(self, points, labels):
        sparse = self.prompt_encoder.embed_labelled_points(points, labels)
        return sparse, self.prompt_encoder.no_mask_dense()


class MaskDecoder(nn.Module):
    """``imageEmbeddings``, ``imagePositionalEncoding`` (1, 256, 64, 64),
    ``sparsePromptEmbeddings`` (1, N, 256), ``densePromptEmbeddings`` (1, 256, 64, 64)
    -> ``masks`` (1, 4, 256, 256) logits of all four mask tokens, ``iouPredictions`` (1, 4).

    Index 0 is SAM's single-mask output, 1..3 its multimask outputs.
    """

    input_names = ("imageEmbeddings", "imagePositionalEncoding", "sparsePromptEmbeddings", "densePromptEmbeddings")
    output_names = ("masks", "iouPredictions")

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.mask_decoder = model.mask_decoder

    def forward(self, image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings):
        # batch 1: no expand of the output tokens, no repeat_interleave of the image
        tokens = torch.cat([self.mask_decoder.output_tokens().unsqueeze(0), sparse_prompt_embeddings], dim=1)
        src = image_embeddings + dense_prompt_embeddings
        return self.mask_decoder.decode(src, image_pe, tokens)


class MaskDecoderImage(nn.Module):
    """The decoder's part a click does not change (its dense prompt is the
    no-mask embedding), once per photo: ``imageEmbeddings``,
    ``imagePositionalEncoding`` -> ``imageTokens`` (1, 4096, 256),
    ``imageKeys``, ``imageValues``, ``imageQueries`` (1, 4096, 128)."""

    input_names = ("imageEmbeddings", "imagePositionalEncoding")
    output_names = ("imageTokens", "imageKeys", "imageValues", "imageQueries")

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.mask_decoder, self.prompt_encoder = model.mask_decoder, model.prompt_encoder

    def forward(self, image_embeddings, image_pe):
        return self.mask_decoder.image_side(image_embeddings, image_pe, self.prompt_encoder.no_mask_dense())


class MaskDecoderPrompt(nn.Module):
    """The decoder's part a click runs, on ``MaskDecoderImage``'s outputs,
    ``positionalTokens`` (the positional encoding as (1, 4096, 256)) and
    ``sparsePromptEmbeddings``: what ``MaskDecoder`` gives for the no-mask dense prompt."""

    input_names = ("imageTokens", "imageKeys", "imageValues", "imageQueries", "positionalTokens",
                   "sparsePromptEmbeddings")
    output_names = ("masks", "iouPredictions")

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.mask_decoder = model.mask_decoder

    def forward(self, tokens, keys, values, queries, positional_tokens, sparse):
        return self.mask_decoder.prompt_side(tokens, (keys, values, queries), positional_tokens, sparse)


def image_positional_encoding(model: MobileSAM) -> torch.Tensor:
    """The (1, 256, 64, 64) positional encoding the mask decoder takes as ``imagePositionalEncoding``."""
    with torch.no_grad():
        return model.prompt_encoder.get_dense_pe().detach().clone()
