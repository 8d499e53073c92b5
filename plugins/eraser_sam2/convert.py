"""Export SAM 2.1 (see :mod:`eraser_sam2.model`) to ONNX templates and graphs,
and its image path to CoreML. torch, onnx and coremltools are imported
inside the functions only."""

from __future__ import annotations

from pathlib import Path

from eraser_sam2.interface import IMAGE_SIZE, IMAGE_STEMS, INTERFACES, STEMS

ONNX_OPSET = 17


def export_structures(name: str, stems=None, opset: int = ONNX_OPSET) -> dict:
    """The graphs of size ``name`` (default: all eight stems) as templates
    (:mod:`eraser.templates`), exported from a model with distinct random
    weights, each weight then replaced by its state-dict key. As the SAM
    family's: the TorchScript exporter, no constant folding, so every
    initializer is a checkpoint tensor or a constant of the graph."""
    import tempfile
    import warnings

    import onnx
    import torch

    from eraser import templates
    from eraser_sam2.export import DYNAMIC_AXES, WRAPPERS, example_inputs
    from eraser_sam2.model import build_sam2

    model = build_sam2(name)
    templates.distinct_weights(model)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    inputs_by_stem = example_inputs(model)
    structures = {}
    for stem in stems or STEMS:
        inputs, outputs = INTERFACES[stem]
        with tempfile.TemporaryDirectory(prefix="eraser-export-") as tmp:
            path = Path(tmp) / f"{stem}.onnx"
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    WRAPPERS[stem](model).eval(), inputs_by_stem[stem], str(path),
                    input_names=list(inputs), output_names=list(outputs), dynamic_axes=DYNAMIC_AXES[stem],
                    opset_version=opset, do_constant_folding=False,
                    training=torch.onnx.TrainingMode.PRESERVE, dynamo=False,
                )
            structures[stem] = templates.strip(onnx.load_model(str(path), load_external_data=False), state, tmp)
    return structures


def export_onnx(model, out_dir, name: str, opset: int = ONNX_OPSET) -> list[Path]:
    """All eight graphs for ``model``'s weights, exported now and filled as an install fills the shipped templates."""
    from eraser_sam2.fill import write_onnx

    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    return write_onnx(export_structures(name, opset=opset), state, Path(out_dir))


def export_coreml(model, out_dir, name: str, max_points: int = 100) -> list[Path]:
    """ImageEncoder.mlpackage, PromptEncoder.mlpackage, MaskDecoder.mlpackage (ML
    programs, float32, iOS 16 / macOS 13) with the ONNX graphs' tensor names;
    N (prompt points) is a RangeDim 1..``max_points``."""
    import torch

    from eraser_sam2.export import example_inputs

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    examples = example_inputs(model)
    trunk = model.image_encoder.trunk
    with torch.no_grad():  # coremltools has no bicubic resize: the embedding as a constant (256x256 at 1024)
        trunk.frozen_pos_embed = trunk._pos_embed((IMAGE_SIZE // 4, IMAGE_SIZE // 4)).detach().clone()
    try:
        return _coreml_packages(model, out_dir, name, examples, max_points)
    finally:
        trunk.frozen_pos_embed = None


def _coreml_packages(model, out_dir: Path, name: str, examples: dict, max_points: int) -> list[Path]:
    import warnings

    import coremltools as ct
    import numpy as np
    import torch

    from eraser_sam2.export import WRAPPERS
    from eraser_sam2.sizes import size

    n = ct.RangeDim(lower_bound=1, upper_bound=max_points, default=3, symbol="N")
    paths = []
    for stem in IMAGE_STEMS:
        inputs, outputs = INTERFACES[stem]
        args = examples[stem]
        shapes = [tuple(a.shape) for a in args]
        if stem == "PromptEncoder":
            shapes = [(1, n, 2), (1, n)]
        elif stem == "MaskDecoder":
            shapes[4] = (1, n, shapes[4][2])
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(WRAPPERS[stem](model).eval(), args)
            mlmodel = ct.convert(
                traced,
                inputs=[ct.TensorType(name=i, shape=ct.Shape(s), dtype=np.float32) for i, s in zip(inputs, shapes)],
                outputs=[ct.TensorType(name=o, dtype=np.float32) for o in outputs],
                convert_to="mlprogram", compute_precision=ct.precision.FLOAT32,
                minimum_deployment_target=ct.target.iOS16, skip_model_load=True,
            )
        mlmodel.short_description = f"{size(name).title} {stem}"
        path = out_dir / f"{stem}.mlpackage"
        mlmodel.save(str(path))
        paths.append(path)
    return paths
