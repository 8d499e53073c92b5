"""ONNX graphs shipped without their weights, filled from a checkpoint.

A model's graph is fixed by eraser's model definition; only its weights come
from the checkpoint. So the graph is exported once (with torch, by whoever
changes the model) and shipped as a *template*: every initializer that is a
checkpoint tensor is replaced by a reference to its state-dict key (ONNX's
external-data fields, location ``state:<key>``), everything else (small
constants) stays. :func:`fill` puts the tensors back with the ``onnx``
package alone, so installing a model needs neither torch nor a converter,
and gives the same file the torch exporter gives for the same weights.

Templates are made from a model whose every tensor holds distinct random
values (:func:`distinct_weights`), so each initializer matches exactly one
state-dict entry and no exporter pass can merge two of them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Mapping

import numpy as np

from eraser.errors import EraserError

STATE = "state:"


def _digest(array: np.ndarray) -> tuple:
    a = np.ascontiguousarray(array)
    return a.dtype.str, a.shape, hashlib.sha256(a.tobytes()).hexdigest()


def strip(model, state: Mapping[str, np.ndarray], base_dir: str | Path | None = None):
    """A copy of ``model`` (onnx.ModelProto) whose initializers equal to a
    ``state`` tensor refer to its key instead of holding its values; node
    doc strings and metadata (source paths of the machine that exported,
    the exporter's notes) are dropped. Raises ValueError when two initializers could be either of
    two tensors (make the weights distinct first). ``base_dir``: where an
    exporter put the tensors of a model over 2 GB (external data)."""
    import onnx
    from onnx import numpy_helper

    by_digest: dict[tuple, list[str]] = {}
    for key, value in state.items():
        by_digest.setdefault(_digest(np.asarray(value)), []).append(key)
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for node in out.graph.node:
        node.doc_string = ""
        del node.metadata_props[:]
    del out.metadata_props[:]
    # exporters note their own state here (torch.export's shape ranges, in an
    # order that changes from run to run): not part of the model
    del out.graph.metadata_props[:]
    out.graph.doc_string = ""
    for init in out.graph.initializer:
        array = numpy_helper.to_array(init, base_dir=str(base_dir or ""))
        keys = by_digest.get(_digest(array), [])
        if len(keys) > 1:
            raise ValueError(f"initializer {init.name} equals {len(keys)} tensors ({', '.join(keys[:3])})")
        if keys:
            ref = onnx.TensorProto(name=init.name, data_type=init.data_type, dims=init.dims,
                                   data_location=onnx.TensorProto.EXTERNAL)
            entry = ref.external_data.add()
            entry.key, entry.value = "location", STATE + keys[0]
            init.CopyFrom(ref)
        elif init.data_location == onnx.TensorProto.EXTERNAL:
            init.CopyFrom(numpy_helper.from_array(array, init.name))  # a constant of the graph: keep it inside
    for tensor in _attribute_tensors(out):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor, base_dir=str(base_dir or "")),
                                                    tensor.name))
    return out


def _attribute_tensors(model):
    """The tensors held by nodes' attributes (Constant values and the like)."""
    for node in model.graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors


def foreign_data(template) -> list[str]:
    """Tensors of ``template`` whose data lies in a file that is neither
    inside it nor a state-dict reference (an exporter's leftover): a
    template must be whole on its own."""
    import onnx

    tensors = list(template.graph.initializer) + list(_attribute_tensors(template))
    return [t.name for t in tensors
            if t.data_location == onnx.TensorProto.EXTERNAL and _reference(t) is None]


def references(template) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """The state-dict keys a template needs, with their shapes and dtypes."""
    from onnx import helper

    needs = {}
    for init in template.graph.initializer:
        key = _reference(init)
        if key is not None:
            needs[key] = (tuple(init.dims), np.dtype(helper.tensor_dtype_to_np_dtype(init.data_type)))
    return needs


def _reference(init) -> str | None:
    for entry in init.external_data:
        if entry.key == "location" and entry.value.startswith(STATE):
            return entry.value[len(STATE):]
    return None


def check(template, state: Mapping[str, np.ndarray], what: str) -> None:
    """EraserError naming what a checkpoint lacks or has of the wrong shape."""
    foreign = foreign_data(template)
    if foreign:
        raise EraserError(f"the model graph for {what} refers to data outside it ({', '.join(foreign[:3])}); "
                          "it is damaged: reinstall eraser")
    needs = references(template)
    missing = [k for k in needs if k not in state]
    wrong = [f"{k} {tuple(np.shape(state[k]))} != {needs[k][0]}" for k in needs
             if k in state and tuple(np.shape(state[k])) != needs[k][0]]
    odd = [k for k in needs if k in state and not _castable(np.asarray(state[k]).dtype, needs[k][1])]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing ({', '.join(missing[:3])})")
    if wrong:
        problems.append(f"{len(wrong)} of another shape ({'; '.join(wrong[:2])})")
    if odd:
        problems.append(f"{len(odd)} of another type ({', '.join(odd[:3])})")
    if problems:
        raise EraserError(f"{what} does not fit: " + "; ".join(problems))


def _castable(got: np.dtype, want: np.dtype) -> bool:
    if got == want:
        return True
    # half/double precision checkpoints are stored as float32 models
    return got.kind == "f" and want.kind == "f"


def fill(template, state: Mapping[str, np.ndarray], what: str = "the checkpoint"):
    """``template`` with every reference replaced by its tensor from ``state``."""
    import onnx
    from onnx import numpy_helper

    check(template, state, what)
    needs = references(template)
    out = onnx.ModelProto()
    out.CopyFrom(template)
    for init in out.graph.initializer:
        key = _reference(init)
        if key is None:
            continue
        array = np.asarray(state[key])
        value = np.ascontiguousarray(array.astype(needs[key][1].newbyteorder("<"), copy=False))
        if not np.all(np.isfinite(value)) and value.dtype.kind == "f":
            raise EraserError(f"{what}: {key} holds NaN or infinite values")
        init.CopyFrom(numpy_helper.from_array(value, init.name))
    return out


def load(path: str | Path):
    import onnx

    return onnx.load_model(str(path), load_external_data=False)


# protobuf cannot serialise a message of 2 GB or more (SAM ViT-H has 2.5 GB
# of weights): above this, the weights go to a file beside the graph
EXTERNAL_OVER = 1536 << 20


def weight_bytes(model) -> int:
    return sum(len(init.raw_data) for init in model.graph.initializer)


def save(model, path: str | Path) -> list[Path]:
    """Write ``model`` and return the files written: the graph with its
    weights inside, or, for a model over :data:`EXTERNAL_OVER` bytes, the
    graph and ``<name>.data`` beside it (ONNX external data, which ONNX
    Runtime reads from the graph's folder)."""
    import onnx

    path = Path(path)
    if weight_bytes(model) <= EXTERNAL_OVER:
        onnx.save_model(model, str(path))
        return [path]
    data = path.with_name(path.name + ".data")
    data.unlink(missing_ok=True)  # onnx appends to an existing file
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data.name, size_threshold=1024)
    return [path, data]


def distinct_weights(model, seed: int = 0) -> None:
    """Give every floating tensor of a torch module distinct random values
    (and positive variances), in place: the model templates are made from."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                values = torch.rand(tensor.shape, generator=gen) * 0.1
                if not name.endswith("running_var"):
                    values = values - 0.05
                tensor.copy_(values + 0.01)
