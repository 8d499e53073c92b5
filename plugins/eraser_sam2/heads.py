"""SAM 2.1's mask decoder (upstream ``sam2.modeling.sam``; its prompt encoder
is SAM's, unchanged: ``eraser_mobilesam.prompt_encoder``, the same parameter names).

The decoder is SAM's two-way transformer (``eraser_mobilesam.transformer``,
with this module's attention and SAM 2's MLP) with three SAM 2 additions: an
object-score token (is the object in the frame at all), high-resolution
skips (the stride-4 and stride-8 neck maps, projected by ``conv_s0``/``conv_s1``,
added while upscaling) and sigmoid IoU predictions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from eraser_mobilesam.mask_decoder import children_to_pixels, to_children  # the channel-last upscaling
from eraser_mobilesam.transformer import TwoWayTransformer  # SAM's, with SAM 2's attention and MLP
from eraser_mobilesam import click_attention  # the click's cross attentions, reassociated
from eraser_sam2.common import MLP, LayerNorm2d
from eraser_sam2.interface import EMBED_DIM, EMBED_SIZE


class Attention(nn.Module):
    """Multi-head attention whose projections may shrink the channels (``downsample_rate``)."""

    def __init__(self, embedding_dim: int, num_heads: int, downsample_rate: int = 1, kv_in_dim: int | None = None) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.internal_dim = embedding_dim // downsample_rate
        kv_in_dim = embedding_dim if kv_in_dim is None else kv_in_dim
        self.q_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.k_proj = nn.Linear(kv_in_dim, self.internal_dim)
        self.v_proj = nn.Linear(kv_in_dim, self.internal_dim)
        self.out_proj = nn.Linear(self.internal_dim, embedding_dim)

    def heads(self, x: torch.Tensor) -> torch.Tensor:
        # the channels per head as a constant (not -1): an exported graph then
        # also takes no tokens at all (a tracker's first frame has no object pointers)
        return x.reshape(x.shape[0], x.shape[1], self.num_heads, self.internal_dim // self.num_heads).transpose(1, 2)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        out = F.scaled_dot_product_attention(q, k, v)
        b, h, n, c = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, h * c))

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return self.attend(self.heads(self.q_proj(q)), self.heads(self.k_proj(k)), self.heads(self.v_proj(v)))


def two_layer_mlp(embedding_dim: int, mlp_dim: int) -> MLP:
    """The two-way blocks' MLP in SAM 2 (``layers.0``, ``layers.1``; SAM's is ``lin1``, ``lin2``)."""
    return MLP(embedding_dim, mlp_dim, embedding_dim, num_layers=2)


class MaskDecoder(nn.Module):
    """Four mask tokens (0: single mask; 1-3: the multimask outputs), an IoU
    token and an object-score token, decoded against the image embedding."""

    def __init__(self, transformer_dim: int = EMBED_DIM, num_multimask_outputs: int = 3) -> None:
        super().__init__()
        d = transformer_dim
        self.num_mask_tokens = num_multimask_outputs + 1
        self.transformer = TwoWayTransformer(embedding_dim=d, attention=Attention, mlp=two_layer_mlp)
        self.iou_token = nn.Embedding(1, d)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, d)
        self.obj_score_token = nn.Embedding(1, d)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(d, d // 4, kernel_size=2, stride=2),
            LayerNorm2d(d // 4),
            nn.GELU(),
            nn.ConvTranspose2d(d // 4, d // 8, kernel_size=2, stride=2),
            nn.GELU(),
        )
        self.conv_s0 = nn.Conv2d(d, d // 8, kernel_size=1)  # stride-4 skip
        self.conv_s1 = nn.Conv2d(d, d // 4, kernel_size=1)  # stride-8 skip
        self.output_hypernetworks_mlps = nn.ModuleList(MLP(d, d, d // 8, 3) for _ in range(self.num_mask_tokens))
        self.iou_prediction_head = MLP(d, 256, self.num_mask_tokens, 3, sigmoid_output=True)
        self.pred_obj_score_head = MLP(d, d, 1, 3)

    def output_tokens(self) -> torch.Tensor:
        return torch.cat([self.obj_score_token.weight, self.iou_token.weight, self.mask_tokens.weight], dim=0)

    def image_side(self, image_embeddings, image_pe, dense):
        """What :meth:`decode` computes before it reads the prompt, once per
        photo when ``dense`` is the no-mask embedding (a click's): the image
        tokens (1, 4096, 256) and the first block's projections of them."""
        keys = (image_embeddings + dense).flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        return (keys,) + self.transformer.layers[0].image_projections(keys, key_pe)

    def decode(self, image_embeddings, image_pe, sparse, dense, feat_s0, feat_s1):
        """Batch 1 (one prompt set). ``feat_s0``/``feat_s1``: the skips after
        ``conv_s0``/``conv_s1``. Returns all four mask logits (1, 4, 256, 256),
        IoU predictions (1, 4), the object-score logit (1, 1) and the mask
        tokens (1, 4, 256) a video tracker turns into object pointers."""
        keys, *projected = self.image_side(image_embeddings, image_pe, dense)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        tokens = torch.cat([self.output_tokens().unsqueeze(0), sparse], dim=1)
        hs, src = self.transformer.attend(keys, key_pe, tokens, tuple(projected))
        b, c, h, w = image_embeddings.shape
        src = src.transpose(1, 2).reshape(b, c, h, w)
        dc1, ln1, act1, dc2, act2 = self.output_upscaling
        upscaled = act1(ln1(dc1(src) + feat_s1))
        upscaled = act2(dc2(upscaled) + feat_s0)
        hyper_in, iou, object_score, mask_tokens_out = self.heads(hs)
        b, c, h, w = upscaled.shape
        masks = (hyper_in @ upscaled.reshape(b, c, h * w)).reshape(b, -1, h, w)
        return masks, iou, object_score, mask_tokens_out

    def heads(self, hs):
        """The hypernetwork weights (1, 4, 32), IoU predictions, object-score
        logit and mask tokens from the transformer's output tokens."""
        mask_tokens_out = hs[:, 2: 2 + self.num_mask_tokens, :]
        hyper_in = torch.stack([mlp(mask_tokens_out[:, i, :]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1)
        return hyper_in, self.iou_prediction_head(hs[:, 1, :]), self.pred_obj_score_head(hs[:, 0, :]), mask_tokens_out

    # A click's decoder on tokens: the photo's part (image_side, skip_tokens)
    # once, then prompt_side. The upscaling runs channel last
    # (eraser_mobilesam.mask_decoder.to_children: a mask pixel (4y + 2dy + ey,
    # 4x + 2dx + ex) is token (((64y + x) * 4 + 2dy + dx) * 4 + 2ey + ex)), so
    # the skips are put in that order once per photo.

    @staticmethod
    def skip_tokens(feat_s0, feat_s1):
        """The skips (1, 32, 256, 256) and (1, 64, 128, 128) in the order of
        the upscaled tokens: (1, 65536, 32) and (1, 16384, 64)."""
        b, c1, h1, w1 = feat_s1.shape
        s1 = feat_s1.reshape(b, c1, h1 // 2, 2, w1 // 2, 2).permute(0, 2, 4, 3, 5, 1).reshape(b, -1, c1)
        b, c0, h0, w0 = feat_s0.shape
        s0 = feat_s0.reshape(b, c0, h0 // 4, 2, 2, w0 // 4, 2, 2).permute(0, 2, 5, 3, 6, 4, 7, 1).reshape(b, -1, c0)
        return s0, s1

    def prompt_side(self, keys, projected, key_pe, sparse, s0_tokens, s1_tokens):
        """What :meth:`decode` gives, from :meth:`image_side`'s outputs, the
        positional encoding as tokens (1, 4096, 256) and :meth:`skip_tokens`;
        the cross attentions reassociated for few tokens (:mod:`eraser_mobilesam.click_attention`)."""
        tokens = torch.cat([self.output_tokens().unsqueeze(0), sparse], dim=1)
        hs, src = click_attention.attend(self.transformer, keys, key_pe, tokens, projected)
        dc1, ln1, act1, dc2, act2 = self.output_upscaling
        up = to_children(src, dc1) + s1_tokens
        up = act1(F.layer_norm(up, tuple(ln1.weight.shape), ln1.weight, ln1.bias, ln1.eps))
        up = act2(to_children(up, dc2) + s0_tokens)  # (1, 65536, 32)
        hyper_in, iou, object_score, mask_tokens_out = self.heads(hs)
        side = EMBED_SIZE
        masks = children_to_pixels(up @ hyper_in.transpose(1, 2), side, self.num_mask_tokens)
        return masks, iou, object_score, mask_tokens_out
