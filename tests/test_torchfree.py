"""A plain install (no torch, no coremltools) installs and runs MobileSAM and LaMa.

The environment is the one `.ci/run` builds beside the test environment
(`pip install -e .` into .venv-notorch) and names in $ERASER_TORCHFREE_PYTHON;
locally: `python3 -m venv .venv-notorch && .venv-notorch/bin/pip install -e .`
then `ERASER_TORCHFREE_PYTHON=.venv-notorch/bin/python pytest tests/test_torchfree.py`.
This environment (with torch) makes the random-weight checkpoints with the
real architectures and the reference models through the torch exporter; the
other one installs the checkpoints and erases a sample; both outputs must be
the same bytes.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the checkpoints are made with torch")
pytest.importorskip("onnxscript")

from eraser import modelstore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPOON = ROOT / "samples" / "coffee_spoon"
PYTHON = os.environ.get("ERASER_TORCHFREE_PYTHON", "")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not PYTHON, reason="set ERASER_TORCHFREE_PYTHON to a torch-free environment's python (see the docstring)")]


def _md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def _run(python, *args, env=None):
    result = subprocess.run([python, "-m", "eraser.cli", *map(str, args)], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=600)
    return result


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    from eraser_lama import model as lm
    from eraser_mobilesam import model as ms

    sys.path.insert(0, str(ROOT / "plugins" / "eraser_mobilesam" / "tests"))
    from test_mobilesam_model import randomize  # masks that are not empty

    root = tmp_path_factory.mktemp("checkpoints")
    torch.manual_seed(0)
    sam = randomize(ms.build_mobile_sam(), seed=1)
    torch.save(sam.state_dict(), root / "mobile_sam.pt")
    lama = lm.LamaGenerator(**lm.BIG_LAMA_CONFIG).eval()
    lm.save_torchscript(lama, root / "big-lama.pt")
    return root, sam, lama


@pytest.fixture(scope="module")
def torch_store(checkpoints, tmp_path_factory):
    """The reference: models exported by torch now (eraser models convert's ONNX path)."""
    from eraser_lama import convert as lama_convert
    from eraser_mobilesam import convert as sam_convert

    root, sam, lama = checkpoints
    store = tmp_path_factory.mktemp("torch-store")
    for name, write, checkpoint in (
        ("mobile-sam", lambda out: sam_convert.export_onnx(sam, out), root / "mobile_sam.pt"),
        ("lama", lambda out: [lama_convert.export_onnx(lama, out / "LaMa.onnx", size=512)["path"]],
         root / "big-lama.pt"),
    ):
        folder = store / name
        folder.mkdir()
        written = [Path(p) for p in write(folder)]
        modelstore.write_manifest(folder, written, modelstore.source(name), _md5(checkpoint))
    return store


def test_the_environment_has_no_torch():
    probe = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'torch'" in probe.stderr
    probe = subprocess.run([PYTHON, "-c", "import coremltools"], capture_output=True, text=True)
    assert probe.returncode != 0


def test_install_and_erase_without_torch(checkpoints, torch_store, tmp_path):
    root, _, _ = checkpoints
    store = tmp_path / "store"
    for name, file in (("mobile-sam", "mobile_sam.pt"), ("lama", "big-lama.pt")):
        result = _run(PYTHON, "models", "install", name, "--from", root / file, "--md5", _md5(root / file),
                      "--models-dir", store)
        assert result.returncode == 0, result.stderr
        assert "CoreML packages skipped" in result.stderr and "Traceback" not in result.stderr
    for name in ("mobile-sam", "lama"):
        ours = json.loads((store / name / "manifest.json").read_text())["files"]
        theirs = json.loads((torch_store / name / "manifest.json").read_text())["files"]
        assert ours == theirs, name  # the same files, byte for byte (sha256)

    outputs = {}
    for label, python, models in (("torch-free", PYTHON, store), ("torch", sys.executable, torch_store)):
        out = tmp_path / f"{label}.png"
        result = _run(python, "remove", SPOON / "photo.jpg", "--point", "365,285", "--segmenter", "mobile-sam",
                      "--inpainter", "lama", "-o", out, env={modelstore.ENV_DIR: str(models)})
        assert result.returncode == 0, result.stderr
        outputs[label] = out.read_bytes()
    assert outputs["torch-free"] == outputs["torch"]


def test_malicious_checkpoint_runs_nothing(tmp_path):
    class Evil:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'pwned'}",)

    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "x": Evil()}, path)
    result = _run(PYTHON, "models", "install", "lama", "--from", path, "--md5", _md5(path),
                  "--models-dir", tmp_path / "store")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "os.system" in result.stderr or "posix.system" in result.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.slow
def test_sam_vit_b_installs_torch_free_as_torch_exports_it(tmp_path):
    """The original SAM goes the same torch-free way: its shipped encoder
    graph filled from sam_vit_b_01ec64.pth, byte for byte torch's export."""
    from eraser_mobilesam import convert as sam_convert
    from eraser_mobilesam.model import build_sam

    sys.path.insert(0, str(ROOT / "plugins" / "eraser_mobilesam" / "tests"))
    from test_mobilesam_model import randomize

    model = randomize(build_sam("sam-vit-b"), seed=4)
    checkpoint = tmp_path / "sam_vit_b_01ec64.pth"
    torch.save(model.state_dict(), checkpoint)
    exported = sam_convert.export_onnx(model, tmp_path / "torch", name="sam-vit-b")
    result = _run(PYTHON, "models", "install", "sam-vit-b", "--from", checkpoint, "--md5", _md5(checkpoint),
                  "--models-dir", tmp_path / "store")
    assert result.returncode == 0, result.stderr
    for path in exported:
        assert (tmp_path / "store" / "sam-vit-b" / path.name).read_bytes() == path.read_bytes(), path.name
