"""The SAM 2.1 segmenters through ONNX Runtime, with ``SAM2ImagePredictor``'s
pre- and post-processing:

* the photo is resized to 1024x1024 (not padded: SAM 2 squashes the aspect),
  bilinear with antialiasing on RGB in [0, 1], normalised with ImageNet's
  mean and std; clicks are scaled per axis into that frame;
* a box goes first (corners labelled 2 and 3), then the clicks, then
  upstream's padding point (label -1);
* one click alone takes the best of the three multimask outputs by
  predicted IoU; anything else takes the single-mask output unless it is
  unstable (``dynamic_multimask_via_stability``: the area at logit > 0.05
  over the area at > -0.05 below 0.98), then the best multimask output;
* the chosen 256x256 logits are upsampled bilinearly to the photo and
  thresholded at 0 (``mask_threshold``). eraser's soft mask is
  clip(logit + 0.5, 0, 1), so its hole (>= 0.5) is upstream's mask.
  Upstream fills no holes and removes no sprinkles by default
  (``max_hole_area=0``), nor does this.

A click runs the mask decoder in two graphs: ``MaskDecoderImage``, what
the decoder computes before it reads the prompt (the image tokens with the
no-mask dense prompt, the first two-way block's image-side projections),
once per photo, cached with the encoder's skips, keyed by model, weights and
content; and ``MaskDecoderPrompt``, the rest, per click, its upscaling
channel last (:mod:`eraser_sam2.heads`) and its cross attentions
reassociated for a few prompt tokens (:mod:`eraser_mobilesam.click_attention`).
Together they compute what ``MaskDecoder`` does (within 1e-5) with about
half its FLOPs a click (the numbers: docs/models.md). They run on ONNX
Runtime (the CoreML packages are the image path's three graphs).
"""

from __future__ import annotations


import cv2
import numpy as np
from PIL import Image

from eraser.prompts import Prompt
from eraser_mobilesam import installed, soft_mask
from eraser_mobilesam.cache import image_key
from eraser.runtimes import open_runner
from eraser_sam2.interface import (
    EMBED_DIM,
    EMBED_SIZE,
    EVERYTHING_DEFAULTS,
        IMAGE_SIZE,
    MASK_THRESHOLD,
    PIXEL_MEAN,
    PIXEL_STD,
    POSITIONAL_ENCODING_FILE,
    STABILITY_DELTA,
    STABILITY_THRESH,
)

TOKENS = EMBED_SIZE * EMBED_SIZE
HEADS = (1, 8, TOKENS, EMBED_DIM // 2 // 8)  # the cross attentions' heads: 8 of half the channels
# MaskDecoderImage's outputs: what a click's MaskDecoderPrompt reads of the photo
FEATURE_NAMES = ("imageTokens", "imageKeys", "imageValues", "imageQueries", "highResTokens0", "highResTokens1")
FEATURE_SHAPES = ((1, TOKENS, EMBED_DIM), HEADS, HEADS, HEADS, (1, 16 * TOKENS, 32), (1, 4 * TOKENS, 64))
FEATURES = dict(zip(FEATURE_NAMES, FEATURE_SHAPES))
FEATURE_SIZE = sum(int(np.prod(s)) for s in FEATURE_SHAPES)  # one cache entry: 23 MB of float32


def preprocess(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> normalised float32 (1, 3, 1024, 1024)."""
    out = np.empty((1, 3, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    for c in range(3):
        # Pillow's bilinear on float widens its support when it shrinks, as
        # torchvision's Resize(antialias=True) does
        channel = Image.fromarray(image[:, :, c].astype(np.float32) / np.float32(255), mode="F")
        resized = np.asarray(channel.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR), np.float32)
        out[0, c] = (resized - np.float32(PIXEL_MEAN[c])) / np.float32(PIXEL_STD[c])
    return out


def prompt_arrays(prompt: Prompt, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (1, N, 2) in the 1024 frame and labels (1, N), in upstream's order."""
    sx, sy = IMAGE_SIZE / width, IMAGE_SIZE / height
    points, labels = [], []
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box
        points += [(x0 * sx, y0 * sy), (x1 * sx, y1 * sy)]
        labels += [2.0, 3.0]
    points += [(x * sx, y * sy) for x, y in prompt.points]
    labels += [float(label) for label in prompt.labels]
    points.append((0.0, 0.0))  # upstream's padding point
    labels.append(-1.0)
    return np.array([points], np.float32), np.array([labels], np.float32)


def stability(logits: np.ndarray, delta: float = STABILITY_DELTA) -> float:
    """Area above +delta over area above -delta (1 for an empty mask)."""
    union = int((logits > -delta).sum())
    return float((logits > delta).sum()) / union if union else 1.0


def pick_mask(masks: np.ndarray, iou: np.ndarray, prompt: Prompt) -> np.ndarray:
    best = 1 + int(np.argmax(iou[0, 1:]))
    if prompt.box is None and len(prompt.points) == 1:
        return masks[0, best]
    single = masks[0, 0]
    return single if stability(single) >= STABILITY_THRESH else masks[0, best]


def upsample(low_res: np.ndarray, height: int, width: int) -> np.ndarray:
    """The 256x256 logits bilinearly to (height, width) (half-pixel centres,
    as torch's align_corners=False), as eraser's soft mask clip(logit - threshold + 0.5, 0, 1),
    computed only around the object (:mod:`eraser_mobilesam.soft_mask`)."""
    return soft_mask.upsample(low_res.astype(np.float32) - np.float32(MASK_THRESHOLD) + np.float32(0.5), height, width)


class Sam2Segmenter(installed.RuntimeSegmenter):
    """SAM2ImagePredictor's clicks and SAM2AutomaticMaskGenerator's decoding on the installed graphs."""

    cache_shape = (FEATURE_SIZE,)
    positional_encoding_file = POSITIONAL_ENCODING_FILE
    decoder_stem = "MaskDecoderPrompt"
    decoder_runtime = "onnx"  # no CoreML package of the split decoder
    identity_stems = ("ImageEncoder", "MaskDecoderImage")  # the cached features are MaskDecoderImage's
    prompt_arrays = staticmethod(prompt_arrays)
    pick_mask = staticmethod(pick_mask)
    upsample = staticmethod(upsample)

    def __init__(self, model, runtime=None, cache=None) -> None:
        super().__init__(model, runtime, cache)
        self.image_side = open_runner(model, "MaskDecoderImage", self.decoder_runtime)
        # the positional encoding as the decoder's tokens read it, once
        self.positional_tokens = np.ascontiguousarray(
            self.positional_encoding.reshape(1, EMBED_DIM, TOKENS).transpose(0, 2, 1))

    def features(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """MaskDecoderImage's outputs for ``image`` (cached), by name."""
        key = f"{self.cache_prefix}-{image_key(image)}"
        flat = self.cache.get(key)
        if flat is None:
            out = self.encoder.run({"image": preprocess(image)})
            out = self.image_side.run({**out, "imagePositionalEncoding": self.positional_encoding})
            flat = installed.packed(out, FEATURES)
            self.cache.put(key, flat)
        return installed.unpacked(flat, FEATURES)

    def decoder_inputs(self, features: dict[str, np.ndarray]) -> dict:
        return {**features, "positionalTokens": self.positional_tokens}

    @staticmethod
    def upscale(logits: np.ndarray, crop_shape: tuple[int, int]) -> np.ndarray:
        """Low-res logits straight to the crop's size, bilinear (``postprocess_masks``), unclamped."""
        height, width = crop_shape
        return cv2.resize(logits.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


class InstalledSegmenter(installed.InstalledSegmenter):
    """The registered ``sam2.1-*``: segment everything with SAM2AutomaticMaskGenerator's defaults."""

    segmenter_class = Sam2Segmenter
    everything_defaults = EVERYTHING_DEFAULTS
