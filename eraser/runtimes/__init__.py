"""Running converted models: CoreML on macOS, ONNX Runtime everywhere else.

Both runtimes take and return plain numpy arrays by input/output name, so a
model plugin is written once against :class:`ModelRunner`. ``auto`` picks CoreML
where it can execute (macOS with coremltools and the model's ``.mlpackage``),
else ONNX Runtime; ``$ERASER_RUNTIME`` or a backend option overrides it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Optional, Protocol

import numpy as np

from eraser.errors import EraserError
from eraser.modelstore import InstalledModel

ENV_RUNTIME = "ERASER_RUNTIME"
RUNTIMES = ("auto", "coreml", "onnx")


class ModelRunner(Protocol):
    """One converted model, loaded and ready to run on arrays by name."""

    runtime: str

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...


def coreml_can_run() -> bool:
    """CoreML executes only on macOS (coremltools converts anywhere)."""
    return sys.platform == "darwin" and importlib.util.find_spec("coremltools") is not None


def choose_runtime(model: InstalledModel, stem: str, preference: Optional[str] = None) -> str:
    preference = preference or os.environ.get(ENV_RUNTIME) or "auto"
    if preference not in RUNTIMES:
        raise EraserError(f"unknown runtime {preference!r}; choose one of: {', '.join(RUNTIMES)}")
    has_coreml = model.has_any(f"{stem}.mlpackage")
    if preference == "coreml":
        if not coreml_can_run():
            raise EraserError("the CoreML runtime needs macOS and coremltools (pip install 'eraser[coreml]')")
        if not has_coreml:
            raise EraserError(f"model {model.name!r} has no CoreML package {stem}.mlpackage")
        return "coreml"
    if preference == "auto" and has_coreml and coreml_can_run():
        return "coreml"
    if not model.has(f"{stem}.onnx"):
        raise EraserError(f"model {model.name!r} has no ONNX file {stem}.onnx; reinstall it")
    return "onnx"


def open_runner(
    model: InstalledModel, stem: str, preference: Optional[str] = None, compute_units: str = "ALL"
) -> ModelRunner:
    """A runner for ``<stem>.onnx`` or ``<stem>.mlpackage`` of ``model``.

    ``compute_units`` names a coremltools ComputeUnit (``ALL``,
    ``CPU_AND_GPU``, ``CPU_ONLY``, ``CPU_AND_NE``); ONNX Runtime ignores it.
    """
    runtime = choose_runtime(model, stem, preference)
    if runtime == "coreml":
        from eraser.runtimes.coreml import CoreMLRunner

        return CoreMLRunner(model.path(f"{stem}.mlpackage"), compute_units)
    from eraser.runtimes.onnx import OnnxRunner

    return OnnxRunner(model.path(f"{stem}.onnx"))
