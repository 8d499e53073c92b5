"""The LaMa (big-lama) generator: checkpoint compatibility, loading, export.

No real weights are downloaded: the tests build stand-ins of the official
files (a Lightning checkpoint and a big-lama.pt-style TorchScript trace) from
deterministic weights. Two data files, both derived by running upstream
advimman/lama code (saicinpainting/training/modules/ffc.py):

* data/big_lama_keys.json: every state-dict key and shape of
  big-lama's generator;
* data/lama_reference_outputs.json: upstream's outputs for the weights
  and inputs that ``fill_deterministic`` / ``reference_inputs`` below build.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="LaMa needs torch (pip install eraser[convert])")

try:
    import eraser_lama.model  # noqa: F401  (installed, or packaged by the lead)
except ImportError:  # the plugin directory, not yet on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eraser.errors import EraserError  # noqa: E402
from eraser_lama import model as lm  # noqa: E402

DATA = Path(__file__).parent / "data"
REDUCED = {"ngf": 16, "n_blocks": 2}


# ---------------------------------------------------------------- helpers


def fill_deterministic(module: torch.nn.Module) -> torch.nn.Module:
    """Weights that depend only on the sorted key list (the rule used to make
    lama_reference_outputs.json with upstream's module): convolutions
    U(-1, 1) * sqrt(3 / fan_in), BatchNorm weight U(0.5, 1), running_var
    U(0.5, 1.5), biases and running_mean U(-0.1, 0.1)."""
    sd = module.state_dict()
    new = {}
    for i, key in enumerate(sorted(sd)):
        v = sd[key]
        if not v.is_floating_point():
            new[key] = v.clone()
            continue
        u = torch.rand(v.shape, generator=torch.Generator().manual_seed(1000 + i), dtype=torch.float64)
        if key.endswith("running_var"):
            t = 0.5 + u
        elif key.endswith(("running_mean", "bias")):
            t = 0.2 * u - 0.1
        elif v.dim() == 1:
            t = 0.5 + 0.5 * u
        else:
            t = (2 * u - 1) * math.sqrt(3.0 / v[0].numel())
        new[key] = t.float()
    module.load_state_dict(new)
    return module.eval()


def reference_inputs(h: int, w: int):
    """A random image and a disk-shaped binary mask."""
    image = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(7))
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    mask = (((yy - h / 2) ** 2 + (xx - w / 3) ** 2) < (min(h, w) / 4) ** 2).float()[None, None]
    return image, mask


def generator_input(image, mask):
    return torch.cat([image * (1 - mask), mask], dim=1)


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


@pytest.fixture(scope="module")
def big_lama():
    """big-lama with deterministic weights (random BN statistics too)."""
    torch.manual_seed(0)
    return fill_deterministic(lm.build_big_lama())


@pytest.fixture(scope="module")
def reduced():
    return fill_deterministic(lm.LamaGenerator(**REDUCED))


# ------------------------------------------------- architecture vs upstream


def test_big_lama_matches_upstream_key_list_and_size():
    torch.manual_seed(0)
    gen = lm.build_big_lama()
    expected = json.loads((DATA / "big_lama_keys.json").read_text())["keys"]
    got = {k: list(v.shape) for k, v in gen.state_dict().items()}
    assert list(got) == list(expected)  # same keys, same order
    assert got == expected  # same shapes
    n_params = sum(p.numel() for p in gen.parameters())
    assert n_params == 50_975_875  # "51M"
    assert not gen.training
    assert lm.infer_config(gen.state_dict()) == lm.BIG_LAMA_CONFIG


@pytest.mark.parametrize("which", ["reduced", "big_lama"])
def test_outputs_match_upstream_reference(which, request):
    ref = json.loads((DATA / "lama_reference_outputs.json").read_text())[which]
    gen = request.getfixturevalue(which)
    assert ref["config"] == {k: gen.config[k] for k in ref["config"]}
    image, mask = reference_inputs(*ref["size"])
    with torch.no_grad():
        pred = gen(generator_input(image, mask))
    assert pred.shape == (1, 3, *ref["size"])
    flat = pred.flatten()
    np.testing.assert_allclose(flat[ref["sample_index"]].numpy(), ref["samples"], atol=1e-5)
    np.testing.assert_allclose(pred.sum(dim=(0, 2, 3)).numpy(), ref["channel_sums"], rtol=1e-5)
    assert pred.mean().item() == pytest.approx(ref["mean"], abs=1e-6)
    assert 0 <= pred.min() and pred.max() <= 1


def test_inpainter_masks_concatenates_and_composites(reduced):
    image, mask = reference_inputs(48, 64)
    with torch.no_grad():
        out = lm.InpaintWrapper(reduced)(image, mask)
        pred = reduced(generator_input(image, mask))
        raw = lm.InpaintWrapper(reduced, composite=False)(image, mask)
    keep = mask == 0
    assert torch.equal(out.expand(1, 3, 48, 64)[keep.expand(1, 3, 48, 64)],
                       image[keep.expand(1, 3, 48, 64)])
    hole = ~keep.expand(1, 3, 48, 64)
    assert torch.allclose(out[hole], pred[hole])
    assert torch.equal(raw, pred)
    # what is under the mask does not matter
    with torch.no_grad():
        other = lm.InpaintWrapper(reduced)(torch.where(mask.bool(), 1 - image, image), mask)
    assert torch.allclose(other, out)


# ----------------------------------------------------------------- loading


class _FakeDictConfig:
    """Pickled as omegaconf.dictconfig.DictConfig, whose module the loader
    lacks (as a Lightning checkpoint's hyper-parameters are)."""

    __module__ = "omegaconf.dictconfig"
    __qualname__ = "DictConfig"

    def __init__(self, content):
        self.content = content


def _save_with_fake_omegaconf(obj, path):
    """torch.save with a stand-in omegaconf importable only while saving."""
    fake = types.ModuleType("omegaconf.dictconfig")
    fake.DictConfig = _FakeDictConfig
    parent = types.ModuleType("omegaconf")
    saved = {k: sys.modules.get(k) for k in ("omegaconf", "omegaconf.dictconfig")}
    sys.modules.update({"omegaconf": parent, "omegaconf.dictconfig": fake})
    try:
        torch.save(obj, path)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def test_load_lightning_checkpoint_big_lama(big_lama, tmp_path):
    path = tmp_path / "best.ckpt"
    state = {f"generator.{k}": v for k, v in big_lama.state_dict().items()}
    state["discriminator.model0.0.ffc.convl2l.weight"] = torch.zeros(64, 3, 3, 3)
    state["loss_resnet_pl.impl.conv1.weight"] = torch.zeros(8, 3, 1, 1)
    ckpt = {"epoch": 39, "global_step": 1000, "pytorch-lightning_version": "1.2.9", "state_dict": state,
            "optimizer_states": [{"state": {}, "param_groups": [{"lr": 0.001}]}],
            "hyper_parameters": _FakeDictConfig({"generator": {"kind": "ffc_resnet"}})}
    _save_with_fake_omegaconf(ckpt, path)
    with pytest.raises(pickle.UnpicklingError):  # plain weights_only loading refuses it
        torch.load(path, weights_only=True)
    loaded = lm.load_checkpoint(path)
    assert loaded.config == lm.BIG_LAMA_CONFIG
    assert not loaded.training
    assert_same_weights(loaded, big_lama)


def test_save_lightning_checkpoint_roundtrip(reduced, tmp_path):
    path = tmp_path / "small.ckpt"
    lm.save_lightning_checkpoint(reduced, path)
    raw = torch.load(path, weights_only=True)
    assert all(k.startswith("generator.model.") for k in raw["state_dict"])
    assert_same_weights(lm.load_checkpoint(path), reduced)


def test_load_torchscript_in_big_lama_pt_layout(big_lama, tmp_path):
    path = tmp_path / "big-lama.pt"
    lm.save_torchscript(big_lama, path, size=(64, 64))
    jit = torch.jit.load(str(path))
    keys = list(jit.state_dict())
    assert keys == [f"model.generator.{k}" for k in big_lama.state_dict()]
    # the file is called as IOPaint calls big-lama.pt: (image, mask) -> composited image
    image, mask = reference_inputs(64, 96)  # traced at 64x64: the trace is size-generic
    with torch.no_grad(), torch.jit.optimized_execution(False):  # skip the slow first-call JIT passes
        expected = lm.InpaintWrapper(big_lama)(image, mask)
        assert torch.allclose(jit(image, mask), expected, atol=1e-5)
    loaded = lm.load_checkpoint(path)
    assert loaded.config == lm.BIG_LAMA_CONFIG
    assert_same_weights(loaded, big_lama)


@pytest.mark.parametrize("prefix", ["", "generator.", "model.generator.", "model."])
def test_load_plain_state_dict(reduced, tmp_path, prefix):
    path = tmp_path / "weights.pth"
    torch.save({prefix + k: v for k, v in reduced.state_dict().items()}, path)
    loaded = lm.load_checkpoint(path)
    assert loaded.config["ngf"] == 16 and loaded.config["n_blocks"] == 2
    assert_same_weights(loaded, reduced)


def test_load_without_num_batches_tracked(reduced, tmp_path):
    path = tmp_path / "old.pth"
    torch.save({k: v for k, v in reduced.state_dict().items() if "num_batches_tracked" not in k}, path)
    image, mask = reference_inputs(32, 48)
    with torch.no_grad():
        assert torch.equal(lm.load_checkpoint(path)(generator_input(image, mask)),
                           reduced(generator_input(image, mask)))


def _zip_bytes(names):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, b"x")
    return buf.getvalue()


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    (b"", "empty"),
    (b"\x00garbage" * 100, "cannot read"),
    (_zip_bytes(["archive/data.pkl"]), "cannot read"),
    (_zip_bytes(["archive/code/__torch__.py", "archive/constants.pkl"]), "not a PyTorch checkpoint"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "lama.ckpt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(EraserError, match=message):
        lm.load_checkpoint(path)


def test_mismatched_weights(reduced, tmp_path):
    sd = reduced.state_dict()
    path = tmp_path / "x.pth"

    torch.save({"something": torch.zeros(3)}, path)
    with pytest.raises(EraserError, match="not a LaMa checkpoint"):
        lm.load_checkpoint(path)

    torch.save({"state_dict": {"generator." + k: v for k, v in sd.items() if "model.5.conv2" not in k}}, path)
    with pytest.raises(EraserError, match="missing"):
        lm.load_checkpoint(path, config=dict(REDUCED))

    torch.save(sd, path)
    with pytest.raises(EraserError, match="unexpected|another shape"):
        lm.load_checkpoint(path, config=lm.BIG_LAMA_CONFIG)

    torch.save([1, 2, 3], path)
    with pytest.raises(EraserError, match="no state dict"):
        lm.load_checkpoint(path)


def test_pickled_code_is_not_run(tmp_path, capsys):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.ckpt"
    with open(path, "wb") as f:
        torch.save({"state_dict": {}, "x": Evil()}, f, pickle_module=pickle)
    # `print` as pickled (builtins.print, or a stand-in such as Ray's when Ray has patched builtins)
    with pytest.raises(EraserError, match=r"print, which a checkpoint has no need of; refused \(not run\)"):
        lm.load_checkpoint(path)
    assert "pwned" not in capsys.readouterr().out


# ------------------------------------------------------------------ export

def _ort():
    return pytest.importorskip("onnxruntime", reason="onnxruntime not installed")


def _run_onnx(path, image, mask):
    sess = _ort().InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["image", "mask"]
    assert [o.name for o in sess.get_outputs()] == ["output"]
    return sess, sess.run(None, {"image": image.numpy(), "mask": mask.numpy()})[0]


def _needs_onnx_export():
    _ort()
    pytest.importorskip("onnx", reason="onnx not installed")
    pytest.importorskip("onnxscript", reason="the dynamo ONNX exporter needs onnxscript")
    from eraser_lama import convert

    return convert


@pytest.mark.parametrize("dynamic", [True, False])
def test_onnx_export_reduced(reduced, tmp_path, dynamic):
    convert = _needs_onnx_export()
    import onnx

    path = tmp_path / "lama.onnx"
    info = convert.export_onnx(reduced, path, size=(96, 128), dynamic=dynamic)
    assert info["path"] == path and path.is_file()
    model = onnx.load(str(path))
    dims = [[d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]
            for v in list(model.graph.input) + list(model.graph.output)]
    if dynamic:
        assert dims == [[1, 3, "height", "width"], [1, 1, "height", "width"], [1, 3, "height", "width"]]
    else:
        assert dims == [[1, 3, 96, 128], [1, 1, 96, 128], [1, 3, 96, 128]]
    sizes = [(96, 128), (64, 160), (40, 24)] if dynamic else [(96, 128)]
    sess = None
    for h, w in sizes:
        image, mask = reference_inputs(h, w)
        with torch.no_grad():
            expected = lm.InpaintWrapper(reduced)(image, mask).numpy()
        if sess is None:
            sess, got = _run_onnx(path, image, mask)
        else:
            got = sess.run(None, {"image": image.numpy(), "mask": mask.numpy()})[0]
        assert got.shape == (1, 3, h, w)
        assert np.abs(got - expected).max() < 1e-4, (h, w)


def test_onnx_export_big_lama_parity(big_lama, tmp_path):
    """The full configuration through the dynamo exporter and onnxruntime."""
    convert = _needs_onnx_export()
    path = tmp_path / "big-lama.onnx"
    convert.export_onnx(big_lama, path, size=64, dynamic=True)
    sess = None
    for h, w in [(64, 64), (64, 96)]:
        image, mask = reference_inputs(h, w)
        with torch.no_grad():
            expected = lm.InpaintWrapper(big_lama)(image, mask).numpy()
            raw = big_lama(generator_input(image, mask)).numpy()
        assert raw.std() > 0.1  # not saturated: the comparison means something
        if sess is None:
            sess, got = _run_onnx(path, image, mask)
        else:
            got = sess.run(None, {"image": image.numpy(), "mask": mask.numpy()})[0]
        assert np.abs(got - expected).max() < 1e-4, (h, w)


def test_export_rejects_bad_sizes(reduced, tmp_path):
    from eraser_lama import convert

    with pytest.raises(ValueError, match="multiples of 8"):
        convert.export_onnx(reduced, tmp_path / "x.onnx", size=(100, 128))
    with pytest.raises(TypeError):
        convert.export_onnx(torch.nn.Conv2d(1, 1, 1), tmp_path / "x.onnx", size=64)


def test_coreml_conversion_reduced(reduced, tmp_path):
    pytest.importorskip("coremltools", reason="coremltools not installed")
    from eraser_lama import convert

    path = tmp_path / "lama.mlpackage"
    info = convert.export_coreml(reduced, path, size=(96, 128))
    assert path.is_dir() and info["size"] == (96, 128)
    import coremltools as ct

    spec = ct.models.MLModel(str(path), skip_model_load=True).get_spec()
    assert spec.WhichOneof("Type") == "mlProgram"

    def shapes(values):
        return {v.name: list(v.type.multiArrayType.shape) for v in values}

    assert shapes(spec.description.input) == {"image": [1, 3, 96, 128], "mask": [1, 1, 96, 128]}
    assert shapes(spec.description.output) == {"output": [1, 3, 96, 128]}
    float32 = ct.proto.FeatureTypes_pb2.ArrayFeatureType.FLOAT32
    assert all(v.type.multiArrayType.dataType == float32
               for v in list(spec.description.input) + list(spec.description.output))

    if sys.platform != "darwin":
        return  # CoreML predictions need macOS; elsewhere only the conversion is checked
    mlmodel = ct.models.MLModel(str(path), compute_units=ct.ComputeUnit.CPU_ONLY)
    image, mask = reference_inputs(96, 128)
    got = mlmodel.predict({"image": image.numpy(), "mask": mask.numpy()})["output"]
    with torch.no_grad():
        expected = lm.InpaintWrapper(reduced)(image, mask).numpy()
    assert np.abs(got - expected).max() < 1e-3
