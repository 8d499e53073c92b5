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

On ONNX Runtime a click runs the mask decoder in two graphs, as SAM 2.1's
does: ``MaskDecoderImage`` (the image tokens with the no-mask dense prompt,
the first two-way block's image keys, values and queries) once per photo,
cached in place of the embeddings, keyed by model, encoder and decoder
weights and content; ``MaskDecoderPrompt``, the rest, per click, its
upscaling channel last. A model installed before those graphs existed (or a
decoder on CoreML) runs the one-graph ``MaskDecoder`` as before.
"""

from __future__ import annotations


import cv2
import numpy as np
from PIL import Image

from eraser.prompts import Prompt
from eraser.runtimes import choose_runtime, open_runner
from eraser_mobilesam import installed, soft_mask
from eraser_mobilesam.cache import image_key
from eraser_mobilesam.interface import (
    CLICK_FEATURES,
    CLICK_STEMS,
    EMBED_DIM,
    EMBEDDING_SHAPE,
    IMAGE_SIZE,
    LOW_RES_SIZE,
    PIXEL_MEAN,
    PIXEL_STD,
    POSITIONAL_ENCODING_FILE,
)

CLICK_FEATURE_SIZE = sum(int(np.prod(shape)) for shape in CLICK_FEATURES.values())  # 10.5 MB of float32
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


def splits_decoder(model, runtime=None) -> bool:
    """Whether clicks on ``model`` run the split decoder: its graphs are
    installed and the decoder would run on ONNX Runtime anyway."""
    return all(model.has(f"{stem}.onnx") for stem in CLICK_STEMS) and choose_runtime(model, "MaskDecoder", runtime) == "onnx"


class MobileSamSegmenter(installed.RuntimeSegmenter):
    """Segments one object per prompt; a photo's features are cached by content."""

    cache_shape = EMBEDDING_SHAPE
    positional_encoding_file = POSITIONAL_ENCODING_FILE
    prompt_arrays = staticmethod(prompt_arrays)
    pick_mask = staticmethod(pick_mask)
    upsample = staticmethod(upsample)
    upscale = staticmethod(upscale_logits)

    def __init__(self, model, runtime=None, cache=None) -> None:
        self.split = splits_decoder(model, runtime)
        if self.split:
            self.decoder_stem, self.decoder_runtime = CLICK_STEMS[1], "onnx"
            self.cache_shape, self.identity_stems = (CLICK_FEATURE_SIZE,), ("ImageEncoder", CLICK_STEMS[0])
        elif model.has(f"{self.decoder_stem}.onnx") and not all(model.has(f"{stem}.onnx") for stem in CLICK_STEMS):
            import warnings

            # an install from before the split, or one interrupted half way through its click graphs
            warnings.warn(f"model {model.name!r} lacks its split click decoder; clicks take "
                          f"longer until: eraser models install {model.name} --force", stacklevel=2)
        super().__init__(model, runtime, cache)
        if self.split:
            self.image_side = open_runner(model, CLICK_STEMS[0], "onnx")
            # the positional encoding as the decoder's tokens read it, once
            self.positional_tokens = np.ascontiguousarray(
                self.positional_encoding.reshape(1, EMBED_DIM, -1).transpose(0, 2, 1))

    def features(self, image: np.ndarray):
        """The photo's imageEmbeddings, or with the split decoder
        MaskDecoderImage's outputs by name (cached)."""
        key = f"{self.cache_prefix}-{image_key(image)}"
        found = self.cache.get(key)
        if found is None:
            found = self.encoder.run({"image": preprocess(image)})["imageEmbeddings"]
            if self.split:
                found = installed.packed(self.image_side.run(
                    {"imageEmbeddings": found, "imagePositionalEncoding": self.positional_encoding}), CLICK_FEATURES)
            self.cache.put(key, found)
        return installed.unpacked(found, CLICK_FEATURES) if self.split else found

    def decoder_inputs(self, features) -> dict:
        """The decoder's inputs besides the prompt encoder's outputs."""
        if self.split:
            return {**features, "positionalTokens": self.positional_tokens}
        return {"imageEmbeddings": features, "imagePositionalEncoding": self.positional_encoding}


class InstalledSegmenter(installed.InstalledSegmenter):
    """The registered ``mobile-sam``, ``sam-vit-b/l/h``: SamAutomaticMaskGenerator's defaults."""

    segmenter_class = MobileSamSegmenter
