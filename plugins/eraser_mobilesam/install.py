"""What ``eraser models install/convert mobile-sam`` runs (needs eraser[convert])."""

from __future__ import annotations

from pathlib import Path


def convert_checkpoint(checkpoint: Path, out_dir: Path) -> list[Path]:
    """Load ``checkpoint`` and write the ONNX graphs and CoreML packages into ``out_dir``."""
    from eraser_mobilesam.convert import export_coreml, export_onnx
    from eraser_mobilesam.model import load_checkpoint

    model = load_checkpoint(checkpoint).eval()
    written = export_onnx(model, out_dir)
    written += [p for p in export_coreml(model, out_dir) if p not in written]
    return written
