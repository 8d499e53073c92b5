"""CoreML model runners through coremltools (macOS only: Linux cannot execute them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eraser.errors import EraserError


class CoreMLRunner:
    runtime = "coreml"

    def __init__(self, path: Path, compute_units: str = "ALL") -> None:
        try:
            import coremltools as ct
        except ImportError as exc:
            raise EraserError("the CoreML runtime needs coremltools: pip install 'eraser[coreml]'") from exc
        try:
            units = ct.ComputeUnit[compute_units]
        except KeyError:
            choices = ", ".join(u.name for u in ct.ComputeUnit)
            raise EraserError(f"unknown compute units {compute_units!r}; choose one of: {choices}") from None
        self.model = ct.models.MLModel(str(path), compute_units=units)
        self.compute_units = compute_units

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        outputs = self.model.predict({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in inputs.items()})
        return {k: np.asarray(v) for k, v in outputs.items()}
