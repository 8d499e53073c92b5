"""MobileSAM (or SAM ViT-B/L/H) as the model of :mod:`eraser.everything` (segment everything).

The image encoder runs once per crop (its embedding is cached like a
click's); each grid point is one prompt (the point and SAM's padding point)
through the prompt encoder and the mask decoder, whose three multimask
outputs are the candidates.
"""

from __future__ import annotations

import numpy as np

from eraser.prompts import Prompt
from eraser_mobilesam.segmenter import MobileSamSegmenter, prompt_arrays


class MobileSamPoints:
    def __init__(self, segmenter) -> None:
        # the registered backend (InstalledSegmenter) or a MobileSamSegmenter:
        # resolved once, not once per grid point
        resolve = getattr(segmenter, "resolve", None)
        self.segmenter: MobileSamSegmenter = resolve() if resolve else segmenter

    def embed(self, crop: np.ndarray) -> np.ndarray:
        return self.segmenter.embeddings(crop)

    def decode(self, embedding: np.ndarray, crop_shape: tuple[int, int], points: np.ndarray):
        height, width = crop_shape
        s = self.segmenter
        logits, ious = [], []
        for x, y in points:
            coords, labels = prompt_arrays(Prompt(points=((float(x), float(y)),), labels=(1,)), height, width)
            prompt = s.prompt_encoder.run({"points": coords, "labels": labels})
            out = s.decoder.run({
                "imageEmbeddings": embedding,
                "imagePositionalEncoding": s.positional_encoding,
                "sparsePromptEmbeddings": prompt["sparsePromptEmbeddings"],
                "densePromptEmbeddings": prompt["densePromptEmbeddings"],
            })
            logits.append(out["masks"][0, 1:])  # the three multimask outputs
            ious.append(out["iouPredictions"][0, 1:])
        return np.stack(logits), np.stack(ious)


def points_model(segmenter: str = "auto") -> MobileSamPoints:
    """The SAM-family member that segments everything: ``segmenter`` by name,
    or with ``auto`` the first installed by priority (MobileSAM first)."""
    from eraser import registry
    from eraser.errors import EraserError
    from eraser.modelstore import missing_reason
    from eraser_mobilesam.family import VARIANTS

    if segmenter == "auto":
        ready = [name for name in sorted(VARIANTS, key=lambda n: -VARIANTS[n].priority) if missing_reason(name) is None]
        segmenter = ready[0] if ready else "mobile-sam"  # none: building it says how to install it
    elif segmenter not in VARIANTS:
        raise EraserError(f"segment everything needs a SAM model, not {segmenter!r}; choose one of: "
                          + ", ".join(["auto", *VARIANTS]))
    return MobileSamPoints(registry.build(registry.choose("segmenter", segmenter)))


def segment_everything(image, segmenter: str = "auto", **options):
    """Every mask of ``image`` (a path, PIL image or RGB array) with an
    installed SAM-family model (``segmenter``: ``auto``, ``mobile-sam``,
    ``sam-vit-b``...): a list of SAM records (see :mod:`eraser.everything`),
    each with its ``mask`` (bool array) too, best first."""
    from eraser.everything.generator import Options, generate
    from eraser.io import load_image

    rgb = load_image(image).rgb if not isinstance(image, np.ndarray) else np.asarray(image)
    model = points_model(segmenter)
    masks = generate(model, rgb, Options(**options))
    return [{**m.record(), "mask": m.mask} for m in masks]
