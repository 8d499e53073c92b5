"""A pickle reader that knows only the globals of tensors and module trees.

``find_class`` is the one door through which a pickle reaches code; here it
opens onto an allow-list of inert stand-ins, so nothing a file names is ever
imported or called.
"""

from __future__ import annotations

import collections
import io
import pickle
from typing import Callable

from eraser.checkpoints.tensors import STORAGE_DTYPES, Storage, StorageType, rebuild
from eraser.errors import EraserError


class ScriptObject:
    """A TorchScript module (``__torch__.*`` class): a bag of its attributes."""

    qualname = ""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __setstate__(self, state) -> None:
        self.attributes = state if isinstance(state, dict) else {}


class Inert:
    """Stands in for the non-weight objects a training checkpoint keeps
    (Lightning's AttributeDict and callbacks, omegaconf configs, numpy
    scalars): takes anything, keeps nothing, runs nothing."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        pass

    def __setitem__(self, key, value) -> None:
        pass

    def append(self, value) -> None:
        pass

    def extend(self, values) -> None:
        pass


# Families of classes a Lightning checkpoint pickles besides tensors; they
# become Inert (never imported). Any other module is refused.
INERT_MODULES = ("pytorch_lightning", "lightning", "lightning_fabric", "omegaconf", "numpy", "_codecs", "typing")


_PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def _first(value, *rest):
    return value


def _as_list(value, *rest):
    return list(value)


class RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, storage: Callable[[str], bytes], byteorder: str, source: str) -> None:
        super().__init__(io.BytesIO(data))
        self.load_storage = storage
        self.byteorder = byteorder
        self.source = source
        self.storages: dict[str, Storage] = {}
        self.script_classes: dict[str, type] = {}

    def _tensor(self, storage, offset, size, stride, *rest):
        return rebuild(storage, offset, size, stride, self.byteorder)

    def find_class(self, module: str, name: str):
        module = _PY2_MODULES.get(module, module)  # protocol 2 pickles name Python 2 modules
        full = f"{module}.{name}"
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name)
        allowed = {
            "torch._utils._rebuild_tensor_v2": self._tensor,
            "torch._utils._rebuild_tensor": self._tensor,
            "torch._utils._rebuild_parameter": _first,
            "torch._utils._rebuild_parameter_with_state": _first,
            "collections.OrderedDict": collections.OrderedDict,
            "torch.Size": tuple,
            "torch.device": str,
            "torch.jit._pickle.restore_type_tag": _first,
            "torch.jit._pickle.build_intlist": _as_list,
            "torch.jit._pickle.build_doublelist": _as_list,
            "torch.jit._pickle.build_boollist": _as_list,
            "torch.jit._pickle.build_tensorlist": _as_list,
            "builtins.set": set,
            "builtins.frozenset": frozenset,
            "builtins.slice": slice,
        }
        if full in allowed:
            return allowed[full]
        if module.startswith("__torch__.") or module == "__torch__":
            cls = self.script_classes.get(full)
            if cls is None:
                cls = self.script_classes[full] = type(name, (ScriptObject,), {"qualname": full})
            return cls
        if module.split(".")[0] in INERT_MODULES:
            return Inert
        raise EraserError(f"{self.source} refers to {full}, which a checkpoint has no need of; refused (not run)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise EraserError(f"{self.source}: unknown storage reference {str(pid)[:60]}")
        _, kind, key, _location, numel = pid
        if not isinstance(kind, StorageType) or not isinstance(key, str) or type(numel) is not int or numel < 0:
            raise EraserError(f"{self.source}: malformed storage reference {str(pid)[:60]}")
        if key not in self.storages:
            self.storages[key] = Storage(kind, key, numel, lambda key=key: self.load_storage(key))
        return self.storages[key]


def unpickle(data: bytes, storage: Callable[[str], bytes], byteorder: str, source: str) -> object:
    try:
        return RestrictedUnpickler(data, storage, byteorder, source).load()
    except EraserError:
        raise
    except RecursionError:
        raise EraserError(f"{source}: its pickle nests too deeply") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            MemoryError, OverflowError, UnicodeDecodeError) as exc:
        raise EraserError(f"cannot read checkpoint {source}: its pickle is damaged ({type(exc).__name__}: {str(exc)[:80]})") from None
