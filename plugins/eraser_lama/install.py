"""``eraser models install lama``: LaMa.onnx from a checkpoint without torch
(the shipped template filled by :mod:`eraser.templates`), and LaMa.mlpackage
where it is wanted (that needs eraser[convert])."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

from eraser import templates
from eraser.errors import EraserError
from eraser_lama.inpainter import COREML_SIZE, STEM
from eraser_lama.weights import BIG_LAMA_CONFIG, infer_config, read_state_dict

TEMPLATE = Path(__file__).with_name("templates") / f"{STEM}.onnx.gz"


def shipped_template():
    import onnx

    return onnx.load_model_from_string(gzip.decompress(TEMPLATE.read_bytes()))


def install_checkpoint(checkpoint: Path, out_dir: Path) -> list[Path]:
    """LaMa.onnx for ``checkpoint``, torch-free. Only big-lama's configuration
    has a shipped graph; another one is exported with torch when it is
    installed, else refused with a one-line hint."""
    state = read_state_dict(checkpoint)
    config = infer_config(state)
    if config != BIG_LAMA_CONFIG:
        if importlib.util.find_spec("torch") is None:
            raise EraserError(f"{Path(checkpoint).name} is not big-lama ({config['n_blocks']} blocks, {config['ngf']} "
                              "filters): only big-lama installs without torch; pip install 'eraser[convert]'")
        from eraser_lama.convert import export_onnx
        from eraser_lama.model import load_checkpoint

        target = Path(out_dir) / f"{STEM}.onnx"
        return [Path(export_onnx(load_checkpoint(checkpoint), target, size=COREML_SIZE, dynamic=True)["path"])]
    filled = templates.fill(shipped_template(), state, what=f"{Path(checkpoint).name} (LaMa)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return templates.save(filled, out / f"{STEM}.onnx")


def coreml_checkpoint(checkpoint: Path, out_dir: Path) -> list[Path]:
    """LaMa.mlpackage (512x512) for ``checkpoint`` (torch and coremltools)."""
    from eraser_lama.convert import export_coreml
    from eraser_lama.model import load_checkpoint

    model = load_checkpoint(checkpoint).eval()
    return [Path(export_coreml(model, Path(out_dir) / f"{STEM}.mlpackage", size=COREML_SIZE)["path"])]


def convert_checkpoint(checkpoint: Path, out_dir: Path) -> list[Path]:
    """Load ``checkpoint`` and write LaMa.onnx (any multiple of 8), exported
    now with torch (any configuration), and LaMa.mlpackage (512x512)."""
    from eraser_lama.convert import export_coreml, export_onnx
    from eraser_lama.model import load_checkpoint

    model = load_checkpoint(checkpoint).eval()
    onnx = export_onnx(model, Path(out_dir) / f"{STEM}.onnx", size=COREML_SIZE, dynamic=True)
    coreml = export_coreml(model, Path(out_dir) / f"{STEM}.mlpackage", size=COREML_SIZE)
    return [Path(onnx["path"]), Path(coreml["path"])]
