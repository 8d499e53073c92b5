"""What the SAM family's segmenters and SAM 2.1's share: the runtime
segmenter's frame (three graphs opened once, the encoder's features cached
per photo, a click = prompt encoder + mask decoder on them, segment
everything's decode loop), the cache key of an installed encoder, and the
registered backend that follows the model store. Each family gives its own
pre- and post-processing. eraser_sam2 imports this module; it imports
nothing of either plugin, and no torch."""

from __future__ import annotations

import threading
from typing import Callable, ClassVar, Optional

import numpy as np

from eraser.modelstore import InstalledModel
from eraser.prompts import Prompt
from eraser.runtimes import open_runner
from eraser_mobilesam.cache import EmbeddingCache


def encoder_identity(model: InstalledModel, stems: tuple[str, ...] = ("ImageEncoder",)) -> str:
    """The model's name and the digests of the graphs that make a photo's
    cached features (the encoder's, and a split decoder's image part where
    one runs): the family shares the cache folder, so a key must say whose
    features it holds, and a reinstall with other weights must miss."""
    files = [f for stem in stems for f in (f"{stem}.onnx", f"{stem}.onnx.data")]
    digests = [model.files.get(f, {}).get("sha256", "") for f in files]
    return f"{model.name}-{''.join(d[:8] for d in digests if d) or 'unknown'}"


def packed(outputs: dict[str, np.ndarray], shapes: dict[str, tuple[int, ...]]) -> np.ndarray:
    """Named float32 arrays of the given shapes as one flat array (one cache entry)."""
    return np.concatenate([np.asarray(outputs[name], np.float32).reshape(shape).ravel()
                           for name, shape in shapes.items()])


def unpacked(flat: np.ndarray, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """:func:`packed`'s arrays again, by name (contiguous views of ``flat``)."""
    parts, start = {}, 0
    for name, shape in shapes.items():
        n = int(np.prod(shape))
        parts[name] = flat[start:start + n].reshape(shape)
        start += n
    return parts


class RuntimeSegmenter:
    """One installed model's ImageEncoder, PromptEncoder and MaskDecoder
    through CoreML or ONNX Runtime (sessions open for this object's life);
    segments one object per prompt and is an eraser.backends.EverythingSegmenter.

    A family gives ``cache_shape`` and ``positional_encoding_file``, and
    ``features`` (what a click reads of the photo, through ``self.cache``),
    ``decoder_inputs`` (them as the decoder's inputs; ``decoder_stem`` names
    the decoder graph, ``identity_stems`` the graphs that make the cached
    features), ``prompt_arrays``, ``pick_mask``, ``upsample`` and ``upscale``."""

    cache_shape: ClassVar[tuple[int, ...]]
    positional_encoding_file: ClassVar[str]
    decoder_stem: ClassVar[str] = "MaskDecoder"  # the graph a click runs after the prompt encoder
    decoder_runtime: ClassVar[Optional[str]] = None  # None: as the others'
    identity_stems: ClassVar[tuple[str, ...]] = ("ImageEncoder",)  # their weights key the cache

    def __init__(self, model: InstalledModel, runtime: Optional[str] = None, cache: Optional[EmbeddingCache] = None) -> None:
        # As the seed app: the encoder on CPU and GPU, the small models on all units.
        self.encoder = open_runner(model, "ImageEncoder", runtime, compute_units="CPU_AND_GPU")
        self.prompt_encoder = open_runner(model, "PromptEncoder", runtime, compute_units="ALL")
        self.decoder = open_runner(model, self.decoder_stem, self.decoder_runtime or runtime, compute_units="ALL")
        self.positional_encoding = np.load(model.path(self.positional_encoding_file)).astype(np.float32)
        self.cache = cache if cache is not None else EmbeddingCache.from_environment(shape=self.cache_shape)
        self.cache_prefix = encoder_identity(model, self.identity_stems)

    def decoded(self, features, prompt: Prompt, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """All four low-res mask logits (1, 4, 256, 256) and IoU predictions (1, 4) of ``prompt`` on a photo's features."""
        points, labels = self.prompt_arrays(prompt, height, width)
        prompts = self.prompt_encoder.run({"points": points, "labels": labels})
        out = self.decoder.run({**self.decoder_inputs(features), **prompts})
        return out["masks"], out["iouPredictions"]

    def logits(self, image: np.ndarray, prompt: Prompt) -> tuple[np.ndarray, np.ndarray]:
        return self.decoded(self.features(image), prompt, *image.shape[:2])

    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray:
        masks, iou = self.logits(image, prompt)
        return self.upsample(self.pick_mask(masks, iou, prompt), *image.shape[:2])

    # segment everything: the encoder once per crop, each grid point one prompt
    # (the point and the padding point) whose three multimask outputs are the candidates

    def embed(self, crop: np.ndarray):
        return self.features(crop)

    def decode(self, features, crop_shape: tuple[int, int], points: np.ndarray):
        logits, ious = [], []
        for x, y in points:
            masks, iou = self.decoded(features, Prompt(points=((float(x), float(y)),), labels=(1,)), *crop_shape)
            logits.append(masks[0, 1:])
            ious.append(iou[0, 1:])
        return np.stack(logits), np.stack(ious)


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
