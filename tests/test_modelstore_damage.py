"""A tampered, malformed or misplaced model store never crashes eraser and is
never used silently (issue 9 §4): sha256 before first use, remembered by
stat signature; malformed manifests are 'damaged'; store paths that are files
are one-line errors; offline downloads and a missing torch say what to do."""

import hashlib
import json
import os
import tempfile

import pytest

from eraser import modelstore
from eraser.errors import EraserError

from test_modelstore import store as toy  # noqa: F401 - the toy model's store and checkpoint, as fixture `toy`


def flip_bytes_keeping_size_and_mtime(path):
    before = os.stat(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns


def count_hashing(monkeypatch):
    hashed = []
    real = modelstore.file_digest

    def counting(path, algorithm="sha256"):
        hashed.append(path.name)
        return real(path, algorithm)

    monkeypatch.setattr(modelstore.integrity, "file_digest", counting)
    return hashed


def test_a_same_size_tampered_file_is_refused_naming_the_file_and_the_fix(toy):
    root, checkpoint = toy
    modelstore.install("toy", from_file=checkpoint)
    flip_bytes_keeping_size_and_mtime(root / "toy" / "Model.mlpackage" / "Data" / "weights.bin")
    with pytest.raises(EraserError) as caught:
        modelstore.require("toy")
    message = str(caught.value)
    assert "Model.mlpackage/Data/weights.bin has the wrong checksum" in message
    assert str(root / "toy") in message and "eraser models install toy --force" in message
    assert "\n" not in message
    assert modelstore.status("toy") == ("damaged", message)


def test_verification_is_remembered_so_a_second_use_hashes_nothing(toy, monkeypatch):
    root, checkpoint = toy
    modelstore.install("toy", from_file=checkpoint)
    record = json.loads((root / "toy" / modelstore.RECORD).read_text())["files"]
    manifest = json.loads((root / "toy" / "manifest.json").read_text())["files"]
    assert set(record) == set(manifest) == {"Model.onnx", "Model.mlpackage/Data/weights.bin"}
    for rel, entry in record.items():
        st = os.stat(root / "toy" / rel)
        assert entry == {"sha256": manifest[rel]["sha256"],
                         "stat": [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]}

    hashed = count_hashing(monkeypatch)
    assert modelstore.require("toy") and modelstore.missing_reason("toy") is None
    assert hashed == []  # the install verified them; the record vouches

    (root / "toy" / modelstore.RECORD).unlink()  # e.g. a store from an older eraser
    modelstore.require("toy")
    assert sorted(hashed) == ["Model.onnx", "weights.bin"]  # first use: every file once
    modelstore.require("toy")
    assert len(hashed) == 2  # second use: none

    os.utime(root / "toy" / "Model.onnx")  # touched: hashed again, alone
    modelstore.require("toy")
    assert hashed[2:] == ["Model.onnx"]
    assert modelstore.check("toy") == [] and hashed[3:] == ["Model.onnx", "weights.bin"]  # verify re-hashes all


@pytest.mark.parametrize("record", ["not json", "[1, 2]", '{"files": null}', '{"files": {"Model.onnx": 7}}'])
def test_a_garbage_verification_record_only_costs_hashing(toy, monkeypatch, record):
    root, checkpoint = toy
    modelstore.install("toy", from_file=checkpoint)
    (root / "toy" / modelstore.RECORD).write_text(record)
    hashed = count_hashing(monkeypatch)
    assert modelstore.missing_reason("toy") is None and len(hashed) == 2
    assert modelstore.missing_reason("toy") is None and len(hashed) == 2  # rewritten


def test_an_unwritable_record_only_costs_hashing(toy, monkeypatch):
    root, checkpoint = toy
    modelstore.install("toy", from_file=checkpoint)
    (root / "toy" / modelstore.RECORD).unlink()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    hashed = count_hashing(monkeypatch)
    assert modelstore.missing_reason("toy") is None and modelstore.missing_reason("toy") is None
    assert len(hashed) == 4


MALFORMED = {
    "files is a list": ('{"files": ["Model.onnx"]}', "has no 'files' object"),
    "files is null": ('{"files": null}', "has no 'files' object"),
    "no files": ("{}", "has no 'files' object"),
    "empty files": ('{"files": {}}', "lists no files"),
    "missing size": ('{"files": {"Model.onnx": {"sha256": "%s"}}}' % ("0" * 64), "no valid size for Model.onnx"),
    "size a string": ('{"files": {"Model.onnx": {"sha256": "%s", "size": "12"}}}' % ("0" * 64), "no valid size"),
    "size a bool": ('{"files": {"Model.onnx": {"sha256": "%s", "size": true}}}' % ("0" * 64), "no valid size"),
    "size negative": ('{"files": {"Model.onnx": {"sha256": "%s", "size": -1}}}' % ("0" * 64), "no valid size"),
    "size a float": ('{"files": {"Model.onnx": {"sha256": "%s", "size": 1e3}}}' % ("0" * 64), "no valid size"),
    "size NaN": ('{"files": {"Model.onnx": {"sha256": "%s", "size": NaN}}}' % ("0" * 64), "no valid size"),
    "missing sha256": ('{"files": {"Model.onnx": {"size": 12}}}', "no valid sha256 for Model.onnx"),
    "sha256 short": ('{"files": {"Model.onnx": {"size": 12, "sha256": "abc"}}}', "no valid sha256"),
    "sha256 a number": ('{"files": {"Model.onnx": {"size": 12, "sha256": 5}}}', "no valid sha256"),
    "entry a string": ('{"files": {"Model.onnx": "big"}}', "no size and sha256 for Model.onnx"),
    "entry null": ('{"files": {"Model.onnx": null}}', "no size and sha256"),
    "parent path": ('{"files": {"../../etc/passwd": {"size": 1, "sha256": "%s"}}}' % ("0" * 64), "outside the model"),
    "absolute path": ('{"files": {"/etc/passwd": {"size": 1, "sha256": "%s"}}}' % ("0" * 64), "outside the model"),
    "empty path": ('{"files": {"": {"size": 1, "sha256": "%s"}}}' % ("0" * 64), "outside the model"),
    "top level a list": ("[]", "not a JSON object"),
    "top level null": ("null", "not a JSON object"),
    "not JSON": ("{files: ", "not valid JSON"),
    "empty file": ("", "not valid JSON"),
    "not UTF-8": (b"\xff\xfe{\x00}", "not valid JSON"),
    "nested too deep": ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
}


def write_manifest(folder, content):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_manifest_is_a_damaged_model(toy, kind):
    root, _ = toy
    content, problem = MALFORMED[kind]
    write_manifest(root / "toy", content)
    state, reason = modelstore.status("toy")
    assert state == "damaged" and problem in reason and "eraser models install toy --force" in reason
    assert modelstore.installed("toy") is None
    with pytest.raises(EraserError, match="damaged"):
        modelstore.require("toy")
    assert modelstore.check("toy") == [reason]


def test_malformed_manifests_never_crash_plugins_or_models_commands(tmp_path, monkeypatch, eraser_cli):
    root = tmp_path / "store"  # the real models this time
    monkeypatch.setenv(modelstore.ENV_DIR, str(root))
    for index, kind in enumerate(MALFORMED):
        content = MALFORMED[kind][0]
        write_manifest(root / "lama", content)
        write_manifest(root / "mobile-sam", content)
        code, out, err = eraser_cli("plugins", "--json")
        assert code == 0, (kind, err)
        rows = {b["name"]: b for row in json.loads(out) for k in ("segmenters", "inpainters") for b in row[k]}
        assert "damaged" in rows["lama"]["unavailable"] and "damaged" in rows["mobile-sam"]["unavailable"], kind
        code, out, err = eraser_cli("models", "list")
        assert code == 0 and out.count("damaged") == 2, (kind, out, err)
        code, out, err = eraser_cli("models", "verify")
        assert code == 2 and out.count("damaged") == 2 and err.startswith("error:") and err.count("\n") == 1, kind
    (root / "lama" / "manifest.json").unlink()
    (root / "lama" / "manifest.json").mkdir()  # a folder where the manifest should be
    code, out, err = eraser_cli("models", "list", "--json")
    assert code == 0 and {row["name"]: row for row in json.loads(out)}["lama"]["state"] == "unreadable"


def test_a_damaged_or_missing_lama_is_a_precise_reason(tmp_path, monkeypatch):
    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path))
    assert modelstore.missing_reason("lama") == "model 'lama' is not installed; run: eraser models install lama"
    write_manifest(tmp_path / "lama", '{"files": null}')
    assert modelstore.missing_reason("lama") == (
        f"model 'lama' in {tmp_path / 'lama'} is damaged (manifest.json has no 'files' object); "
        "run: eraser models install lama --force"
    )


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_store_path_that_is_a_file_is_one_line(toy, monkeypatch, tmp_path, eraser_cli, where):
    _, checkpoint = toy
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    store = blocker if where == "a file" else blocker / "models"
    monkeypatch.setenv(modelstore.ENV_DIR, str(store))
    state, reason = modelstore.status("toy")
    assert state == "not installed" and f"the model store {store} " in reason and f"{blocker} is a file" in reason
    assert modelstore.present() == []
    code, out, _ = eraser_cli("models", "list")
    assert code == 0 and "not installed" in out
    code, out, _ = eraser_cli("models", "verify")
    assert code == 0 and out.startswith("no models installed")
    code, _, err = eraser_cli("models", "install", "toy", "--from", checkpoint)
    assert code == 2 and err.count("\n") == 1 and f"{blocker} is a file" in err and "choose another with --models-dir" in err
    code, _, err = eraser_cli("models", "convert", "toy", "--checkpoint", checkpoint, "-o", blocker)
    assert code == 2 and err.count("\n") == 1 and "is a file, not a folder" in err
    assert modelstore.status("toy", "bad\0path")[0] == "not installed"  # a Python caller's NUL byte


def test_an_unwritable_store_is_one_line(toy, monkeypatch, eraser_cli):
    root, checkpoint = toy

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)  # root ignores chmod, so refuse like the kernel would
    code, _, err = eraser_cli("models", "install", "toy", "--from", checkpoint)
    assert code == 2 and err == f"error: cannot write to {root}: Permission denied\n"


def test_verify_with_nothing_installed_says_so(toy, eraser_cli):
    root, _ = toy
    code, out, err = eraser_cli("models", "verify")
    assert code == 0 and out == f"no models installed in {root}; see: eraser models list\n" and err == ""


def test_an_offline_download_suggests_from_file(toy, eraser_cli):
    code, _, err = eraser_cli("models", "install", "toy")  # port 1: connection refused, like no network
    assert code == 2 and err.count("\n") == 1
    assert "cannot download http://127.0.0.1:1/toy.pt" in err and "eraser models install toy --from FILE" in err
    code, _, err = eraser_cli("models", "install", "toy", "--url", "nonsense")
    assert code == 2 and err.count("\n") == 1 and "--from FILE" in err
    assert list(toy[0].iterdir()) == []  # no temporary folder left


def test_without_torch_install_works_and_convert_says_what_to_install(monkeypatch, tmp_path, eraser_cli):
    """Installing needs no torch (issue 11): a bad checkpoint is read and refused
    on its own merits. Converting (the torch path) says what to install, before
    any download."""
    from eraser import download

    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path / "store"))
    real = modelstore.steps.importlib.util.find_spec
    monkeypatch.setattr(modelstore.steps.importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    checkpoint = tmp_path / "big-lama.pt"
    checkpoint.write_bytes(b"a checkpoint")

    def no_download(*args, **kwargs):
        raise AssertionError("downloaded before checking requirements")

    monkeypatch.setattr(download, "download", no_download)
    code, _, err = eraser_cli("models", "install", "mobile-sam", "--from", checkpoint, "--md5", hashlib.md5(b"a checkpoint").hexdigest())
    assert code == 2 and err.startswith("error: cannot read checkpoint") and "not a zip archive" in err
    code, _, err = eraser_cli("models", "convert", "lama", "--checkpoint", checkpoint, "-o", tmp_path / "out")
    assert code == 2 and err == "error: converting lama needs torch (not installed): pip install 'eraser[convert]'\n"
    code, _, err = eraser_cli("models", "install", "lama", "--coreml", "--from", checkpoint)
    assert code == 2 and err == "error: converting lama needs torch (not installed): pip install 'eraser[convert]'\n"
    assert not (tmp_path / "out").exists()
    assert not [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert set(modelstore.sources()["lama"].converter.requires) == {"torch", "onnx", "onnxscript", "coremltools"}
    assert set(modelstore.sources()["lama"].installer.requires) == {"onnx"}


@pytest.mark.parametrize("swap", ["fifo", "folder", "link to /dev/zero", "missing"])
def test_a_model_file_that_is_not_a_file_is_damaged_without_reading_it(toy, swap):
    root, checkpoint = toy
    modelstore.install("toy", from_file=checkpoint)
    target = root / "toy" / "Model.onnx"
    target.unlink()
    if swap == "fifo":
        os.mkfifo(target)  # reading it would block forever
    elif swap == "folder":
        target.mkdir()
    elif swap == "link to /dev/zero":
        target.symlink_to("/dev/zero")  # reading it would never end
    state, reason = modelstore.status("toy")
    expected = "Model.onnx is missing" if swap == "missing" else "Model.onnx is not a file"
    assert state == "damaged" and expected in reason


def test_a_model_folder_that_is_a_file_is_damaged_and_reinstallable(toy):
    root, checkpoint = toy
    root.mkdir()
    (root / "toy").write_text("not a folder")
    state, reason = modelstore.status("toy")
    assert state == "damaged" and f"{root / 'toy'} is not a folder" in reason
    modelstore.install("toy", from_file=checkpoint)  # a damaged model needs no --force
    assert modelstore.missing_reason("toy") is None and sorted(p.name for p in root.iterdir()) == ["toy"]


def test_a_huge_manifest_is_not_read_whole(toy, monkeypatch):
    root, _ = toy
    monkeypatch.setattr(modelstore.store, "MAX_MANIFEST_BYTES", 100)
    write_manifest(root / "toy", '{"files": {}, "padding": "%s"}' % ("x" * 200))
    assert "manifest.json is too large" in modelstore.status("toy")[1]


def test_the_lama_backend_says_precisely_why_auto_passes_it_over(tmp_path, monkeypatch):
    """The availability reason the core turns into auto's one note line."""
    from eraser import registry

    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path))
    lama = registry.backends("inpainter")["lama"]
    assert lama.unavailable_reason() == "model 'lama' is not installed; run: eraser models install lama"
    data = b"onnx"
    folder = tmp_path / "lama"
    folder.mkdir()
    (folder / "LaMa.onnx").write_bytes(b"xxxx")  # same size, other bytes
    (folder / "manifest.json").write_text(json.dumps(
        {"files": {"LaMa.onnx": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}}))
    reason = lama.unavailable_reason()
    assert reason == (f"model 'lama' in {folder} is damaged (LaMa.onnx has the wrong checksum); "
                      "run: eraser models install lama --force")
