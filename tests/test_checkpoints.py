"""eraser.checkpoints reads torch files without torch and runs no code in them.

torch is used here only to write the files and to say what they hold.
"""

import io
import os
import pickle
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from eraser.checkpoints import read_torch_file, read_torchscript_params  # noqa: E402
from eraser.errors import EraserError  # noqa: E402

pytestmark = pytest.mark.slow  # torch writes every kind of checkpoint (and a zip bomb) for the reader


def _save(obj, path, **kwargs):
    torch.save(obj, path, **kwargs)
    return path


DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16,
          torch.int8, torch.uint8, torch.bool]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_every_dtype_round_trips(tmp_path, dtype):
    gen = torch.Generator().manual_seed(0)
    t = (torch.randn(3, 5, generator=gen) * 50).to(dtype)
    got = read_torch_file(_save({"t": t}, tmp_path / "x.pt"))["t"]
    assert got.dtype == t.numpy().dtype and got.shape == (3, 5)
    assert np.array_equal(got, t.numpy())


def test_bfloat16_is_widened_to_float32(tmp_path):
    t = torch.randn(4, 7).to(torch.bfloat16)
    got = read_torch_file(_save({"t": t}, tmp_path / "x.pt"))["t"]
    assert got.dtype == np.float32
    assert np.array_equal(got, t.float().numpy())


def test_views_offsets_and_shared_storage(tmp_path):
    base = torch.arange(60, dtype=torch.float32).reshape(6, 10)
    obj = {"t": base.t(), "slice": base[2:4, 3:9], "row": base[5], "base": base, "scalar": base[1, 1],
           "empty": base[:0], "step": base[::2, ::3]}
    got = read_torch_file(_save(obj, tmp_path / "x.pt"))
    for key, value in obj.items():
        assert got[key].shape == tuple(value.shape), key
        assert np.array_equal(got[key], value.numpy()), key
    got["base"][0, 0] = -1  # copies: views do not alias one another
    assert got["t"][0, 0] == 0


def test_nested_containers_and_plain_values(tmp_path):
    obj = OrderedDict(a=[1, 2.5, "x", None, True], b=(torch.ones(2), {"c": torch.zeros(1, dtype=torch.int64)}),
                      size=torch.Size([3, 4]))
    got = read_torch_file(_save(obj, tmp_path / "x.pt"))
    assert list(got) == ["a", "b", "size"]
    assert got["a"] == [1, 2.5, "x", None, True]
    assert np.array_equal(got["b"][0], np.ones(2, np.float32))
    assert got["b"][1]["c"].dtype == np.int64
    assert tuple(got["size"]) == (3, 4)


def test_parameters_become_arrays(tmp_path):
    layer = torch.nn.Linear(3, 2)
    got = read_torch_file(_save({"w": layer.weight, "sd": layer.state_dict()}, tmp_path / "x.pt"))
    assert np.array_equal(got["w"], layer.weight.detach().numpy())
    assert np.array_equal(got["sd"]["bias"], layer.bias.detach().numpy())


def _rewrite(path, out, change):
    """Copy the zip at ``path`` to ``out`` with ``change(name, data) -> data or None`` applied."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info.filename, data)
    return out


def test_big_endian_archive(tmp_path):
    t = torch.randn(3, 4)
    path = _save({"t": t}, tmp_path / "x.pt")

    def swap(name, data):
        if name.endswith("/byteorder"):
            return b"big"
        if "/data/" in name:
            return np.frombuffer(data, "<f4").astype(">f4").tobytes()
        return data

    got = read_torch_file(_rewrite(path, tmp_path / "big.pt", swap))["t"]
    assert got.dtype.isnative and np.array_equal(got, t.numpy())


def test_torchscript_parameters_match_state_dict(tmp_path):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Sequential(torch.nn.Conv2d(4, 2, 1)))
    net.eval()
    path = tmp_path / "ts.pt"
    torch.jit.save(torch.jit.trace(net, torch.rand(1, 3, 8, 8)), str(path))
    got = read_torchscript_params(path)
    expected = torch.jit.load(str(path)).state_dict()
    assert set(got) == set(expected)
    assert all(np.array_equal(got[k], v.numpy()) for k, v in expected.items())
    with pytest.raises(EraserError, match="TorchScript module, not a torch.save"):
        read_torch_file(path)
    with pytest.raises(EraserError, match="not a TorchScript module"):
        read_torchscript_params(_save(net.state_dict(), tmp_path / "sd.pt"))


# ------------------------------------------------------------------ attacks

class _Run:
    """Pickles as a call of ``fn(*args)``: what a malicious checkpoint does."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


@pytest.mark.parametrize("make", [
    lambda marker: _Run(os.system, f"touch {marker}"),
    lambda marker: _Run(eval, f"open({str(marker)!r}, 'w').close()"),
    lambda marker: _Run(subprocess.call, ["touch", str(marker)]),
    lambda marker: _Run(open, str(marker), "w"),
], ids=["os.system", "builtins.eval", "subprocess.call", "builtins.open"])
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_code_in_a_pickle_is_refused_not_run(tmp_path, make, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"weights": torch.ones(2), "x": make(marker)}, path, pickle_protocol=protocol)
    with pytest.raises(EraserError, match="refused") as err:
        read_torch_file(path)
    assert "\n" not in str(err.value)
    assert not marker.exists()


def test_unknown_class_is_refused(tmp_path):
    path = _save({"m": torch.nn.Linear(2, 2)}, tmp_path / "module.pt")  # a whole pickled module
    with pytest.raises(EraserError, match=r"torch\.nn\.modules\.linear\.Linear.*refused"):
        read_torch_file(path)


def test_lightning_objects_are_inert(tmp_path):
    """A training checkpoint's extras (Lightning, omegaconf, numpy scalars)
    are placeholders: readable, never imported or called."""
    source = tmp_path / "pytorch_lightning" / "utilities"
    source.mkdir(parents=True)
    (tmp_path / "pytorch_lightning" / "__init__.py").write_text("")
    (source / "__init__.py").write_text("")
    marker = tmp_path / "imported"
    (source / "parsing.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass AttributeDict(dict):\n    pass\n")
    sys.path.insert(0, str(tmp_path))
    try:
        from pytorch_lightning.utilities.parsing import AttributeDict
        marker.unlink()
        hp = AttributeDict(lr=0.1, kind="big-lama")
        path = _save({"state_dict": {"w": torch.ones(3)}, "hyper_parameters": hp,
                      "score": np.float64(0.5)}, tmp_path / "best.ckpt")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("pytorch_lightning")]:
            del sys.modules[name]
    got = read_torch_file(path)
    assert np.array_equal(got["state_dict"]["w"], np.ones(3, np.float32))
    assert not marker.exists()


def _tensor_pickle(storage_numel, offset, size, stride):
    """A data.pkl naming one float32 storage '0' and one tensor over it."""
    class Storage:
        pass

    class Tensor:
        def __reduce__(self):
            return torch._utils._rebuild_tensor_v2, (Storage(), offset, size, stride, False, OrderedDict())

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", torch.FloatStorage, "0", "cpu", storage_numel)
            return None

    buf = io.BytesIO()
    P(buf, protocol=2).dump({"t": Tensor()})
    return buf.getvalue()


def _archive(path, pkl, storage=b"\0" * 16, extra=()):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        if storage is not None:
            zf.writestr("archive/data/0", storage)
        for name, data in extra:
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("case, match", [
    ("huge", "too large"),
    ("past_end", "reaches past its storage"),
    ("short", "damaged"),
    ("missing", "record 'data/0' is missing"),
    ("negative", "malformed"),
])
def test_crafted_tensors_are_refused(tmp_path, case, match):
    args = {
        "huge": (4, 0, (10**6, 10**6), (0, 0)),
        "past_end": (4, 2, (2, 2), (2, 1)),
        "short": (400, 0, (2,), (1,)),
        "missing": (4, 0, (2,), (1,)),
        "negative": (4, 0, (2,), (-1,)),
    }[case]
    path = _archive(tmp_path / "x.pt", _tensor_pickle(*args), storage=None if case == "missing" else b"\0" * 16)
    with pytest.raises(EraserError, match=match) as err:
        read_torch_file(path)
    assert "\n" not in str(err.value)


def test_damaged_files(tmp_path):
    good = _save({"t": torch.randn(100, 100)}, tmp_path / "good.pt")
    data = good.read_bytes()
    cases = {
        "truncated.pt": (data[: len(data) // 2], "truncated zip"),
        "garbage.pt": (b"\x00garbage" * 100, "not a zip archive"),
        "empty.pt": (b"", "not a zip archive"),
    }
    for name, (content, match) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(EraserError, match=match):
            read_torch_file(tmp_path / name)
    legacy = tmp_path / "legacy.pt"
    torch.save({"t": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(EraserError, match="legacy PyTorch format"):
        read_torch_file(legacy)
    nozip = _archive(tmp_path / "other.zip", b"", storage=None, extra=[("hello.txt", b"hi")])
    nozip_fixed = tmp_path / "plain.zip"
    with zipfile.ZipFile(nozip_fixed, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(EraserError, match="not a PyTorch checkpoint"):
        read_torch_file(nozip_fixed)
    with pytest.raises(EraserError, match="pickle is damaged"):
        read_torch_file(nozip)
    with pytest.raises(EraserError, match="not found"):
        read_torch_file(tmp_path / "absent.pt")


def test_a_zip_bomb_is_refused_before_it_unpacks(tmp_path):
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", _tensor_pickle(4, 0, (2,), (1,)))
        zf.writestr("archive/data/0", b"\0" * (200 << 20))  # 200 MB of zeros: a few hundred KB packed
    assert path.stat().st_size < 1 << 20
    with pytest.raises(EraserError, match="would unpack to 209715200 bytes; refused"):
        read_torch_file(path)
