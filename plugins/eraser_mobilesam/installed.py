"""What the SAM family's segmenters and SAM 2.1's share around their runtime
segmenter: the cache key of an installed encoder, and the registered backend
that follows the model store (eraser_sam2 imports this module; it imports
nothing of either plugin, and no torch)."""

from __future__ import annotations

import threading
from typing import Callable, ClassVar, Optional

import numpy as np

from eraser.modelstore import InstalledModel
from eraser.prompts import Prompt


def encoder_identity(model: InstalledModel) -> str:
    """The model's name and its encoder weights' digest: the family shares the
    cache folder, so a key must say whose features it holds, and a reinstall
    with other weights must miss."""
    digests = [model.files.get(f, {}).get("sha256", "") for f in ("ImageEncoder.onnx", "ImageEncoder.onnx.data")]
    return f"{model.name}-{''.join(d[:8] for d in digests if d) or 'unknown'}"


class InstalledSegmenter:
    """The segmenter of model ``name`` as installed now: what a plugin
    registers. eraser keeps one backend object per process, but the store
    may change under it (another ``$ERASER_MODELS_DIR``, a reinstall while
    ``eraser serve`` runs), so each use looks the model up (a few ``stat``
    calls) and builds a new runtime segmenter when it changed; between
    changes its ONNX Runtime sessions stay open.

    A subclass names its runtime segmenter (built from an
    :class:`InstalledModel`; it segments, embeds, decodes and upscales) and
    may give segment everything's defaults (:func:`eraser.everything.generator.settings_for`)."""

    segmenter_class: ClassVar[Callable[[InstalledModel], object]]
    everything_defaults: ClassVar[Optional[dict]] = None  # None: SamAutomaticMaskGenerator's

    def __init__(self, name: str) -> None:
        from eraser.modelstore import require

        self.name = name
        self._lock = threading.Lock()
        self._current: Optional[tuple[tuple, object]] = None
        self.resolve(require(name))  # a missing or damaged model fails here, at build time

    def resolve(self, model: Optional[InstalledModel] = None):
        from eraser.modelstore import require

        model = model or require(self.name)
        key = (str(model.folder), tuple(sorted((k, v.get("sha256")) for k, v in model.files.items())))
        with self._lock:
            if self._current is None or self._current[0] != key:
                self._current = (key, self.segmenter_class(model))
            return self._current[1]

    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray:
        return self.resolve().segment(image, prompt)

    # segment everything (eraser.backends.EverythingSegmenter)

    def embed(self, crop: np.ndarray) -> "Embedded":
        segmenter = self.resolve()  # looked up once per crop, not once per batch of points
        return Embedded(segmenter, segmenter.embed(crop))

    def decode(self, embedding: "Embedded", crop_shape: tuple[int, int], points: np.ndarray):
        return embedding.segmenter.decode(embedding.features, crop_shape, points)

    def upscale(self, logits: np.ndarray, crop_shape: tuple[int, int]) -> np.ndarray:
        return self.segmenter_class.upscale(logits, crop_shape)


class Embedded:
    """A crop's features and the runtime segmenter that made them (its decoder reads them)."""

    def __init__(self, segmenter, features) -> None:
        self.segmenter, self.features = segmenter, features
