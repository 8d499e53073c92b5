"""Storages and tensors of a checkpoint, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eraser.errors import EraserError

# torch's legacy storage class names (still what torch.save pickles) -> numpy dtype.
# bfloat16 has no numpy dtype: it is read as uint16 and widened to float32.
STORAGE_DTYPES = {
    "FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "BFloat16Storage": "bf16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?",
}
# A tensor may view its storage repeatedly (stride 0); its copy is capped so
# that a crafted shape cannot ask for terabytes.
MAX_TENSOR_BYTES = 4 << 30


@dataclass(frozen=True)
class StorageType:
    """What ``torch.FloatStorage`` and friends unpickle to: only a dtype."""

    name: str

    @property
    def dtype(self) -> np.dtype:
        code = STORAGE_DTYPES[self.name]
        return np.dtype("<u2" if code == "bf16" else "<" + code if code != "?" else "?")


@dataclass
class Storage:
    """One storage record: raw bytes read on first use, shared by its views."""

    kind: StorageType
    key: str
    numel: int
    load: object  # () -> bytes
    _array: np.ndarray | None = None

    def array(self, byteorder: str) -> np.ndarray:
        if self._array is None:
            data = self.load()
            dtype = self.kind.dtype
            if byteorder == "big":
                dtype = dtype.newbyteorder(">")
            need = self.numel * dtype.itemsize
            if len(data) < need:
                raise EraserError(f"storage {self.key} is damaged: {len(data)} bytes for {self.numel} elements")
            self._array = np.frombuffer(data, dtype=dtype, count=self.numel)
        return self._array


def _ints(value: object, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not all(type(v) is int and v >= 0 for v in value):
        raise EraserError(f"checkpoint tensor has a malformed {what}: {str(value)[:60]}")
    return tuple(value)


def rebuild(storage: object, offset: object, size: object, stride: object, byteorder: str) -> np.ndarray:
    """The array ``torch._utils._rebuild_tensor_v2`` would view, as a copy."""
    if not isinstance(storage, Storage):
        raise EraserError("checkpoint tensor refers to no storage")
    shape, strides = _ints(size, "shape"), _ints(stride, "stride")
    if type(offset) is not int or offset < 0 or len(shape) != len(strides):
        raise EraserError("checkpoint tensor has a malformed offset or stride")
    base = storage.array(byteorder)
    count = int(np.prod(shape, dtype=object))
    if count * base.itemsize > MAX_TENSOR_BYTES:
        raise EraserError(f"checkpoint tensor of shape {shape} is too large ({count * base.itemsize} bytes)")
    if count == 0:
        out = np.zeros(shape, dtype=base.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(shape, strides))
        if last >= base.size:
            raise EraserError(
                f"checkpoint tensor of shape {shape} reaches past its storage {storage.key} ({base.size} elements)")
        view = np.lib.stride_tricks.as_strided(
            base[offset:], shape=shape, strides=[s * base.itemsize for s in strides], writeable=False)
        out = np.array(view, dtype=base.dtype.newbyteorder("="), order="C")
    if storage.kind.name == "BFloat16Storage":
        out = (out.astype(np.uint32) << 16).view(np.float32)
    return out
