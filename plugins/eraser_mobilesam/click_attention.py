"""The two-way transformer of a click's decoder (``MaskDecoderPrompt``), its
cross attentions reassociated so that few prompt tokens cost little.

A click has few tokens (the six output tokens, the clicks and the padding
point: T = 8 for one click) against 4096 image tokens. Upstream projects the
4096 image tokens to the heads' 128 channels (a 4096x256x128 product) and
back (out_proj) in every cross attention. With 8 heads of T tokens, the
same attention is reached through products of 8T = 64 columns instead: the
weights are folded into the tokens' side, which is small.

* token to image (``t2i``; the tokens ask, the image answers): a head's
  scores q_h k_h^T = (q_h Wk_h) X^T + q_h bk_h, and the last term is the same
  for every image token of a row, which softmax ignores (dropped); its
  output softmax_h (X Wv_h^T + bv_h) = (softmax_h X) Wv_h^T + bv_h, as each
  row of softmax sums to 1. So two products of (8T x 256) by (256 x 4096)
  replace the two 4096x256x128 projections.
* image to token (``i2t``; the image asks): q_h k_h^T = X (Wq_h^T k_h^T) +
  bq_h k_h^T, and out_proj of the heads' outputs is sum_h attn_h (v_h Wo_h^T)
  + bo: two products with 8T = 64 columns or rows replace the projection
  of the image tokens and out_proj.

The same mathematics as :class:`eraser_mobilesam.transformer.TwoWayTransformer`
with either family's attention (SAM's, which keeps the heads in the
channels, and SAM 2's; equal within float rounding, tested); cheaper
while 8T < 128: up to T = 15 (eight clicks, or a box and six clicks);
beyond, each further token costs more than it did (docs/models.md). The
first block's image-side projections come from ``MaskDecoderImage`` as before,
in the family's layout. Shared by both families' click decoders (SAM 2.1's
imports it from here).
The softmax scale 1/4 (1/sqrt(16 channels a head)) is a power of two, so
applying it to the folded weights rounds nothing.
"""

from __future__ import annotations

import torch

HEADS = 8


def _split(x: torch.Tensor) -> torch.Tensor:
    """(1, T, 128) -> (1, 8, T, 16)."""
    return x.reshape(1, -1, HEADS, x.shape[-1] // HEADS).transpose(1, 2)


def _per_head(weight: torch.Tensor) -> torch.Tensor:
    """A projection's weight (128, 256) -> (8, 16, 256): each head's rows."""
    return weight.reshape(HEADS, -1, weight.shape[-1])


def token_to_image(attention, queries: torch.Tensor, image_keys: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    """``attention(queries, image_keys, image)`` (tokens (1, T, 256) against
    image tokens (1, 4096, 256), keys with their positional encoding), folded."""
    tokens = queries.shape[1]
    q = _split(attention.q_proj(queries))  # (1, 8, T, 16)
    ask = (q @ _per_head(attention.k_proj.weight)) * 0.25  # (1, 8, T, 256): q_h Wk_h, scaled
    scores = ask.reshape(1, -1, ask.shape[-1]) @ image_keys.transpose(1, 2)  # (1, 8T, 4096)
    mixed = scores.softmax(dim=-1) @ image  # (1, 8T, 256)
    out = mixed.reshape(1, HEADS, tokens, -1) @ _per_head(attention.v_proj.weight).transpose(1, 2)  # (1, 8, T, 16)
    out = out.transpose(1, 2).reshape(1, tokens, -1) + attention.v_proj.bias
    return attention.out_proj(out)


def _image_to_token_values(attention, tokens: torch.Tensor) -> torch.Tensor:
    """The tokens' values through out_proj, per head: (1, 8T, 256), (v_h Wo_h^T) stacked."""
    v = _split(attention.v_proj(tokens))  # (1, 8, T, 16)
    out_weight = attention.out_proj.weight  # (256, 128)
    per_head = out_weight.reshape(out_weight.shape[0], HEADS, -1).permute(1, 2, 0)  # (8, 16, 256)
    return (v @ per_head).reshape(1, -1, out_weight.shape[0])


def _image_to_token_out(attention, attn: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """The attention's output (1, 4096, 256) from its weights (4096, 8T), heads side by side."""
    # on a matrix, not (1, 4096, 8T): ONNX Runtime then adds the bias inside the product (Gemm)
    out = attn @ _image_to_token_values(attention, tokens)[0] + attention.out_proj.bias
    return out.unsqueeze(0)


def image_to_token(attention, image_queries: torch.Tensor, token_keys: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """``attention(image_queries, token_keys, tokens)`` (image tokens (1, 4096,
    256) with their positional encoding asking the T tokens), folded."""
    k = _split(attention.k_proj(token_keys))  # (1, 8, T, 16)
    ask = (_per_head(attention.q_proj.weight).transpose(1, 2) @ k.transpose(2, 3)) * 0.25  # (1, 8, 256, T)
    bias = (attention.q_proj.bias.reshape(HEADS, 1, -1) @ k.transpose(2, 3)) * 0.25  # (1, 8, 1, T)
    count = k.shape[2]
    ask = ask.permute(0, 2, 1, 3).reshape(1, ask.shape[2], -1)  # (1, 256, 8T)
    scores = image_queries @ ask + bias.reshape(1, 1, -1)  # (1, 4096, 8T)
    attn = scores.reshape(1, -1, HEADS, count).softmax(dim=-1)
    return _image_to_token_out(attention, attn.reshape(-1, HEADS * count), tokens)


def image_to_token_projected(attention, queries_by_head: torch.Tensor, token_keys: torch.Tensor,
                             tokens: torch.Tensor) -> torch.Tensor:
    """As :func:`image_to_token` where the image's queries are projected
    already: (1, 8, 4096, 16), or (1, 4096, 128) with the heads in the channels (SAM's)."""
    if queries_by_head.dim() == 3:
        queries_by_head = _split(queries_by_head)
    k = _split(attention.k_proj(token_keys))  # (1, 8, T, 16)
    attn = ((queries_by_head @ k.transpose(2, 3)) * 0.25).softmax(dim=-1)  # (1, 8, 4096, T)
    attn = attn.transpose(1, 2).reshape(attn.shape[2], -1)  # (4096, 8T)
    return _image_to_token_out(attention, attn, tokens)


def attend(transformer, keys, key_pe, point_embedding, first_projected):
    """:meth:`TwoWayTransformer.attend` for a click: tokens (1, T, 256) against
    the image tokens (1, 4096, 256), the first block's image projections given."""
    queries = point_embedding
    for i, layer in enumerate(transformer.layers):
        queries = layer.self_attend(queries, point_embedding)
        t2i, i2t = layer.cross_attn_token_to_image, layer.cross_attn_image_to_token
        if i == 0:
            image_k, image_v, image_q = first_projected
            attn = t2i.attend(t2i.heads(t2i.q_proj(queries + point_embedding)), image_k, image_v)
        else:
            attn = token_to_image(t2i, queries + point_embedding, keys + key_pe, keys)
        queries = layer.norm2(queries + attn)
        queries = layer.norm3(queries + layer.mlp(queries))
        if i == 0:
            attn = image_to_token_projected(i2t, image_q, queries + point_embedding, queries)
        else:
            attn = image_to_token(i2t, keys + key_pe, queries + point_embedding, queries)
        keys = layer.norm4(keys + attn)
    attn = token_to_image(transformer.final_attn_token_to_image, queries + point_embedding, keys + key_pe, keys)
    return transformer.norm_final_attn(queries + attn), keys
