"""Runtime choice and the two model runners. CoreML cannot execute on Linux,
so its plumbing is tested with a fake MLModel."""

import sys

import numpy as np
import pytest

from eraser import runtimes
from eraser.errors import EraserError
from eraser.modelstore import InstalledModel


pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

def model_with(tmp_path, *files):
    return InstalledModel("toy", tmp_path, {f: {"sha256": "", "size": 0} for f in files}, {})


def write_add_model(path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])],
        "toy",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 3]), helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, [1, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # onnx writes a newer IR than onnxruntime 1.31 reads by default
    onnx.save(model, path)


def test_onnx_session_runs_by_name(tmp_path):
    write_add_model(tmp_path / "Toy.onnx")
    session = runtimes.open_runner(model_with(tmp_path, "Toy.onnx"), "Toy", "onnx")
    assert session.runtime == "onnx"
    out = session.run({"a": np.ones((1, 3), np.float32), "b": np.full((1, 3), 2, np.float32), "ignored": np.zeros(1)})
    np.testing.assert_array_equal(out["sum"], np.full((1, 3), 3, np.float32))


def test_a_corrupt_onnx_file_is_a_clear_error(tmp_path):
    (tmp_path / "Toy.onnx").write_bytes(b"not a model")
    with pytest.raises(EraserError, match="cannot load"):
        runtimes.open_runner(model_with(tmp_path, "Toy.onnx"), "Toy", "onnx")


def test_auto_prefers_coreml_only_where_it_can_run(tmp_path, monkeypatch):
    both = model_with(tmp_path, "Toy.onnx", "Toy.mlpackage/Data/weights.bin")
    monkeypatch.setattr(runtimes, "coreml_can_run", lambda: False)
    assert runtimes.choose_runtime(both, "Toy") == "onnx"
    with pytest.raises(EraserError, match="needs macOS"):
        runtimes.choose_runtime(both, "Toy", "coreml")
    monkeypatch.setattr(runtimes, "coreml_can_run", lambda: True)
    assert runtimes.choose_runtime(both, "Toy") == "coreml"
    assert runtimes.choose_runtime(both, "Toy", "onnx") == "onnx"
    monkeypatch.setenv(runtimes.ENV_RUNTIME, "onnx")
    assert runtimes.choose_runtime(both, "Toy") == "onnx"
    assert runtimes.choose_runtime(model_with(tmp_path, "Toy.onnx"), "Toy", "auto") == "onnx"
    with pytest.raises(EraserError, match="unknown runtime"):
        runtimes.choose_runtime(both, "Toy", "tpu")


def test_coreml_can_run_only_on_macos(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert runtimes.coreml_can_run() is False


def test_coreml_session_plumbing_with_a_fake_model(tmp_path, monkeypatch):
    ct = pytest.importorskip("coremltools")
    seen = {}

    class FakeMLModel:
        def __init__(self, path, compute_units):
            seen["path"], seen["units"] = path, compute_units

        def predict(self, inputs):
            seen["inputs"] = inputs
            return {"sum": inputs["a"] + inputs["b"]}

    monkeypatch.setattr(ct.models, "MLModel", FakeMLModel)
    monkeypatch.setattr(runtimes, "coreml_can_run", lambda: True)
    model = model_with(tmp_path, "Toy.mlpackage/Data/weights.bin")
    session = runtimes.open_runner(model, "Toy", "auto", compute_units="CPU_AND_GPU")
    assert session.runtime == "coreml"
    assert seen["path"] == str(tmp_path / "Toy.mlpackage") and seen["units"] == ct.ComputeUnit.CPU_AND_GPU
    out = session.run({"a": np.ones((1, 3), np.float64), "b": np.ones((1, 3))})
    assert seen["inputs"]["a"].dtype == np.float32
    np.testing.assert_array_equal(out["sum"], np.full((1, 3), 2.0))
    with pytest.raises(EraserError, match="unknown compute units"):
        runtimes.open_runner(model, "Toy", "coreml", compute_units="TPU")


def fake_install(store, name, files):
    """A model folder whose manifest matches ``files`` (name -> bytes)."""
    import hashlib
    import json

    folder = store / name
    folder.mkdir(parents=True)
    listed = {}
    for rel, data in files.items():
        (folder / rel).write_bytes(data)
        listed[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (folder / "manifest.json").write_text(json.dumps({"name": name, "files": listed}))


def test_nothing_heavy_is_imported_before_a_model_runs(tmp_path):
    """With both models installed, `eraser plugins` and `eraser models list`
    verify them (hashing) but load no runtime; the runtime-side plugin
    modules import neither torch nor onnxruntime (issue 10)."""
    import os
    import subprocess

    fake_install(tmp_path, "lama", {"LaMa.onnx": b"onnx"})
    stems = ("ImageEncoder", "PromptEncoder", "MaskDecoder")
    fake_install(tmp_path, "mobile-sam", {**{f"{s}.onnx": s.encode() for s in stems}, "imagePositionalEncoding.npy": b"pe"})
    code = (
        "import sys, io, contextlib\n"
        "from eraser.cli import main\n"
        "for args in (['plugins'], ['plugins', '--json'], ['models', 'list'], ['models', 'verify']):\n"
        "    sys.argv = ['eraser', *args]\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n            main()\n        except SystemExit as exc:\n            assert not exc.code, (args, exc.code)\n"
        "import eraser_mobilesam.segmenter, eraser_lama.inpainter, eraser.runtimes\n"
        "heavy = [m for m in ('torch', 'onnxruntime', 'coremltools', 'onnx') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = dict(os.environ, ERASER_MODELS_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout
    assert (tmp_path / "lama" / "verified.json").is_file()  # they were verified on the way
