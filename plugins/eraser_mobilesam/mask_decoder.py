"""SAM's mask decoder: the transformer over image and prompt tokens, the
upscaling and the hypernetwork MLPs, the IoU head. Imports torch."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from eraser_mobilesam import click_attention  # the click's cross attentions, reassociated
from eraser_mobilesam.common import LayerNorm2d
from eraser_mobilesam.interface import EMBED_DIM, EMBED_SIZE
from eraser_mobilesam.transformer import TwoWayTransformer


NUM_MASK_TOKENS = 4  # token 0: single-mask output, 1..3: multimask outputs


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        outs = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, outs))

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = F.relu(x)
        return x


class MaskDecoderModule(nn.Module):
    """SAM's mask decoder; ``forward`` is the upstream computation (the reference)."""

    def __init__(self, transformer_dim=EMBED_DIM, num_multimask_outputs=3, iou_head_depth=3, iou_head_hidden_dim=256,
                 embedding_size=EMBED_SIZE):
        super().__init__()
        self.transformer_dim = transformer_dim
        self.embedding_size = embedding_size
        self.transformer = TwoWayTransformer(2, transformer_dim, 8, 2048)
        self.num_multimask_outputs = num_multimask_outputs
        self.num_mask_tokens = num_multimask_outputs + 1
        self.iou_token = nn.Embedding(1, transformer_dim)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, transformer_dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(transformer_dim, transformer_dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(transformer_dim // 4),
            nn.GELU(),
            nn.ConvTranspose2d(transformer_dim // 4, transformer_dim // 8, kernel_size=2, stride=2),
            nn.GELU(),
        )
        self.output_hypernetworks_mlps = nn.ModuleList(
            [MLP(transformer_dim, transformer_dim, transformer_dim // 8, 3) for _ in range(self.num_mask_tokens)]
        )
        self.iou_prediction_head = MLP(transformer_dim, iou_head_hidden_dim, self.num_mask_tokens, iou_head_depth)

    def output_tokens(self) -> torch.Tensor:
        """IoU token then mask tokens: (1 + num_mask_tokens, C)."""
        return torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)

    def decode(self, src, pos_src, tokens):
        """Transformer + upscaling + heads on prepared inputs.

        src (B, C, 64, 64) image embedding plus dense prompt, pos_src (B or 1,
        C, 64, 64), tokens (B, 5 + N, C) -> masks (B, 4, 256, 256), iou (B, 4).
        """
        c, s = self.transformer_dim, self.embedding_size
        hs, src = self.transformer(src, pos_src, tokens)
        iou_token_out = hs[:, 0, :]
        mask_tokens_out = hs[:, 1 : 1 + self.num_mask_tokens, :]
        src = src.transpose(1, 2).reshape(-1, c, s, s)
        up = self.output_upscaling(src)
        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i, :]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1
        )
        up_c, up_s = c // 8, 4 * s
        masks = (hyper_in @ up.reshape(-1, up_c, up_s * up_s)).reshape(-1, self.num_mask_tokens, up_s, up_s)
        iou = self.iou_prediction_head(iou_token_out)
        return masks, iou

    # A click's decoder in two parts: image_side once per photo (the dense
    # prompt of a click is the no-mask embedding), prompt_side per click, its
    # upscaling channel last (see to_children and children_to_pixels).

    def image_side(self, image_embeddings, image_pe, dense):
        """What :meth:`decode` computes before it reads the prompt: the image
        tokens (1, 4096, C) of ``image_embeddings + dense`` and the first
        block's projections of them (keys, values, queries)."""
        keys = (image_embeddings + dense).flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        return (keys,) + self.transformer.layers[0].image_projections(keys, key_pe)

    def prompt_side(self, keys, projected, key_pe, sparse):
        """What :meth:`decode` gives (batch 1) from :meth:`image_side`'s
        outputs, the positional encoding as tokens (1, 4096, C) and the
        prompt's sparse embeddings; the cross attentions reassociated for few
        tokens (:mod:`eraser_mobilesam.click_attention`)."""
        tokens = torch.cat([self.output_tokens().unsqueeze(0), sparse], dim=1)
        hs, src = click_attention.attend(self.transformer, keys, key_pe, tokens, projected)
        dc1, ln1, act1, dc2, act2 = self.output_upscaling
        up = act1(F.layer_norm(to_children(src, dc1), tuple(ln1.weight.shape), ln1.weight, ln1.bias, ln1.eps))
        up = act2(to_children(up, dc2))  # (1, 65536, C / 8)
        mask_tokens_out = hs[:, 1: 1 + self.num_mask_tokens, :]
        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i, :]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1
        )
        masks = children_to_pixels(up @ hyper_in.transpose(1, 2), self.embedding_size, self.num_mask_tokens)
        return masks, self.iou_prediction_head(hs[:, 0, :])

    def predict_masks(self, image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings):
        """Upstream preparation: one row per prompt set, image repeated per row."""
        tokens = self.output_tokens().unsqueeze(0).expand(sparse_prompt_embeddings.size(0), -1, -1)
        tokens = torch.cat((tokens, sparse_prompt_embeddings), dim=1)
        src = torch.repeat_interleave(image_embeddings, tokens.shape[0], dim=0)
        src = src + dense_prompt_embeddings
        pos_src = torch.repeat_interleave(image_pe, tokens.shape[0], dim=0)
        return self.decode(src, pos_src, tokens)

    def forward(self, image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings,
                multimask_output: bool):
        masks, iou = self.predict_masks(image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings)
        sl = slice(1, None) if multimask_output else slice(0, 1)
        return masks[:, sl, :, :], iou[:, sl]


# The upscaling channel last: a 2x2 stride-2 transposed convolution maps each
# pixel to its four children, one matrix product; a child's index is its
# parent's times 4 plus 2 dy + dx, so after two of them the mask pixel
# (4y + 2dy + ey, 4x + 2dx + ex) is token (((64y + x) * 4 + 2dy + dx) * 4 + 2ey + ex).
# Shared with SAM 2.1's decoder (eraser_sam2.heads).


def to_children(x, conv: nn.ConvTranspose2d):
    """``conv`` (kernel 2, stride 2) on tokens (1, T, in) -> (1, 4 T, out)."""
    c_in, c_out = conv.weight.shape[:2]
    weight = conv.weight.permute(0, 2, 3, 1).reshape(c_in, 4 * c_out)
    # on a matrix, not (1, T, in): ONNX Runtime then adds the bias inside the product (Gemm)
    return (x.reshape(-1, c_in) @ weight + conv.bias.repeat(4)).reshape(x.shape[0], -1, c_out)


def children_to_pixels(tokens, side: int, m: int):
    """(1, 16 side^2, m) in the order of two :func:`to_children` -> (1, m, 4 side, 4 side)
    (the sizes given, not read: the exported graph's shapes are constants)."""
    masks = tokens.reshape(1, side, side, 2, 2, 2, 2, m).permute(0, 7, 1, 3, 5, 2, 4, 6)
    return masks.reshape(1, m, 4 * side, 4 * side)
