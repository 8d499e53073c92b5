"""The contract between the pipeline and its backends, written down once.

The pipeline owns loading, prompts, cropping, resizing, mask refinement,
compositing and saving, so a backend stays small:

* an **inpainter** gets an RGB ``uint8`` array of shape ``(H, W, 3)`` and a
  ``bool`` mask of shape ``(H, W)`` (True = fill this pixel) and returns an RGB
  ``uint8`` array of the same shape. Pixels outside the mask may be returned
  changed; the pipeline ignores them.
* a **segmenter** gets the same RGB image and one :class:`Prompt` (one object)
  and returns a ``float32`` mask of shape ``(H, W)`` with values in ``[0, 1]``
  (1 = part of the object).

Both must be deterministic: the same input gives the same output. What a
plugin registers about a backend (its name, factory, priority...) is an
:class:`eraser.registry.BackendSpec`.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import numpy as np

from eraser.prompts import Prompt, PromptKind  # noqa: F401  (part of the contract)

Kind = Literal["segmenter", "inpainter"]


@runtime_checkable
class Inpainter(Protocol):
    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Segmenter(Protocol):
    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray: ...
