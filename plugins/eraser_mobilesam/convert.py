"""Export MobileSAM or SAM ViT-B/L/H (see :mod:`eraser_mobilesam.model`) to ONNX and Core ML.

Three models with the seed app's interface, all float32, batch 1:

``ImageEncoder``   image (1,3,1024,1024) -> imageEmbeddings (1,256,64,64)
``PromptEncoder``  points (1,N,2), labels (1,N)
                   -> sparsePromptEmbeddings (1,N,256), densePromptEmbeddings (1,256,64,64)
``MaskDecoder``    imageEmbeddings, imagePositionalEncoding (1,256,64,64),
                   sparsePromptEmbeddings (1,N,256), densePromptEmbeddings (1,256,64,64)
                   -> masks (1,4,256,256), iouPredictions (1,4)

and, ONNX only, ``MaskDecoder`` in two for clicks: ``MaskDecoderImage`` (once
per photo) and ``MaskDecoderPrompt`` (per click; see :mod:`eraser_mobilesam.interface`).

plus ``imagePositionalEncoding.npy`` (1,256,64,64) float32, the constant the
decoder takes. N is dynamic (ONNX) or a RangeDim 1..100 (Core ML).

torch, onnx and coremltools are imported inside the functions only.
"""

from __future__ import annotations

from pathlib import Path

from eraser_mobilesam.interface import IMAGE_STEMS, INTERFACES, POSITIONAL_ENCODING_FILE

ONNX_OPSET = 17
EXAMPLE_PROMPT_POINTS = 3  # N used while tracing; any N works afterwards


def _example_inputs(model, n_points: int = EXAMPLE_PROMPT_POINTS):
    """Wrappers and example inputs for tracing, keyed by file stem."""
    import torch

    from eraser_mobilesam import model as m

    gen = torch.Generator().manual_seed(0)
    points = torch.rand((1, n_points, 2), generator=gen) * m.IMAGE_SIZE
    labels = torch.tensor([[1.0, 0.0, -1.0, 2.0, 3.0] * n_points])[:, :n_points]
    emb = torch.randn((1, m.EMBED_DIM, m.EMBED_SIZE, m.EMBED_SIZE), generator=gen)
    with torch.no_grad():
        pe = m.image_positional_encoding(model)
        sparse = model.prompt_encoder.embed_labelled_points(points, labels)
        dense = model.prompt_encoder.no_mask_dense().contiguous()
    image = torch.randn((1, 3, m.IMAGE_SIZE, m.IMAGE_SIZE), generator=gen)
    with torch.no_grad():
        tokens, *projected = model.mask_decoder.image_side(emb, pe, dense)
    positional_tokens = pe.flatten(2).permute(0, 2, 1).contiguous()
    return {
        "ImageEncoder": (m.ImageEncoder(model).eval(), (image,)),
        "PromptEncoder": (m.PromptEncoder(model).eval(), (points, labels)),
        "MaskDecoder": (m.MaskDecoder(model).eval(), (emb, pe, sparse, dense)),
        "MaskDecoderImage": (m.MaskDecoderImage(model).eval(), (emb, pe)),
        "MaskDecoderPrompt": (m.MaskDecoderPrompt(model).eval(), (tokens, *projected, positional_tokens, sparse)),
    }


def _save_positional_encoding(model, out_dir: Path) -> Path:
    import numpy as np

    from eraser_mobilesam.model import image_positional_encoding

    path = out_dir / POSITIONAL_ENCODING_FILE
    np.save(path, image_positional_encoding(model).numpy().astype(np.float32))
    return path


DYNAMIC_AXES = {
    "ImageEncoder": None,
    "PromptEncoder": {"points": {1: "N"}, "labels": {1: "N"}, "sparsePromptEmbeddings": {1: "N"}},
    "MaskDecoder": {"sparsePromptEmbeddings": {1: "N"}},
    "MaskDecoderImage": None,
    "MaskDecoderPrompt": {"sparsePromptEmbeddings": {1: "N"}},
}


def export_structures(name: str = "mobile-sam", stems=None, opset: int = ONNX_OPSET) -> dict:
    """The graphs of family member ``name`` (by default all three stems) as
    templates (:mod:`eraser.templates`): exported from a model with distinct
    random weights, each weight then replaced by its state-dict key. What
    ``templates/*.onnx.gz`` ship.

    Exported with the TorchScript exporter (``dynamo=False``), no constant
    folding and the modules as they are (``TrainingMode.PRESERVE``: no
    Conv+BatchNorm fusion), so that every initializer is a checkpoint tensor;
    onnxruntime folds and fuses by itself when it loads the model. N (axis 1
    of points, labels and sparsePromptEmbeddings) is a dynamic axis named ``N``.
    Each graph is exported to a file, so a model over protobuf's 2 GB (ViT-H)
    goes through the exporter's external data.
    """
    import tempfile
    import warnings

    import onnx
    import torch

    from eraser import templates
    from eraser_mobilesam.model import build_sam

    model = build_sam(name).eval()
    templates.distinct_weights(model)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    structures = {}
    for stem, (wrapper, args) in _example_inputs(model).items():
        if stems is not None and stem not in stems:
            continue
        inputs, outputs = INTERFACES[stem]
        with tempfile.TemporaryDirectory(prefix="eraser-export-") as tmp:
            path = Path(tmp) / f"{stem}.onnx"
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TracerWarnings and the exporter's deprecation notice
                torch.onnx.export(
                    wrapper,
                    args,
                    str(path),
                    input_names=list(inputs),
                    output_names=list(outputs),
                    dynamic_axes=DYNAMIC_AXES[stem],
                    opset_version=opset,
                    do_constant_folding=False,
                    training=torch.onnx.TrainingMode.PRESERVE,
                    dynamo=False,
                )
            structures[stem] = templates.strip(onnx.load_model(str(path), load_external_data=False), state, tmp)
    return structures


def export_onnx(model, out_dir, opset: int = ONNX_OPSET, name: str = "mobile-sam") -> list[Path]:
    """Write ImageEncoder.onnx, PromptEncoder.onnx, MaskDecoder.onnx,
    MaskDecoderImage.onnx, MaskDecoderPrompt.onnx and imagePositionalEncoding.npy for ``model``'s weights (family member
    ``name``) into ``out_dir``; return their paths. The graphs are exported
    now (:func:`export_structures`) and filled as ``eraser models install``
    fills the shipped templates."""
    from eraser_mobilesam.install import write_onnx

    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    return write_onnx(export_structures(name, opset=opset), state, Path(out_dir))


def export_coreml(model, out_dir, max_points: int | None = None, name: str = "mobile-sam") -> list[Path]:
    """Write ImageEncoder.mlpackage, PromptEncoder.mlpackage, MaskDecoder.mlpackage
    (ML programs, float32 compute precision, iOS 16 / macOS 13) into ``out_dir``,
    plus imagePositionalEncoding.npy; return their paths.

    N is a RangeDim 1..``max_points`` (default 100) in PromptEncoder and MaskDecoder.
    """
    import warnings

    import coremltools as ct
    import numpy as np
    import torch

    from eraser_mobilesam import model as m
    from eraser_mobilesam.family import variant

    max_points = m.MAX_PROMPT_POINTS if max_points is None else max_points
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    n = ct.RangeDim(lower_bound=1, upper_bound=max_points, default=EXAMPLE_PROMPT_POINTS, symbol="N")
    e, s = m.EMBED_DIM, m.EMBED_SIZE
    grid = (1, e, s, s)
    shapes = {
        "image": (1, 3, m.IMAGE_SIZE, m.IMAGE_SIZE),
        "points": (1, n, 2),
        "labels": (1, n),
        "imageEmbeddings": grid,
        "imagePositionalEncoding": grid,
        "sparsePromptEmbeddings": (1, n, e),
        "densePromptEmbeddings": grid,
    }
    paths = []
    for stem, (wrapper, args) in _example_inputs(model).items():
        if stem not in IMAGE_STEMS:
            continue  # the click's split decoder runs on ONNX Runtime only
        inputs, outputs = INTERFACES[stem]
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(wrapper, args)
            mlmodel = ct.convert(
                traced,
                inputs=[ct.TensorType(name=name, shape=ct.Shape(shapes[name]), dtype=np.float32) for name in inputs],
                outputs=[ct.TensorType(name=name, dtype=np.float32) for name in outputs],
                convert_to="mlprogram",
                compute_precision=ct.precision.FLOAT32,
                minimum_deployment_target=ct.target.iOS16,
                skip_model_load=True,  # Core ML cannot load models off Apple platforms
            )
        mlmodel.short_description = f"{variant(name).title} {stem}"
        path = out_dir / f"{stem}.mlpackage"
        mlmodel.save(str(path))
        paths.append(path)
    paths.append(_save_positional_encoding(model, out_dir))
    return paths


def coreml_checkpoint(checkpoint: Path, out_dir: Path, name: str = "mobile-sam") -> list[Path]:
    """The CoreML packages of ``checkpoint`` (torch and coremltools)."""
    from eraser_mobilesam.model import load_checkpoint

    model = load_checkpoint(checkpoint, name).eval()
    return [p for p in export_coreml(model, out_dir, name=name) if p.suffix == ".mlpackage"]


def convert_checkpoint(checkpoint: Path, out_dir: Path, name: str = "mobile-sam") -> list[Path]:
    """Everything, through torch: ONNX graphs exported now (not the shipped
    templates: this is the path for a changed model) and CoreML packages."""
    from eraser_mobilesam.model import load_checkpoint

    model = load_checkpoint(checkpoint, name).eval()
    written = export_onnx(model, out_dir, name=name)
    written += [p for p in export_coreml(model, out_dir, name=name) if p not in written]
    return written
