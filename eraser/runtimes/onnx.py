"""ONNX Runtime model runners (CPU)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from eraser.errors import EraserError


class OnnxRunner:
    runtime = "onnx"

    def __init__(self, path: Path, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EraserError("ONNX Runtime is missing: pip install onnxruntime") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for bad files
            raise EraserError(f"cannot load {path}: {str(exc).splitlines()[0]}") from exc
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.outputs = [o.name for o in self.session.get_outputs()]

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feed = {name: inputs[name] for name in self.inputs}
        return dict(zip(self.outputs, self.session.run(self.outputs, feed)))
