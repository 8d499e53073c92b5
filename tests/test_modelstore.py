"""The model store: install from a file or a local HTTP server, checksums,
partial and damaged installs, atomic replacement, and the CLI around it."""

import hashlib
import http.server
import json
import threading
from pathlib import Path

import pytest

from eraser import modelstore
from eraser.errors import EraserError
from eraser.hookspecs import hookimpl

CONVERTED = []


def fake_convert(checkpoint: Path, out_dir: Path):
    """Stands in for a real converter: writes a file and a package folder."""
    CONVERTED.append(checkpoint.read_bytes())
    if checkpoint.read_bytes() == b"explode":
        raise RuntimeError("conversion failed half-way")
    (out_dir / "Model.onnx").write_bytes(b"onnx:" + checkpoint.read_bytes())
    package = out_dir / "Model.mlpackage" / "Data"
    package.mkdir(parents=True)
    (package / "weights.bin").write_bytes(b"w" * 100)
    return [out_dir / "Model.onnx", out_dir / "Model.mlpackage"]


class ToyModels:
    """An in-process plugin adding the model 'toy' as a third party would."""

    @hookimpl
    def register_models(self, register):
        register("toy", description="a toy model", url="http://127.0.0.1:1/toy.pt",
                 md5=hashlib.md5(b"weights").hexdigest(), filename="toy.pt", license="MIT",
                 converter=fake_convert, files=("Model.onnx", "Model.mlpackage"))


@pytest.fixture
def store(tmp_path, monkeypatch, register_plugin):
    register_plugin(ToyModels(), name="toy-models")
    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path / "store"))
    checkpoint = tmp_path / "toy.pt"
    checkpoint.write_bytes(b"weights")
    return tmp_path / "store", checkpoint


def test_install_from_a_file_converts_and_records_checksums(store):
    root, checkpoint = store
    model = modelstore.install("toy", from_file=checkpoint)
    assert model.folder == root / "toy"
    assert model.has("Model.onnx") and model.has_any("Model.mlpackage")
    data = json.loads((root / "toy" / "manifest.json").read_text())
    assert data["checkpoint"]["md5"] == hashlib.md5(b"weights").hexdigest()
    assert "eraser" in data["versions"]
    assert modelstore.missing_reason("toy") is None
    assert model.problems(full=True) == []
    assert [p.name for p in root.iterdir()] == ["toy"]  # no temporary folders left


def test_a_wrong_checksum_is_refused_and_leaves_nothing(store):
    root, checkpoint = store
    checkpoint.write_bytes(b"something else")
    with pytest.raises(EraserError, match="checksum mismatch.*pass --md5"):
        modelstore.install("toy", from_file=checkpoint)
    assert list(root.iterdir()) == []
    model = modelstore.install("toy", from_file=checkpoint, md5=hashlib.md5(b"something else").hexdigest())
    assert model is not None


def test_a_failed_conversion_leaves_the_old_install_untouched(store):
    root, checkpoint = store
    modelstore.install("toy", from_file=checkpoint)
    before = (root / "toy" / "Model.onnx").read_bytes()
    checkpoint.write_bytes(b"explode")
    with pytest.raises(RuntimeError, match="half-way"):
        modelstore.install("toy", from_file=checkpoint, md5=hashlib.md5(b"explode").hexdigest(), force=True)
    assert (root / "toy" / "Model.onnx").read_bytes() == before
    assert [p.name for p in root.iterdir()] == ["toy"]


def test_reinstall_needs_force_and_replaces(store):
    root, checkpoint = store
    modelstore.install("toy", from_file=checkpoint)
    with pytest.raises(EraserError, match="already installed"):
        modelstore.install("toy", from_file=checkpoint)
    modelstore.install("toy", from_file=checkpoint, force=True)
    assert [p.name for p in root.iterdir()] == ["toy"]


def test_partial_and_damaged_installs_are_never_used(store):
    root, checkpoint = store
    assert "not installed; run: eraser models install toy" in modelstore.missing_reason("toy")
    (root / "toy").mkdir(parents=True)
    (root / "toy" / "Model.onnx").write_bytes(b"half")
    assert "incomplete" in modelstore.missing_reason("toy")
    with pytest.raises(EraserError, match="incomplete"):
        modelstore.require("toy")
    import shutil

    shutil.rmtree(root / "toy")
    modelstore.install("toy", from_file=checkpoint)
    (root / "toy" / "Model.onnx").write_bytes(b"truncated")
    assert "damaged (Model.onnx has the wrong size)" in modelstore.missing_reason("toy")
    (root / "toy" / "Model.onnx").write_bytes(b"onnx:weightZ")  # same size, other bytes
    assert modelstore.installed("toy").problems() == []  # the quick check looks at sizes
    assert modelstore.installed("toy").problems(full=True) == ["Model.onnx has the wrong checksum"]
    # ... but nothing is used before its checksum is verified (issue 9 §4)
    assert "damaged (Model.onnx has the wrong checksum)" in modelstore.missing_reason("toy")


def test_install_downloads_from_a_local_http_server(store, tmp_path):
    root, checkpoint = store
    served = tmp_path / "served"
    served.mkdir()
    (served / "toy.pt").write_bytes(b"weights")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/toy.pt"
        model = modelstore.install("toy", url=url)
        assert (model.folder / "Model.onnx").read_bytes() == b"onnx:weights"
        with pytest.raises(EraserError, match="cannot download"):
            modelstore.install("toy", url=url + ".missing", force=True)
    finally:
        server.shutdown()
        server.server_close()
    assert modelstore.missing_reason("toy") is None


def test_models_cli(store, eraser_cli, tmp_path):
    root, checkpoint = store
    code, out, _ = eraser_cli("models", "list", "--json")
    assert code == 0 and {row["name"]: row for row in json.loads(out)}["toy"]["installed"] is False
    code, _, err = eraser_cli("models", "install", "toy", "--from", checkpoint)
    assert code == 0 and "installed toy" in err
    code, out, _ = eraser_cli("models", "verify")
    assert code == 0 and "toy: ok" in out
    (root / "toy" / "Model.mlpackage" / "Data" / "weights.bin").write_bytes(b"x" * 100)
    code, out, err = eraser_cli("models", "verify", "toy")
    assert code == 2 and "wrong checksum" in out and err.startswith("error:")
    code, out, _ = eraser_cli("models", "path", "toy")
    assert out.strip() == str(root / "toy")
    code, _, err = eraser_cli("models", "convert", "toy", "--checkpoint", checkpoint, "-o", tmp_path / "conv")
    assert code == 0 and (tmp_path / "conv" / "manifest.json").exists()
    code, _, err = eraser_cli("models", "convert", "toy", "--checkpoint", checkpoint, "-o", tmp_path / "conv")
    assert code == 2 and "not empty" in err
    code, _, err = eraser_cli("models", "install", "nope")
    assert code == 2 and "unknown model 'nope'" in err
