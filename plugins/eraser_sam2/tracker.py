"""The ``sam2.1-*`` video trackers: SAM 2.1's propagation (memory attention,
memory encoder, object pointers) on the installed ONNX graphs, without torch.
It does what ``SAM2VideoPredictor`` (``sam2`` 1.1.0, built by
``build_sam2_video_predictor``) does for one object prompted on one frame and
propagated from it:

* the key frame is conditioned on a mask (``add_new_mask``: the mask is the
  output, its object pointer comes from the decoder prompted with the mask
  through ``mask_downsample``) or, from Python, on clicks or a box
  (``add_new_points_or_box``: the decoder's mask, multimask for one click);
  its memory is encoded from the binarised low-res mask, as
  ``propagate_in_video_preflight`` does;
* every later frame: its stride-16 features attend to the memory bank
  (:mod:`eraser_sam2.memory_bank`), the decoder runs with no prompt (three
  masks, the best by predicted IoU and its token for the object pointer), a
  frame whose object score is <= 0 gets no mask and the learned "no object"
  pointer and memory embedding; the frame's memory is encoded from the
  sigmoid of its logits at 1024 (x 20 - 10);
* the output is the low-res logits with small holes filled, resized to the
  frame and cut at 0.

Frames are streamed: only the bank (7 maps, 16 pointers) is kept. The eraser
hook runs each direction as its own pass from the key frame; upstream's
backward pass after a forward one also attends to the forward pass's frames.
The track stops (``TrackLost``) when the object is absent for
``LOST_AFTER`` frames in a row.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable, Iterator, Optional, Union

import numpy as np

from eraser.backends import TrackLost
from eraser.modelstore import InstalledModel
from eraser.prompts import Prompt
from eraser.runtimes import open_runner
from eraser_sam2.interface import EMBED_DIM, EMBED_SIZE, IMAGE_SIZE, LOW_RES_SIZE, POSITIONAL_ENCODING_FILE
from eraser_sam2.memory_bank import Memory, MemoryBank
from eraser_sam2.segmenter import pick_mask, prompt_arrays
from eraser_sam2.video_ops import (
    bilinear,
    bilinear_antialiased,
    fill_holes,
    preprocess_frame,
    sine_map_encoding,
    to_bfloat16,
)

NO_OBJ_SCORE = -1024.0  # the logits of a frame where the object is absent
MASK_SCALE, MASK_BIAS = 20.0, -10.0  # sigmoid_scale/bias_for_mem_enc, and a given mask as logits
LOST_AFTER = 3  # frames in a row without the object: the track stops


class Sam2Tracker:
    def __init__(self, model: InstalledModel, runtime: Optional[str] = None, lost_after: Optional[int] = LOST_AFTER) -> None:
        self.encoder = open_runner(model, "ImageEncoder", runtime, compute_units="CPU_AND_GPU")
        self.prompt_encoder = open_runner(model, "PromptEncoder", runtime)
        self.decoder = open_runner(model, "MaskDecoder", runtime)
        self.memory_encoder = open_runner(model, "MemoryEncoder", runtime)
        self.memory_attention = open_runner(model, "MemoryAttention", runtime)
        self.heads = open_runner(model, "TrackerHeads", runtime)
        self.image_pe = np.load(model.path(POSITIONAL_ENCODING_FILE)).astype(np.float32)
        self.feature_pe = np.ascontiguousarray(sine_map_encoding().reshape(EMBED_DIM, -1).T[None])  # (1, 4096, 256)
        self.lost_after = lost_after
        constants = self._heads(np.zeros((1, 1, EMBED_DIM), np.float32))
        self.no_mem_embed = constants["noMemEmbed"].reshape(1, EMBED_DIM, 1, 1)
        self.maskmem_tpos_enc = constants["maskmemTposEnc"]
        self.no_obj_ptr = constants["noObjPtr"].reshape(1, EMBED_DIM)
        self.no_obj_embed_spatial = constants["noObjEmbedSpatial"].reshape(1, -1, 1, 1)
        self.padding_prompt = self.prompt_encoder.run({"points": np.zeros((1, 2, 2), np.float32),
                                                       "labels": np.full((1, 2), -1.0, np.float32)})

    # the hook (eraser.backends.Tracker)

    def track(self, frames: Iterable[np.ndarray], mask: np.ndarray,
              refit: Optional[Callable] = None) -> Iterator[Union[np.ndarray, TrackLost]]:
        """One float32 mask (0 or 1) per frame after the key frame; SAM 2.1 needs no re-fits."""
        steps = self.propagate(frames, mask=mask)
        next(steps, None)  # the key frame's mask is the one given
        yield from steps

    # the propagation

    def propagate(self, frames: Iterable[np.ndarray], mask: Optional[np.ndarray] = None, prompt: Optional[Prompt] = None,
                  num_frames: Optional[int] = None) -> Iterator[Union[np.ndarray, TrackLost]]:
        """Masks for every frame, the key frame (the first) included, from
        ``mask`` or ``prompt`` on the key frame. ``num_frames``: the clip's
        length when known (upstream's pointer encoding depends on it below 16 frames)."""
        frames = iter(frames)
        key = next(frames, None)
        if key is None:
            return
        height, width = key.shape[:2]
        bank: Optional[MemoryBank] = None
        absent = 0
        for number, frame in enumerate(_chain(key, frames)):
            embedding, s0, s1 = self._features(frame)
            raw = embedding - self.no_mem_embed  # the stride-16 map without the no-memory embedding
            if bank is None:
                low_res, pointer, score = self._condition(embedding, raw, s0, s1, frame.shape, mask, prompt)
                low_res = fill_holes(low_res)
                # the key frame's memory: its (hole-filled) mask, binarised
                mask_for_memory = (bilinear(low_res, IMAGE_SIZE, IMAGE_SIZE) > 0).astype(np.float32)
            else:
                conditioned = self._attend(raw, bank.inputs(number))
                low_res, pointer, score, high_res = self._decode_tracked(conditioned, s0, s1)
                mask_for_memory = 0.5 * (1.0 + np.tanh(0.5 * high_res))  # the sigmoid, without overflow at -1024
                low_res = fill_holes(low_res)
            features, positional = self._encode_memory(raw, mask_for_memory, score)
            if bank is None:
                bank = MemoryBank(self.maskmem_tpos_enc, positional, self._project_time, num_frames)
            bank.add(number, Memory(features, pointer))
            if number > 0 and self.lost_after is not None:
                absent = absent + 1 if score <= 0 else 0
                if absent >= self.lost_after:
                    yield TrackLost(f"the object is gone (not seen for {absent} frames)")
                    return
            yield (bilinear(low_res, height, width) > 0).astype(np.float32)

    # the steps

    def _features(self, frame: np.ndarray):
        out = self.encoder.run({"image": preprocess_frame(frame)})
        return out["imageEmbeddings"], out["highResFeatures0"], out["highResFeatures1"]

    def _heads(self, tokens: np.ndarray, temporal: Optional[np.ndarray] = None, mask_logits: Optional[np.ndarray] = None,
               mask_prompt: Optional[np.ndarray] = None) -> dict:
        k = tokens.shape[1]
        return self.heads.run({
            "maskTokens": np.ascontiguousarray(tokens, np.float32),
            "temporalEncoding": np.zeros((1, k, EMBED_DIM), np.float32) if temporal is None else temporal,
            "maskLogits": np.zeros((1, 1, IMAGE_SIZE, IMAGE_SIZE), np.float32) if mask_logits is None else mask_logits,
            "maskPrompt": np.zeros((1, 1, LOW_RES_SIZE, LOW_RES_SIZE), np.float32) if mask_prompt is None else mask_prompt,
        })

    def _project_time(self, encoding: np.ndarray) -> np.ndarray:
        k = encoding.shape[0]
        return self._heads(np.zeros((1, k, EMBED_DIM), np.float32), temporal=encoding[None])["temporalProjection"][0]

    def _decoder(self, embedding, s0, s1, sparse, dense) -> dict:
        return self.decoder.run({"imageEmbeddings": np.ascontiguousarray(embedding, np.float32), "highResFeatures0": s0,
                                 "highResFeatures1": s1, "imagePositionalEncoding": self.image_pe,
                                 "sparsePromptEmbeddings": sparse, "densePromptEmbeddings": dense})

    def _pointer(self, token: np.ndarray, score: float) -> np.ndarray:
        """The object pointer of a mask token; the learned "no object" pointer when the score says absent."""
        pointer = self._heads(token[None, None])["objectPointers"].reshape(1, EMBED_DIM)
        return pointer if score > 0 else self.no_obj_ptr

    def _condition(self, embedding, raw, s0, s1, shape, mask, prompt):
        """The key frame's low-res logits (256x256), object pointer and object score."""
        if prompt is not None:
            points, labels = prompt_arrays(prompt, shape[0], shape[1])
            sparse = self.prompt_encoder.run({"points": points, "labels": labels})
            out = self._decoder(embedding, s0, s1, sparse["sparsePromptEmbeddings"], sparse["densePromptEmbeddings"])
            score = float(out["objectScoreLogits"].ravel()[0])
            masks, iou, tokens = out["masks"], out["iouPredictions"], out["maskTokens"]
            if prompt.box is None and len(prompt.points) == 1:  # multimask: the best of three, and its token
                best = 1 + int(np.argmax(iou[0, 1:]))
                low_res, token = masks[0, best], tokens[0, best]
            else:  # one mask (or the best of three when it is unstable) and the single-mask token
                low_res, token = pick_mask(masks, iou, prompt), tokens[0, 0]
            if score <= 0:
                low_res = np.full_like(low_res, NO_OBJ_SCORE)
            return low_res.astype(np.float32), self._pointer(token, score), score
        # a mask: it is the output (as +-10 logits); the decoder prompted with it gives the pointer
        given = np.asarray(mask, np.float32)
        full = (bilinear_antialiased(given, IMAGE_SIZE, IMAGE_SIZE) >= 0.5).astype(np.float32)
        logits = full * np.float32(MASK_SCALE) + np.float32(MASK_BIAS)
        low_res = bilinear_antialiased(logits, LOW_RES_SIZE, LOW_RES_SIZE)
        downsampled = self._heads(np.zeros((1, 1, EMBED_DIM), np.float32), mask_logits=full[None, None])["downsampledMask"]
        dense = self._heads(np.zeros((1, 1, EMBED_DIM), np.float32), mask_prompt=downsampled)["maskPromptEmbeddings"]
        out = self._decoder(raw, s0, s1, self.padding_prompt["sparsePromptEmbeddings"], dense)
        decoder_score = float(out["objectScoreLogits"].ravel()[0])
        pointer = self._pointer(out["maskTokens"][0, 0], decoder_score)
        present = bool(full.any())
        return low_res, (pointer if present else self.no_obj_ptr), (-MASK_BIAS if present else MASK_BIAS)

    def _attend(self, raw: np.ndarray, memory: dict) -> np.ndarray:
        current = np.ascontiguousarray(raw.reshape(EMBED_DIM, -1).T[None], np.float32)
        out = self.memory_attention.run({"currentFeatures": current, "currentPositionalEncoding": self.feature_pe, **memory})
        return out["conditionedFeatures"][0].T.reshape(1, EMBED_DIM, EMBED_SIZE, EMBED_SIZE)

    def _decode_tracked(self, conditioned, s0, s1):
        """A tracked frame: no prompt, multimask; the best mask by predicted IoU and its token."""
        out = self._decoder(conditioned, s0, s1, self.padding_prompt["sparsePromptEmbeddings"],
                            self.padding_prompt["densePromptEmbeddings"])
        score = float(out["objectScoreLogits"].ravel()[0])
        best = 1 + int(np.argmax(out["iouPredictions"][0, 1:]))
        low_res = out["masks"][0, best].astype(np.float32)
        if score <= 0:
            low_res = np.full_like(low_res, NO_OBJ_SCORE)
        high_res = bilinear(low_res, IMAGE_SIZE, IMAGE_SIZE)
        return low_res, self._pointer(out["maskTokens"][0, best], score), score, high_res

    def _encode_memory(self, raw, mask_for_memory, score):
        scaled = (np.asarray(mask_for_memory, np.float32) * np.float32(MASK_SCALE) + np.float32(MASK_BIAS))[None, None]
        out = self.memory_encoder.run({"pixelFeatures": np.ascontiguousarray(raw, np.float32), "maskForMemory": scaled})
        features = out["memoryFeatures"]
        if score <= 0:  # the frame is marked as one without the object
            features = features + self.no_obj_embed_spatial
        return to_bfloat16(features), out["memoryPositionalEncoding"]


def _chain(first, rest):
    yield first
    yield from rest


class InstalledTracker:
    """The tracker of size ``name`` as installed now (opened at each track, as
    the store may change between clips)."""

    def __init__(self, name: str) -> None:
        from eraser.modelstore import require

        self.name = name
        require(name)  # a one-line error now when it is not installed
        self._lock = threading.Lock()
        self._current: Optional[tuple[tuple, Sam2Tracker]] = None

    def resolve(self) -> Sam2Tracker:
        from eraser.modelstore import require

        model = require(self.name)
        key = (str(model.folder), tuple(sorted((k, v.get("sha256")) for k, v in model.files.items())))
        with self._lock:
            if self._current is None or self._current[0] != key:
                self._current = (key, Sam2Tracker(model))
            return self._current[1]

    def track(self, frames, mask, refit=None):
        return self.resolve().track(frames, mask, refit)
