"""big-lama installs without torch: the shipped graph filled from any of the
official containers gives the file the torch exporter gives, and stays in
step with the model definition. One export of big-lama (minutes) serves all."""

import gzip
import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="torch makes the checkpoints and the reference export")
pytest.importorskip("onnxscript", reason="the dynamo ONNX exporter needs onnxscript")

from eraser import templates  # noqa: E402
from eraser.errors import EraserError  # noqa: E402
from eraser_lama import install, make_templates  # noqa: E402
from eraser_lama import model as lm  # noqa: E402


@pytest.fixture(scope="module")
def structure():
    """What `python -m eraser_lama.make_templates` writes, built now."""
    return make_templates.build()


@pytest.fixture(scope="module")
def big_lama(tmp_path_factory):
    """A random-weight big-lama in each official container."""
    torch.manual_seed(11)
    generator = lm.LamaGenerator(**lm.BIG_LAMA_CONFIG).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics
        for name, t in generator.state_dict().items():
            if name.endswith("running_mean"):
                t.copy_(torch.randn_like(t) * 0.1)
            elif name.endswith("running_var"):
                t.copy_(torch.rand_like(t) + 0.5)
    root = tmp_path_factory.mktemp("big-lama")
    files = {"torchscript": root / "big-lama.pt", "lightning": root / "best.ckpt", "plain": root / "state.pth"}
    lm.save_torchscript(generator, files["torchscript"])
    lm.save_lightning_checkpoint(generator, files["lightning"])
    torch.save(generator.state_dict(), files["plain"])
    return generator, files


def test_shipped_template_matches_the_model_definition(structure):
    """Fails after a change to model.py or convert.py until
    `python -m eraser_lama.make_templates` is run."""
    shipped = install.TEMPLATE.read_bytes()
    assert gzip.decompress(shipped) == structure.SerializeToString()
    assert shipped == make_templates.template_bytes(structure)
    assert len(shipped) < 1_000_000  # the graph only (the weights are 200 MB)
    assert len(templates.references(structure)) == len(structure.graph.initializer)


def test_every_container_installs_to_the_torch_export(structure, big_lama, tmp_path):
    """convert.export_onnx(model) is fill(export_structure(model), state): for
    big-lama's configuration export_structure is `structure` itself, so the
    torch path's file is the fill below."""
    generator, files = big_lama
    state = {k: v.numpy() for k, v in generator.state_dict().items()}
    torch_export = templates.fill(structure, state).SerializeToString()
    for kind, path in files.items():
        (written,) = install.install_checkpoint(path, tmp_path / kind)
        assert written.read_bytes() == torch_export, kind


def test_installed_model_runs_like_torch(big_lama, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    generator, files = big_lama
    (path,) = install.install_checkpoint(files["torchscript"], tmp_path)
    gen = torch.Generator().manual_seed(2)
    image = torch.rand(1, 3, 64, 96, generator=gen)
    mask = (torch.rand(1, 1, 64, 96, generator=gen) > 0.7).float()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"image": image.numpy(), "mask": mask.numpy()})
    with torch.no_grad():
        want = lm.InpaintWrapper(generator)(image, mask).numpy()
    assert np.abs(got - want).max() <= 1e-4


def test_other_configurations_need_torch(tmp_path, monkeypatch):
    small = lm.LamaGenerator(ngf=16, n_blocks=2).eval()
    path = tmp_path / "small.pth"
    torch.save(small.state_dict(), path)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(EraserError, match="only big-lama installs without torch") as err:
        install.install_checkpoint(path, tmp_path / "out")
    assert "\n" not in str(err.value)
