"""Export the LaMa generator to ONNX (onnxruntime) and CoreML.

Both exported models take the same inputs and give the same output:

* ``image``: float32 (1, 3, H, W), RGB in [0, 1];
* ``mask``: float32 (1, 1, H, W), 1 = fill, 0 = keep (binarize first);
* ``output``: float32 (1, 3, H, W), RGB in [0, 1], already composited
  (``mask * prediction + (1 - mask) * image``, as big-lama.pt returns);
  ``composite=False`` exports the raw prediction instead.

The graph zeroes the hole and appends the mask channel itself. H and W must
be multiples of 8 (``2 ** n_downsampling``) and at least 16: pad the image
(``numpy.pad(..., mode="symmetric")``, as upstream LaMa does) and crop the
output back.

ONNX: dynamic H and W by default (any multiple of 8 from 16 up), via the
dynamo exporter (``torch.onnx.export(..., dynamo=True)``; the TorchScript
exporter cannot export ``fft_rfftn``). The exporter annotates the inverse
real DFT's output with the wrong shape (pytorch/pytorch#125903, #107588),
which makes onnxruntime fail ("Shape mismatch attempting to re-use buffer")
when H != W; the annotations (``graph.value_info``) are therefore dropped
and onnxruntime infers shapes itself.

CoreML: fixed size only. coremltools lowers the FFTs to matrix products
with constant DFT matrices, and its converter rejects both ``RangeDim`` and
``EnumeratedShapes`` here (``complex`` op: real/imag shapes must match); so
convert one model per working size (512 x 512 is LaMa's training scale).

torch, onnx, onnxscript and coremltools are imported inside the functions:
importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

INPUT_NAMES = ("image", "mask")
OUTPUT_NAME = "output"
ONNX_OPSET = 20  # DFT-20: onnxruntime >= 1.17


def _hw(size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


def _wrap(model, composite: bool):
    """(image, mask) -> output module in eval mode around a generator."""
    from .model import LamaGenerator, InpaintWrapper

    if isinstance(model, InpaintWrapper):
        wrapper = model
    elif isinstance(model, LamaGenerator):
        wrapper = InpaintWrapper(model, composite=composite)
    else:
        raise TypeError(f"expected a LamaGenerator or InpaintWrapper, got {type(model).__name__}")
    return wrapper.eval()


def _example(h: int, w: int, multiple: int):
    import torch

    if h % multiple or w % multiple or h < 2 * multiple or w < 2 * multiple:
        raise ValueError(f"size must be multiples of {multiple} and at least {2 * multiple}, got {h}x{w}")
    g = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, h, w, generator=g)
    mask = (torch.rand(1, 1, h, w, generator=g) > 0.5).float()
    return image, mask


@contextlib.contextmanager
def _matmul_dft(module):
    """Export the Fourier units' transforms as matrix products (see
    ffc.FourierUnit: onnxruntime's DFT operator is slow on CPU)."""
    from eraser_lama.ffc import FourierUnit

    units = [m for m in module.modules() if isinstance(m, FourierUnit)]
    for unit in units:
        unit.matmul_dft = True
    try:
        yield
    finally:
        for unit in units:
            unit.matmul_dft = False


def _export_proto(wrapper, size: tuple[int, int], dynamic: bool):
    """The ONNX graph of ``wrapper`` (the dynamo exporter), unoptimised:
    onnxscript's optimiser folds BatchNorm into the convolutions, which would
    make the initializers differ from the checkpoint's tensors (and
    onnxruntime fuses them itself when it loads the model)."""
    import onnx
    import torch

    multiple = wrapper.generator.multiple
    h, w = size
    image, mask = _example(h, w, multiple)
    kwargs: dict[str, Any] = {}
    if dynamic:
        hd = torch.export.Dim("h_div8", min=2)
        wd = torch.export.Dim("w_div8", min=2)
        spatial = {2: multiple * hd, 3: multiple * wd}
        kwargs["dynamic_shapes"] = {"image": spatial, "mask": spatial}
    with torch.no_grad(), _matmul_dft(wrapper), contextlib.redirect_stdout(None):
        program = torch.onnx.export(
            wrapper, (image, mask), None, dynamo=True, input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME], opset_version=ONNX_OPSET, optimize=False, **kwargs)
    proto = program.model_proto
    # Wrong shape annotations on the inverse DFTs break onnxruntime's buffer
    # reuse (see module docstring): keep only the graph's input/output shapes.
    del proto.graph.value_info[:]
    if dynamic:
        for value in list(proto.graph.input) + list(proto.graph.output):
            dims = value.type.tensor_type.shape.dim
            dims[2].dim_param, dims[3].dim_param = "height", "width"
    onnx.checker.check_model(proto)
    return proto


def export_structure(model, size: int | tuple[int, int] = 64, *, dynamic: bool = True, composite: bool = True):
    """The graph of ``model``'s architecture as a template (:mod:`eraser.templates`):
    exported from a copy with distinct random weights, each weight then
    replaced by its (prefix-free) state-dict key. For big-lama's configuration
    this is what ``templates/LaMa.onnx.gz`` ships."""
    import copy

    from eraser import templates

    twin = copy.deepcopy(_wrap(model, composite).generator).eval()
    templates.distinct_weights(twin)
    state = {k: v.numpy() for k, v in twin.state_dict().items()}
    return templates.strip(_export_proto(_wrap(twin, composite), _hw(size), dynamic), state)


def export_onnx(model, path: str | os.PathLike, size: int | tuple[int, int] = 512, *,
                dynamic: bool = True, composite: bool = True) -> dict[str, Any]:
    """Write ``model`` (a LamaGenerator) as an ONNX file at ``path``: its
    structure (:func:`export_structure`) filled with its weights, as
    ``eraser models install`` fills the shipped template.

    ``dynamic=True``: H and W are free multiples of 8 (>= 16); ``size`` is
    only the example traced. ``dynamic=False``: fixed ``size`` (int or
    (H, W)). Returns ``{"path", "seconds", "dynamic", "size"}``.
    """
    from eraser import templates

    wrapper = _wrap(model, composite)
    h, w = _hw(size)
    _example(h, w, wrapper.generator.multiple)  # checks the size before the slow export
    t0 = time.perf_counter()
    structure = export_structure(wrapper.generator, (h, w), dynamic=dynamic, composite=composite)
    state = {k: v.detach().cpu().numpy() for k, v in wrapper.generator.state_dict().items()}
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    templates.save(templates.fill(structure, state), out)
    return {"path": out, "seconds": time.perf_counter() - t0, "dynamic": dynamic, "size": (h, w)}


def export_coreml(model, path: str | os.PathLike, size: int | tuple[int, int] = 512, *,
                  composite: bool = True, minimum_deployment_target: Any = None) -> dict[str, Any]:
    """Write ``model`` as a CoreML ``.mlpackage`` (mlprogram, float32) with a
    fixed input size ``size`` (int or (H, W), multiples of 8). Traces with
    torch.jit.trace and converts with coremltools. The default deployment
    target is macOS 13 / iOS 16. Returns ``{"path", "seconds", "size"}``.
    """
    import coremltools as ct
    import numpy as np
    import torch

    wrapper = _wrap(model, composite)
    h, w = _hw(size)
    image, mask = _example(h, w, wrapper.generator.multiple)
    t0 = time.perf_counter()
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, (image, mask), check_trace=False)
    mlmodel = ct.convert(
        traced,
        inputs=[ct.TensorType(name="image", shape=(1, 3, h, w), dtype=np.float32),
                ct.TensorType(name="mask", shape=(1, 1, h, w), dtype=np.float32)],
        outputs=[ct.TensorType(name=OUTPUT_NAME, dtype=np.float32)],
        convert_to="mlprogram",
        compute_precision=ct.precision.FLOAT32,
        minimum_deployment_target=minimum_deployment_target or ct.target.macOS13,
    )
    mlmodel.short_description = (
        "LaMa inpainting: image (RGB, 0..1) and mask (1 = fill) to the inpainted image (RGB, 0..1)")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    mlmodel.save(str(out))
    return {"path": out, "seconds": time.perf_counter() - t0, "size": (h, w)}
