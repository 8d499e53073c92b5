"""A third-party plugin adds a model to `eraser models` through the
register_models hook (issue 10): list, install --from, verify, plugins; and a
converter that misbehaves is one line naming the plugin, never a traceback."""

import json
import re
from pathlib import Path

import pytest

from eraser import modelstore
from eraser.hookspecs import hookimpl


def write_tiny(checkpoint: Path, out_dir: Path) -> list[Path]:
    """The tiny model's converter: one small file derived from the checkpoint."""
    (out_dir / "tiny.bin").write_bytes(checkpoint.read_bytes()[::-1])
    return [out_dir / "tiny.bin"]


class TinyPlugin:
    def __init__(self, converter=write_tiny, files=("tiny.bin",), url=None):
        self.converter, self.files, self.url = converter, files, url

    @hookimpl
    def register_models(self, register):
        register("tiny", description="a tiny third-party model", filename="tiny.ckpt", converter=self.converter,
                 url=self.url, license="CC0", files=self.files)


@pytest.fixture
def tiny(tmp_path, monkeypatch, register_plugin):
    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path / "store"))
    checkpoint = tmp_path / "tiny.ckpt"
    checkpoint.write_bytes(b"tiny weights")

    def add(**options):
        register_plugin(TinyPlugin(**options), name="tiny-plugin")
        return tmp_path / "store", checkpoint

    return add


def test_a_plugin_adds_a_model_to_every_models_command(tiny, eraser_cli):
    root, checkpoint = tiny()
    code, out, _ = eraser_cli("models", "list", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert code == 0 and {"tiny", "lama", "mobile-sam"} <= set(rows)
    assert rows["tiny"]["state"] == "not installed" and rows["tiny"]["license"] == "CC0"
    code, out, _ = eraser_cli("plugins", "--json")
    assert {"name": "tiny", "description": "a tiny third-party model"} in {
        row["name"]: row for row in json.loads(out)}["tiny-plugin"]["models"]

    code, _, err = eraser_cli("models", "install", "tiny")  # no url registered
    assert code == 2 and err == "error: model 'tiny' has no download address; run: eraser models install tiny --from FILE\n"
    code, _, err = eraser_cli("models", "install", "tiny", "--from", checkpoint)
    assert code == 0 and "installed tiny (1 files)" in err
    assert (root / "tiny" / "tiny.bin").read_bytes() == b"sthgiew ynit"
    code, out, _ = eraser_cli("models", "verify")
    assert code == 0 and out == "tiny: ok\n"
    assert modelstore.require("tiny").path("tiny.bin") == root / "tiny" / "tiny.bin"

    (root / "tiny" / "tiny.bin").write_bytes(b"sthgiew ynix")  # same size
    code, out, err = eraser_cli("models", "verify", "tiny")
    assert code == 2 and out == "tiny: tiny.bin has the wrong checksum\n"
    code, out, _ = eraser_cli("models", "list")
    assert code == 0 and re.search(r"^tiny +damaged ", out, re.M)


@pytest.mark.parametrize("converter, says", [
    (lambda c, o: None, "returned NoneType, not a list of the paths it wrote"),
    (lambda c, o: [], "wrote no files"),
    (lambda c, o: ["/etc/hostname"], "returned '/etc/hostname', not a file or folder it wrote"),
    (lambda c, o: [o / "never-written.bin"], "not a file or folder it wrote"),
    (lambda c, o: [o / ".." / "x"], "not a file or folder it wrote"),
    (lambda c, o: [7], "returned 7"),
    (lambda c, o: ((o / "other.bin").write_bytes(b"x"), [o / "other.bin"])[1], "did not write tiny.bin"),
], ids=["none", "empty", "outside", "missing", "parent", "not-a-path", "lacks-required"])
def test_a_misbehaving_converter_is_one_line_naming_the_plugin(tiny, eraser_cli, converter, says):
    root, checkpoint = tiny(converter=converter)
    code, _, err = eraser_cli("models", "install", "tiny", "--from", checkpoint)
    assert code == 2 and err.count("\n") == 1
    assert "the converter of model 'tiny' (plugin tiny-plugin)" in err and says in err
    assert list(root.iterdir()) == []  # nothing half-installed left


def test_a_converter_lists_the_modules_it_needs(tiny, eraser_cli, monkeypatch):
    def convert(checkpoint, out_dir):
        raise AssertionError("not reached")

    convert.requires = ("no_such_module_for_eraser", "json")
    root, checkpoint = tiny(converter=convert)
    code, _, err = eraser_cli("models", "install", "tiny", "--from", checkpoint)
    assert err == "error: converting tiny needs no_such_module_for_eraser (not installed): pip install no_such_module_for_eraser\n"


def test_a_converter_importing_a_missing_module_says_so(tiny, eraser_cli):
    def imports_late(checkpoint, out_dir):
        import no_such_module_for_eraser  # noqa: F401

    root, checkpoint = tiny(converter=imports_late)
    code, _, err = eraser_cli("models", "convert", "tiny", "--checkpoint", checkpoint, "-o", root.parent / "out")
    assert code == 2 and "needs no_such_module_for_eraser (not installed)" in err
    assert not (root.parent / "out").exists()


def test_a_manifest_lacking_a_registered_file_is_damaged(tiny):
    root, checkpoint = tiny()
    modelstore.install("tiny", from_file=checkpoint)
    data = json.loads((root / "tiny" / "manifest.json").read_text())
    data["files"] = {"other.bin": data["files"]["tiny.bin"]}
    (root / "tiny" / "manifest.json").write_text(json.dumps(data))
    state, reason = modelstore.status("tiny")
    assert state == "damaged" and "manifest.json does not list tiny.bin" in reason


def test_the_built_in_models_come_from_their_plugins():
    models = modelstore.sources()
    assert models["lama"].plugin == "lama" and models["mobile-sam"].plugin == "mobile-sam"
    assert models["lama"].files == ("LaMa.onnx",)
    assert set(models["mobile-sam"].files) == {
        "ImageEncoder.onnx", "PromptEncoder.onnx", "MaskDecoder.onnx", "imagePositionalEncoding.npy"}
    assert models["mobile-sam"].md5 == "f3c0d8cda613564d499310dab6c812cd"  # the manifest's data
