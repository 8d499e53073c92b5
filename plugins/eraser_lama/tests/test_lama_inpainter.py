"""The lama inpainter end to end with random weights: a TorchScript file in
big-lama.pt's layout installed through `eraser models install lama --from`
(ONNX + CoreML), the inpainter's padding and runtime plumbing against torch,
and `eraser remove --inpainter lama` on a sample. A reduced configuration
keeps this fast; test_lama_model.py covers the full one."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="converting LaMa needs torch (pip install 'eraser[convert]')")
pytest.importorskip("coremltools")
pytest.importorskip("onnxscript")

from eraser import modelstore, registry, runtimes  # noqa: E402
from eraser.testing import InpainterContract  # noqa: E402
from eraser_lama import ffc  # noqa: E402
from eraser_lama import model as lm  # noqa: E402
from eraser_lama.inpainter import LamaInpainter, padded_size  # noqa: E402

SPOON = Path(__file__).resolve().parents[3] / "samples" / "coffee_spoon"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("lama-store")
    torch.manual_seed(0)
    generator = lm.LamaGenerator(ngf=16, n_blocks=2).eval()
    checkpoint = root / "big-lama.pt"
    lm.save_torchscript(generator, checkpoint)
    patch = pytest.MonkeyPatch()
    patch.setenv(modelstore.ENV_DIR, str(root / "models"))
    modelstore.install("lama", from_file=checkpoint, md5=hashlib.md5(checkpoint.read_bytes()).hexdigest(),
                       coreml=True)
    yield generator
    patch.undo()


class TestLamaContract(InpainterContract):
    inpainter = "lama"

    @pytest.fixture(autouse=True)
    def _model(self, installed):
        pass


def test_install_and_plugin(installed):
    model = modelstore.require("lama")
    assert model.has("LaMa.onnx") and model.has_any("LaMa.mlpackage")
    assert registry.choose("inpainter", "auto").name == "lama"
    assert registry.backends("inpainter")["lama"].working_size == 512


@pytest.mark.parametrize("shape", [(37, 53), (64, 64), (120, 97)])
def test_onnx_inpainter_matches_torch(installed, shape):
    """Padding (symmetric, to a multiple of 8), layout and cropping, against
    upstream's predict-time computation run by torch on the same padded input."""
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    mask = np.zeros(shape, bool)
    mask[shape[0] // 4 : shape[0] // 2, shape[1] // 3 : 2 * shape[1] // 3] = True
    ours = LamaInpainter(modelstore.require("lama"), runtime="onnx").inpaint(image, mask)
    h, w = padded_size(shape[0], "onnx"), padded_size(shape[1], "onnx")
    assert h % 8 == 0 and w % 8 == 0
    pads = ((0, h - shape[0]), (0, w - shape[1]))
    rgb = np.pad(image / 255.0, pads + ((0, 0),), mode="symmetric").astype(np.float32)
    hole = np.pad(mask, pads, mode="symmetric").astype(np.float32)
    with torch.no_grad():
        out = lm.InpaintWrapper(installed)(torch.from_numpy(rgb.transpose(2, 0, 1))[None], torch.from_numpy(hole)[None, None])
    reference = np.clip(np.rint(out[0].numpy().transpose(1, 2, 0)[: shape[0], : shape[1]] * 255), 0, 255)
    assert ours.shape == image.shape and ours.dtype == np.uint8
    assert np.abs(ours.astype(int) - reference.astype(int)).max() <= 1  # rounding of a 1e-6 difference
    assert np.array_equal(ours[~mask], image[~mask])  # the graph composites: known pixels kept


def test_coreml_inpainter_pads_to_its_fixed_size(installed, monkeypatch):
    import coremltools as ct

    seen = {}

    class FakeMLModel:
        def __init__(self, path, compute_units):
            seen["units"] = compute_units

        def predict(self, inputs):
            seen["shape"] = inputs["image"].shape
            return {"output": inputs["image"]}

    monkeypatch.setattr(ct.models, "MLModel", FakeMLModel)
    monkeypatch.setattr(runtimes, "coreml_can_run", lambda: True)
    inpainter = LamaInpainter(modelstore.require("lama"))
    image = np.random.default_rng(0).integers(0, 256, (300, 450, 3), dtype=np.uint8)
    out = inpainter.inpaint(image, np.zeros((300, 450), bool))
    assert inpainter.session.runtime == "coreml" and seen["units"] == ct.ComputeUnit.CPU_AND_GPU
    assert seen["shape"] == (1, 3, 512, 512)
    assert np.array_equal(out, image)


def test_remove_with_lama_keeps_pixels_outside_the_mask(installed, eraser_cli, tmp_path):
    out, mask = tmp_path / "out.png", tmp_path / "mask.png"
    code, _, err = eraser_cli("remove", SPOON / "photo.jpg", "--mask", SPOON / "mask.png", "-o", out, "--save-mask", mask)
    assert code == 0, err
    assert "with mask and lama" in err
    original = np.asarray(Image.open(SPOON / "photo.jpg").convert("RGB"))
    result = np.asarray(Image.open(out))
    removal = np.asarray(Image.open(mask))
    assert np.array_equal(result[removal == 0], original[removal == 0])
    assert (result[removal == 255] != original[removal == 255]).any()


@pytest.mark.parametrize("shape", [(64, 64), (48, 80), (15, 22), (8, 9)])
def test_matmul_dft_equals_torch_fft(shape):
    """The ONNX export's matrix-product transforms against torch.fft (ortho)."""
    h, w = shape
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, h, w, generator=gen)
    spec = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
    re, im = ffc.rfft2_ortho_matmul(x)
    assert (re - spec.real).abs().max() < 1e-5 and (im - spec.imag).abs().max() < 1e-5
    y, z = torch.randn(2, 3, h, w // 2 + 1, generator=gen), torch.randn(2, 3, h, w // 2 + 1, generator=gen)
    reference = torch.fft.irfftn(torch.complex(y, z), s=(h, w), dim=(-2, -1), norm="ortho")
    assert (ffc.irfft2_ortho_matmul(y, z, h, w) - reference).abs().max() < 1e-5
