"""What ``eraser models install/convert lama`` runs (needs eraser[convert])."""

from __future__ import annotations

from pathlib import Path

from eraser_lama.inpainter import COREML_SIZE, STEM


def convert_checkpoint(checkpoint: Path, out_dir: Path) -> list[Path]:
    """Load ``checkpoint`` and write LaMa.onnx (any multiple of 8) and
    LaMa.mlpackage (512x512) into ``out_dir``."""
    from eraser_lama.convert import export_coreml, export_onnx
    from eraser_lama.model import load_checkpoint

    model = load_checkpoint(checkpoint).eval()
    onnx = export_onnx(model, out_dir / f"{STEM}.onnx", size=COREML_SIZE, dynamic=True)
    coreml = export_coreml(model, out_dir / f"{STEM}.mlpackage", size=COREML_SIZE)
    return [Path(onnx["path"]), Path(coreml["path"])]
