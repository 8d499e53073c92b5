"""MobileSAM installs without torch: the shipped graphs filled from a checkpoint
give the very files the torch exporter gives, and stay in step with the model."""

import gzip

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="torch makes the checkpoints and the reference export")
pytest.importorskip("onnx")

from eraser import templates  # noqa: E402
from eraser.errors import EraserError  # noqa: E402
from eraser_mobilesam import convert, install, make_templates  # noqa: E402
from eraser_mobilesam import model as ms  # noqa: E402
from eraser_mobilesam.interface import INTERFACES  # noqa: E402


@pytest.fixture(scope="module")
def structures():
    return convert.export_structures()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(7)
    model = ms.build_mobile_sam().eval()
    path = tmp_path_factory.mktemp("ckpt") / "mobile_sam.pt"
    torch.save(model.state_dict(), path)
    return path


def test_shipped_templates_match_the_model_definition(structures):
    """Fails after a change to model.py or convert.py until
    `python -m eraser_mobilesam.make_templates` is run."""
    for stem in INTERFACES:
        shipped = install.template_path(stem).read_bytes()
        assert gzip.decompress(shipped) == structures[stem].SerializeToString(), stem
        assert shipped == make_templates.template_bytes(structures[stem])
    size = sum(install.template_path(stem).stat().st_size for stem in INTERFACES)
    assert size < 200_000  # the graphs only: the weights are not shipped


def test_every_weight_is_a_reference(structures):
    names = set(ms.build_mobile_sam().state_dict())
    for stem, structure in structures.items():
        needs = templates.references(structure)
        assert needs and set(needs) <= names, stem
        assert len(needs) == len(structure.graph.initializer), f"{stem} keeps weights of its own"


def test_install_equals_torch_export(checkpoint, tmp_path):
    torch_free = install.install_checkpoint(checkpoint, tmp_path / "install")
    exported = convert.export_onnx(ms.load_checkpoint(checkpoint), tmp_path / "torch")
    assert [p.name for p in torch_free] == [p.name for p in exported]
    for a, b in zip(torch_free, exported):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_installed_models_run_like_torch(checkpoint, tmp_path):
    """Bit-identical files run bit-identically; against torch itself, within float error."""
    ort = pytest.importorskip("onnxruntime")
    install.install_checkpoint(checkpoint, tmp_path)
    model = ms.load_checkpoint(checkpoint)
    image = torch.rand(1, 3, 1024, 1024, generator=torch.Generator().manual_seed(1))
    session = ort.InferenceSession(str(tmp_path / "ImageEncoder.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"image": image.numpy()})
    with torch.no_grad():
        want = model.image_encoder(image).numpy()
    assert np.abs(got - want).max() <= 1e-4


def test_half_precision_checkpoint_installs(checkpoint, tmp_path):
    state = torch.load(checkpoint, weights_only=True)
    half = tmp_path / "half.pt"
    torch.save({"model": {k: v.half() if v.is_floating_point() else v for k, v in state.items()}}, half)
    paths = install.install_checkpoint(half, tmp_path / "out")
    assert len(paths) == len(INTERFACES) + 1  # the graphs and the positional encoding


@pytest.mark.parametrize("damage, match", [
    (lambda s: s.pop("mask_decoder.iou_token.weight"), "1 missing .*iou_token"),
    (lambda s: s.__setitem__("image_encoder.neck.0.weight", torch.zeros(3, 3)), "another shape"),
    (lambda s: s.__setitem__("mask_decoder.iou_token.weight", torch.full((1, 256), float("nan"))), "NaN"),
])
def test_checkpoint_that_does_not_fit(checkpoint, tmp_path, damage, match):
    state = torch.load(checkpoint, weights_only=True)
    damage(state)
    bad = tmp_path / "bad.pt"
    torch.save(state, bad)
    with pytest.raises(EraserError, match=match) as err:
        install.install_checkpoint(bad, tmp_path / "out")
    assert "\n" not in str(err.value)
