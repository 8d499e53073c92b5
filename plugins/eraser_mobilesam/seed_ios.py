"""The seed iOS app's simplified SAM mask decoder, as one ONNX graph.

``eraser models convert sam-vit-b -c sam_vit_b_01ec64.pth --seed-ios-decoder``
writes ``mask_decoder.onnx`` beside the usual models. It is segment-anything's
``SamOnnxModel`` (``return_single_mask=False``, ``return_extra_metrics=True``)
without ``mask_input``, ``has_mask_input`` and ``orig_im_size`` (fixed at
1024x1024), as the app exports it:

inputs
  ``image_embeddings`` (1, 256, 64, 64) float32: the image encoder's output
  ``point_coords`` (1, N, 2) float32: x, y in the 1024 frame (the photo resized
  so its longest side is 1024); the app appends SAM's padding point (0, 0)
  with label -1 when there is no box
  ``point_labels`` (1, N) float32: 1 positive, 0 negative, 2 and 3 box
  corners, -1 padding
outputs
  ``masks`` (1, 4, 1024, 1024) float32 logits (> 0 is the object), all four
  mask tokens (0: single-mask output, 1-3: the multimask outputs)
  ``scores`` (1, 4) float32: predicted IoU
  ``stability_scores`` (1, 4) float32: IoU of the masks at logit +1 and -1
  ``areas`` (1, 4) int64: pixels with logit > 0
  ``low_res_masks`` (1, 4, 256, 256) float32 logits

N is a dynamic axis (``num_points``); the app fixed it at 4, which this file
accepts too. Needs torch (the graph is exported from the checkpoint).
"""

from __future__ import annotations

from pathlib import Path

INPUTS = ("image_embeddings", "point_coords", "point_labels")
OUTPUTS = ("masks", "scores", "stability_scores", "areas", "low_res_masks")
FILE = "mask_decoder.onnx"
STABILITY_OFFSET = 1.0  # SamOnnxModel's stability_score_offset


def wrapper(model):
    import torch
    from torch import nn
    from torch.nn import functional as F

    from eraser_mobilesam.interface import IMAGE_SIZE
    from eraser_mobilesam.model import image_positional_encoding

    class SeedMaskDecoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.prompt_encoder = model.prompt_encoder
            self.mask_decoder = model.mask_decoder
            self.register_buffer("image_pe", image_positional_encoding(model))

        def forward(self, image_embeddings, point_coords, point_labels):
            sparse = self.prompt_encoder.embed_labelled_points(point_coords, point_labels)
            tokens = torch.cat([self.mask_decoder.output_tokens().unsqueeze(0), sparse], dim=1)
            src = image_embeddings + self.prompt_encoder.no_mask_dense()
            low_res, scores = self.mask_decoder.decode(src, self.image_pe, tokens)
            masks = F.interpolate(low_res, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear", align_corners=False)
            inner = (masks > STABILITY_OFFSET).sum((-1, -2), dtype=torch.int32)
            outer = (masks > -STABILITY_OFFSET).sum((-1, -2), dtype=torch.int32)
            stability = inner.to(torch.float32) / outer.to(torch.float32)
            areas = (masks > 0).sum((-1, -2))
            return masks, scores, stability, areas, low_res

    return SeedMaskDecoder().eval()


def export(model, out_dir: Path, opset: int = 17) -> Path:
    import warnings

    import torch

    gen = torch.Generator().manual_seed(0)
    args = (torch.randn((1, 256, 64, 64), generator=gen), torch.rand((1, 4, 2), generator=gen) * 1024,
            torch.tensor([[1.0, 0.0, 1.0, -1.0]]))
    path = Path(out_dir) / FILE
    axes = {"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper(model), args, str(path), input_names=list(INPUTS), output_names=list(OUTPUTS),
                          dynamic_axes=axes, opset_version=opset, dynamo=False)
    return path


def export_checkpoint(checkpoint: Path, out_dir: Path, name: str = "sam-vit-b") -> list[Path]:
    """A model step: the seed decoder of ``checkpoint`` (family member ``name``)."""
    from eraser_mobilesam.model import load_checkpoint

    return [export(load_checkpoint(checkpoint, name), out_dir)]
