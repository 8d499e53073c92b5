"""The SAM-family segmenters (``mobile-sam``, ``sam-vit-b/l/h``) through CoreML or ONNX Runtime.

Pre- and post-processing follow the seed app (and SAM's predictor):

* resize the longest side to 1024 (bilinear, antialiased), normalise with
  SAM's pixel mean and std, pad bottom and right to 1024x1024; clicks are
  mapped into that frame;
* from the decoder's 256x256 low-res logits take the valid region, upsample
  bilinearly to the photo's size and clamp to [0, 1]. The pipeline then
  widens and feathers it into the blurred inverted keep-mask.

Only the part of the photo around the object is upsampled, so a second click
on a cached 12 MP photo costs the decoder plus a small resize.
"""

from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np
from PIL import Image

from eraser.prompts import Prompt
from eraser.modelstore import InstalledModel
from eraser.runtimes import open_runner
from eraser_mobilesam import installed
from eraser_mobilesam.cache import EmbeddingCache, image_key
from eraser_mobilesam.installed import encoder_identity
from eraser_mobilesam.interface import (
    EMBEDDING_SHAPE,
    IMAGE_SIZE,
    LOW_RES_SIZE,
    PIXEL_MEAN,
    PIXEL_STD,
    POSITIONAL_ENCODING_FILE,
)

_MEAN = np.array(PIXEL_MEAN, np.float32)
_STD = np.array(PIXEL_STD, np.float32)


def resized_shape(height: int, width: int) -> tuple[int, int]:
    """SAM's ResizeLongestSide target for a ``height`` x ``width`` photo."""
    scale = IMAGE_SIZE / max(height, width)
    return int(height * scale + 0.5), int(width * scale + 0.5)


def preprocess(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> normalised, padded float32 (1, 3, 1024, 1024)."""
    height, width = image.shape[:2]
    new_h, new_w = resized_shape(height, width)
    # Pillow's bilinear filter widens its support when it shrinks, like
    # torch's interpolate(..., antialias=True) that SAM uses.
    resized = np.asarray(Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR), np.float32)
    out = np.zeros((1, 3, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    out[0, :, :new_h, :new_w] = ((resized - _MEAN) / _STD).transpose(2, 0, 1)
    return out


def prompt_arrays(prompt: Prompt, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (1, N, 2) in the 1024 frame and SAM labels (1, N)."""
    new_h, new_w = resized_shape(height, width)
    sx, sy = new_w / width, new_h / height
    # As SamPredictor.apply_coords: pixel coordinates scaled per axis.
    points = [(x * sx, y * sy) for x, y in prompt.points]
    labels = [float(label) for label in prompt.labels]
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box
        points += [(x0 * sx, y0 * sy), (x1 * sx, y1 * sy)]
        labels += [2.0, 3.0]
    else:
        points.append((0.0, 0.0))  # SAM's padding point when there is no box
        labels.append(-1.0)
    return np.array([points], np.float32), np.array([labels], np.float32)


def pick_mask(masks: np.ndarray, iou: np.ndarray, prompt: Prompt) -> np.ndarray:
    """SAM's choice: for one click, the best of the three multimask outputs
    by predicted IoU (a single click is ambiguous); otherwise the single-mask
    output, which is meant for several clicks or a box."""
    if prompt.box is None and len(prompt.points) == 1:
        return masks[0, 1 + int(np.argmax(iou[0, 1:]))]
    return masks[0, 0]


def upsample(low_res: np.ndarray, height: int, width: int) -> np.ndarray:
    """Valid part of the 256x256 logits, bilinear to (height, width), clamped to [0, 1].

    Only the rectangle around positive logits is computed; elsewhere the
    clamped mask is 0 anyway.
    """
    new_h, new_w = resized_shape(height, width)
    valid_h, valid_w = new_h * LOW_RES_SIZE / IMAGE_SIZE, new_w * LOW_RES_SIZE / IMAGE_SIZE
    out = np.zeros((height, width), np.float32)
    rows = np.flatnonzero((low_res[: math.ceil(valid_h), : math.ceil(valid_w)] > 0).any(axis=1))
    cols = np.flatnonzero((low_res[: math.ceil(valid_h), : math.ceil(valid_w)] > 0).any(axis=0))
    if rows.size == 0:
        return out
    # photo pixel (x + 0.5) maps to low-res (x + 0.5) * valid_w / width
    fx, fy = valid_w / width, valid_h / height
    x0, x1 = max(0, int((cols[0] - 1) / fx)), min(width, int(math.ceil((cols[-1] + 2) / fx)))
    y0, y1 = max(0, int((rows[0] - 1) / fy)), min(height, int(math.ceil((rows[-1] + 2) / fy)))
    to_low = np.array([[fx, 0, (x0 + 0.5) * fx - 0.5], [0, fy, (y0 + 0.5) * fy - 0.5]], np.float32)
    region = cv2.warpAffine(
        low_res.astype(np.float32), to_low, (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )
    out[y0:y1, x0:x1] = np.clip(region, 0.0, 1.0)
    return out


def upscale_logits(logits: np.ndarray, crop_shape: tuple[int, int]) -> np.ndarray:
    """Low-res logits to the crop's size as SAM's postprocess_masks does:
    bilinear to 1024, the valid part, bilinear to the crop (unclamped: the
    stability score reads them)."""
    height, width = crop_shape
    new_h, new_w = resized_shape(height, width)
    frame = cv2.resize(logits.astype(np.float32), (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(frame[:new_h, :new_w], (width, height), interpolation=cv2.INTER_LINEAR)


class MobileSamSegmenter:
    """Segments one object per prompt; image embeddings are cached by content."""

    def __init__(self, model: InstalledModel, runtime: Optional[str] = None, cache: Optional[EmbeddingCache] = None) -> None:
        # As the seed app: the encoder on CPU and GPU, the small models on all units.
        self.encoder = open_runner(model, "ImageEncoder", runtime, compute_units="CPU_AND_GPU")
        self.prompt_encoder = open_runner(model, "PromptEncoder", runtime, compute_units="ALL")
        self.decoder = open_runner(model, "MaskDecoder", runtime, compute_units="ALL")
        self.positional_encoding = np.load(model.path(POSITIONAL_ENCODING_FILE)).astype(np.float32)
        self.cache = cache if cache is not None else EmbeddingCache.from_environment(shape=EMBEDDING_SHAPE)
        self.cache_prefix = encoder_identity(model)

    def embeddings(self, image: np.ndarray) -> np.ndarray:
        key = f"{self.cache_prefix}-{image_key(image)}"
        found = self.cache.get(key)
        if found is None:
            found = self.encoder.run({"image": preprocess(image)})["imageEmbeddings"]
            self.cache.put(key, found)
        return found

    def logits(self, image: np.ndarray, prompt: Prompt) -> tuple[np.ndarray, np.ndarray]:
        """All four low-res mask logits (1, 4, 256, 256) and IoU predictions (1, 4)."""
        height, width = image.shape[:2]
        points, labels = prompt_arrays(prompt, height, width)
        prompts = self.prompt_encoder.run({"points": points, "labels": labels})
        out = self.decoder.run({
            "imageEmbeddings": self.embeddings(image),
            "imagePositionalEncoding": self.positional_encoding,
            "sparsePromptEmbeddings": prompts["sparsePromptEmbeddings"],
            "densePromptEmbeddings": prompts["densePromptEmbeddings"],
        })
        return out["masks"], out["iouPredictions"]

    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray:
        masks, iou = self.logits(image, prompt)
        height, width = image.shape[:2]
        return upsample(pick_mask(masks, iou, prompt), height, width)

    # Segment everything (eraser.backends.EverythingSegmenter): the encoder
    # once per crop, each grid point one prompt (the point and SAM's padding
    # point) whose three multimask outputs are the candidates.

    def embed(self, crop: np.ndarray) -> np.ndarray:
        return self.embeddings(crop)

    def decode(self, embedding: np.ndarray, crop_shape: tuple[int, int], points: np.ndarray):
        height, width = crop_shape
        logits, ious = [], []
        for x, y in points:
            coords, labels = prompt_arrays(Prompt(points=((float(x), float(y)),), labels=(1,)), height, width)
            prompt = self.prompt_encoder.run({"points": coords, "labels": labels})
            out = self.decoder.run({
                "imageEmbeddings": embedding,
                "imagePositionalEncoding": self.positional_encoding,
                "sparsePromptEmbeddings": prompt["sparsePromptEmbeddings"],
                "densePromptEmbeddings": prompt["densePromptEmbeddings"],
            })
            logits.append(out["masks"][0, 1:])  # the three multimask outputs
            ious.append(out["iouPredictions"][0, 1:])
        return np.stack(logits), np.stack(ious)

    upscale = staticmethod(upscale_logits)


class InstalledSegmenter(installed.InstalledSegmenter):
    """The registered ``mobile-sam``, ``sam-vit-b/l/h``: SamAutomaticMaskGenerator's defaults."""

    segmenter_class = MobileSamSegmenter
