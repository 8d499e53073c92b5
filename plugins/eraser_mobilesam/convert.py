"""Export MobileSAM (see :mod:`eraser_mobilesam.model`) to ONNX and Core ML.

Three models with the seed app's interface, all float32, batch 1:

``ImageEncoder``   image (1,3,1024,1024) -> imageEmbeddings (1,256,64,64)
``PromptEncoder``  points (1,N,2), labels (1,N)
                   -> sparsePromptEmbeddings (1,N,256), densePromptEmbeddings (1,256,64,64)
``MaskDecoder``    imageEmbeddings, imagePositionalEncoding (1,256,64,64),
                   sparsePromptEmbeddings (1,N,256), densePromptEmbeddings (1,256,64,64)
                   -> masks (1,4,256,256), iouPredictions (1,4)

plus ``imagePositionalEncoding.npy`` (1,256,64,64) float32, the constant the
decoder takes. N is dynamic (ONNX) or a RangeDim 1..100 (Core ML).

torch, onnx and coremltools are imported inside the functions only.
"""

from __future__ import annotations

from pathlib import Path

from eraser_mobilesam.interface import INTERFACES, POSITIONAL_ENCODING_FILE

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
    return {
        "ImageEncoder": (m.ImageEncoder(model).eval(), (image,)),
        "PromptEncoder": (m.PromptEncoder(model).eval(), (points, labels)),
        "MaskDecoder": (m.MaskDecoder(model).eval(), (emb, pe, sparse, dense)),
    }


def _save_positional_encoding(model, out_dir: Path) -> Path:
    import numpy as np

    from eraser_mobilesam.model import image_positional_encoding

    path = out_dir / POSITIONAL_ENCODING_FILE
    np.save(path, image_positional_encoding(model).numpy().astype(np.float32))
    return path


def export_onnx(model, out_dir, opset: int = ONNX_OPSET) -> list[Path]:
    """Write ImageEncoder.onnx, PromptEncoder.onnx, MaskDecoder.onnx and
    imagePositionalEncoding.npy into ``out_dir``; return their paths.

    Uses the TorchScript exporter (``dynamo=False``); N (axis 1 of points,
    labels and sparsePromptEmbeddings) is a dynamic axis named ``N``.
    """
    import warnings

    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    dynamic = {
        "ImageEncoder": None,
        "PromptEncoder": {"points": {1: "N"}, "labels": {1: "N"}, "sparsePromptEmbeddings": {1: "N"}},
        "MaskDecoder": {"sparsePromptEmbeddings": {1: "N"}},
    }
    paths = []
    for stem, (wrapper, args) in _example_inputs(model).items():
        inputs, outputs = INTERFACES[stem]
        path = out_dir / f"{stem}.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings and the exporter's deprecation notice
            torch.onnx.export(
                wrapper,
                args,
                str(path),
                input_names=list(inputs),
                output_names=list(outputs),
                dynamic_axes=dynamic[stem],
                opset_version=opset,
                do_constant_folding=True,
                dynamo=False,
            )
        paths.append(path)
    paths.append(_save_positional_encoding(model, out_dir))
    return paths


def export_coreml(model, out_dir, max_points: int | None = None) -> list[Path]:
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
        mlmodel.short_description = f"MobileSAM (vit_t) {stem}"
        path = out_dir / f"{stem}.mlpackage"
        mlmodel.save(str(path))
        paths.append(path)
    paths.append(_save_positional_encoding(model, out_dir))
    return paths
