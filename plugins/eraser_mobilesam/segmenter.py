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


import cv2
import numpy as np
from PIL import Image

from eraser.prompts import Prompt
from eraser_mobilesam import installed, soft_mask
from eraser_mobilesam.cache import image_key
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
    """Valid part of the 256x256 logits, bilinear to (height, width), clamped to [0, 1]
    (only around the object: :mod:`eraser_mobilesam.soft_mask`)."""
    new_h, new_w = resized_shape(height, width)
    valid = (new_h * LOW_RES_SIZE / IMAGE_SIZE, new_w * LOW_RES_SIZE / IMAGE_SIZE)
    return soft_mask.upsample(low_res, height, width, valid)


def upscale_logits(logits: np.ndarray, crop_shape: tuple[int, int]) -> np.ndarray:
    """Low-res logits to the crop's size as SAM's postprocess_masks does:
    bilinear to 1024, the valid part, bilinear to the crop (unclamped: the
    stability score reads them)."""
    height, width = crop_shape
    new_h, new_w = resized_shape(height, width)
    frame = cv2.resize(logits.astype(np.float32), (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(frame[:new_h, :new_w], (width, height), interpolation=cv2.INTER_LINEAR)


class MobileSamSegmenter(installed.RuntimeSegmenter):
    """Segments one object per prompt; image embeddings are cached by content."""

    cache_shape = EMBEDDING_SHAPE
    positional_encoding_file = POSITIONAL_ENCODING_FILE
    prompt_arrays = staticmethod(prompt_arrays)
    pick_mask = staticmethod(pick_mask)
    upsample = staticmethod(upsample)
    upscale = staticmethod(upscale_logits)

    def features(self, image: np.ndarray) -> np.ndarray:
        """The photo's imageEmbeddings (cached)."""
        key = f"{self.cache_prefix}-{image_key(image)}"
        found = self.cache.get(key)
        if found is None:
            found = self.encoder.run({"image": preprocess(image)})["imageEmbeddings"]
            self.cache.put(key, found)
        return found

    @staticmethod
    def image_inputs(embeddings: np.ndarray) -> dict:
        return {"imageEmbeddings": embeddings}


class InstalledSegmenter(installed.InstalledSegmenter):
    """The registered ``mobile-sam``, ``sam-vit-b/l/h``: SamAutomaticMaskGenerator's defaults."""

    segmenter_class = MobileSamSegmenter
