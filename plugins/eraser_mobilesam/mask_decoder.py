"""SAM's mask decoder: the transformer over image and prompt tokens, the
upscaling and the hypernetwork MLPs, the IoU head. Imports torch."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

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
