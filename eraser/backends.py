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

Both must be deterministic: the same input gives the same output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Optional, Protocol, runtime_checkable

import numpy as np

from eraser.prompts import Prompt, PromptKind  # noqa: F401  (part of the contract)

Kind = Literal["segmenter", "inpainter"]


@runtime_checkable
class Inpainter(Protocol):
    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Segmenter(Protocol):
    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray: ...


@dataclass(frozen=True)
class BackendSpec:
    """One registered backend, as the plugin manager knows it (nothing built yet)."""

    kind: Kind
    name: str
    factory: Callable[[], object]
    plugin: str
    description: str = ""
    priority: int = 0
    working_size: Optional[int] = None
    detail: bool = True
    prompts: frozenset[str] = frozenset()
    available: Optional[Callable[[], Optional[str]]] = None

    def unavailable_reason(self) -> Optional[str]:
        """``None`` when the backend can be used now, else why not (one line)."""
        return self.available() if self.available is not None else None
