"""SAM 2.1's model definition, graphs and torch-free install (random weights, seeded).

Upstream's own code is checked in test_sam2_upstream.py (in the reference
environment); here: sizes, templates that take exactly the checkpoint's
tensors, the install against a torch export byte for byte, every installed
graph against the torch model, and bad checkpoints refused in one line.
"""

import gzip
import os
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from sam2_files import md5  # noqa: E402
from eraser import templates  # noqa: E402
from eraser.errors import EraserError  # noqa: E402
from eraser.testing.coreml import check_coreml_package  # noqa: E402
from eraser_sam2 import convert, install, make_templates  # noqa: E402
from eraser_sam2.export import WRAPPERS, example_inputs  # noqa: E402
from eraser_sam2.interface import INTERFACES, STEMS  # noqa: E402
from eraser_sam2.model import SAM2, build_sam2, load_checkpoint  # noqa: E402
from eraser_sam2.sizes import SIZES  # noqa: E402

pytestmark = pytest.mark.slow  # exports and installs models with torch

# parameters upstream reports: 38.9 M, 46 M, 80.8 M, 224.4 M
PARAMETERS = {"sam2.1-tiny": 38_962_754, "sam2.1-small": 46_060_610, "sam2.1-base-plus": 80_850_434,
              "sam2.1-large": 224_446_898}


def _shapes(name):
    return {k: tuple(v.shape) for k, v in SAM2(name).to("meta").state_dict().items()}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_parameter_count(name):
    assert sum(int(np.prod(s)) for s in _shapes(name).values()) == PARAMETERS[name]


@pytest.mark.parametrize("name", sorted(SIZES))
def test_shipped_templates_take_exactly_the_checkpoints_tensors(name):
    """Every tensor of the checkpoint is in one of the eight graphs with its
    shape, and nothing else is: the video parts are installed too."""
    state = _shapes(name)
    needs = {}
    for stem, template in install.shipped_templates(name).items():
        assert templates.foreign_data(template) == [], stem
        for key, (shape, dtype) in templates.references(template).items():
            assert key not in needs or needs[key] == shape, key
            needs[key] = shape
            assert dtype == np.float32, key
    assert needs == state


def test_template_files_are_small():
    for name in SIZES:
        assert install.template_path("ImageEncoder", name).stat().st_size < 150_000
    assert sum(install.template_path(stem, "sam2.1-tiny").stat().st_size for stem in STEMS) < 400_000


@pytest.mark.slow
def test_shipped_templates_match_the_model_definition():
    """Fails after a change to the model until `python -m eraser_sam2.make_templates` is run (tiny and the shared graphs)."""
    for stem, structure in convert.export_structures("sam2.1-tiny").items():
        assert install.template_path(stem, "sam2.1-tiny").read_bytes() == make_templates.template_bytes(structure), stem


def test_load_checkpoint_roundtrip(tiny_checkpoint):
    path, model = tiny_checkpoint
    loaded = load_checkpoint(path, "sam2.1-tiny")
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


@pytest.mark.slow
def test_install_equals_torch_export(tiny_checkpoint, tmp_path):
    path, model = tiny_checkpoint
    torch_free = install.install_checkpoint(path, tmp_path / "install", "sam2.1-tiny")
    exported = convert.export_onnx(load_checkpoint(path, "sam2.1-tiny"), tmp_path / "torch", "sam2.1-tiny")
    assert [p.name for p in torch_free] == [p.name for p in exported]
    for a, b in zip(torch_free, exported):
        assert a.read_bytes() == b.read_bytes(), a.name


def _check_close(got, want, name, tol=1e-4):
    want = want.numpy()
    assert got.shape == want.shape, name
    assert np.abs(got - want).max() <= tol * max(1.0, np.abs(want).max()), (name, np.abs(got - want).max())


def test_installed_graphs_run_like_torch(tiny_checkpoint, tiny_store):
    """All eight graphs on ONNX Runtime against the torch model, with other
    sizes of the dynamic axes than they were traced with (N points, M memory
    tokens, P object pointers, none of them too)."""
    from eraser import modelstore
    from eraser.runtimes.onnx import OnnxRunner

    _, model = tiny_checkpoint
    installed = modelstore.require("sam2.1-tiny", root=tiny_store)
    g = torch.Generator().manual_seed(5)
    examples = example_inputs(model)
    examples["PromptEncoder"] = (torch.rand((1, 5, 2), generator=g) * 1024, torch.tensor([[2.0, 3.0, 1.0, 0.0, -1.0]]))
    decoder = list(examples["MaskDecoder"])
    decoder[4] = torch.randn((1, 5, 256), generator=g)
    examples["MaskDecoder"] = tuple(decoder)
    examples["MaskDecoderPrompt"] = examples["MaskDecoderPrompt"][:-1] + (decoder[4],)
    memory = list(examples["MemoryAttention"])
    memory[2:4] = [torch.randn((1, 3 * 4096, 64), generator=g) for _ in range(2)]
    examples["MemoryAttention"] = tuple(memory)
    no_pointers = tuple(memory[:4]) + (torch.zeros((1, 0, 64)), torch.zeros((1, 0, 64)))
    runs = [(stem, args) for stem, args in examples.items() if stem != "ImageEncoder"]
    runs.append(("MemoryAttention", no_pointers))
    for stem, args in runs:
        session = OnnxRunner(installed.path(f"{stem}.onnx"))
        inputs, outputs = INTERFACES[stem]
        got = session.run({name: a.numpy() for name, a in zip(inputs, args)})
        with torch.no_grad():
            want = WRAPPERS[stem](model)(*args)
        want = want if isinstance(want, tuple) else (want,)
        for name, w in zip(outputs, want):
            _check_close(got[name], w, f"{stem}.{name}")


def test_the_click_decoder_in_two_graphs_is_the_mask_decoder(tiny_checkpoint, tiny_store):
    """MaskDecoderImage once, then MaskDecoderPrompt, on ONNX Runtime: what
    MaskDecoder gives with the no-mask dense prompt (a click's), for one, five and twelve prompt tokens."""
    from eraser import modelstore
    from eraser.runtimes.onnx import OnnxRunner

    _, model = tiny_checkpoint
    installed = modelstore.require("sam2.1-tiny", root=tiny_store)
    full, image_side, prompt_side = (OnnxRunner(installed.path(f"{stem}.onnx"))
                                     for stem in ("MaskDecoder", "MaskDecoderImage", "MaskDecoderPrompt"))
    g = torch.Generator().manual_seed(7)
    embedding = torch.randn((1, 256, 64, 64), generator=g).numpy()
    skips = {"highResFeatures0": torch.randn((1, 32, 256, 256), generator=g).numpy(),
             "highResFeatures1": torch.randn((1, 64, 128, 128), generator=g).numpy()}
    pe = np.load(installed.path("imagePositionalEncoding.npy"))
    with torch.no_grad():
        dense = model.sam_prompt_encoder.no_mask_dense().numpy()
    cached = image_side.run({"imageEmbeddings": embedding, **skips, "imagePositionalEncoding": pe})
    tokens = np.ascontiguousarray(pe.reshape(1, 256, 4096).transpose(0, 2, 1))
    for n in (1, 5, 12):  # 12: more tokens than where click_attention pays
        sparse = torch.randn((1, n, 256), generator=g).numpy()
        want = full.run({"imageEmbeddings": embedding, **skips, "imagePositionalEncoding": pe,
                         "sparsePromptEmbeddings": sparse, "densePromptEmbeddings": dense})
        got = prompt_side.run({**cached, "positionalTokens": tokens, "sparsePromptEmbeddings": sparse})
        for name, value in want.items():
            _check_close(got[name], torch.from_numpy(value), f"{name} (N={n})", tol=1e-5)


@pytest.mark.slow
def test_installed_encoder_runs_like_torch(tiny_checkpoint, tiny_store):
    from eraser import modelstore
    from eraser.runtimes.onnx import OnnxRunner

    _, model = tiny_checkpoint
    (image,) = example_inputs(model)["ImageEncoder"]
    got = OnnxRunner(modelstore.require("sam2.1-tiny", root=tiny_store).path("ImageEncoder.onnx")).run(
        {"image": image.numpy()})
    with torch.no_grad():
        want = model.image_features(image)
    for name, w in zip(INTERFACES["ImageEncoder"][1], want):
        _check_close(got[name], w, name)


def test_memory_attention_splits_like_upstreams_exclusion(tiny_checkpoint):
    """Object pointers given apart (the graph's inputs) equal upstream's
    num_obj_ptr_tokens, the last keys of one memory left unrotated."""
    _, model = tiny_checkpoint
    g = torch.Generator().manual_seed(2)
    curr, curr_pos = torch.randn((1, 4096, 256), generator=g), torch.randn((1, 4096, 256), generator=g)
    memory, memory_pos = torch.randn((1, 2 * 4096 + 3, 64), generator=g), torch.randn((1, 2 * 4096 + 3, 64), generator=g)
    with torch.no_grad():
        joined = model.memory_attention(curr, memory, curr_pos, memory_pos, num_obj_ptr_tokens=3)
        apart = model.memory_attention.forward_parts(curr, curr_pos, memory[:, :-3], memory_pos[:, :-3],
                                                     memory[:, -3:], memory_pos[:, -3:])
    assert torch.allclose(joined, apart, atol=1e-5)


# ------------------------------------------------------------ bad checkpoints


class _Run:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _small_size_state():
    """A whole checkpoint of another size (small), zeros: the keys and shapes are what counts."""
    return {k: torch.zeros(s) for k, s in _shapes("sam2.1-small").items()}


@pytest.mark.parametrize("make, match", [
    (lambda p, m: torch.save({"model": _small_size_state()}, p), "does not fit SAM 2.1 Hiera-T.*another size"),
    (lambda p, m: p.write_bytes(m.read_bytes()[: m.stat().st_size // 2]), ""),
    (lambda p, m: torch.save({"model": {"x": torch.ones(2)}, "y": _Run(os.system, f"touch {p}.pwned")}, p,
                             pickle_protocol=pickle.HIGHEST_PROTOCOL), "refused"),
    (lambda p, m: _zip_bomb(p), "refused"),
], ids=["another size", "truncated", "pickle with code", "zip bomb"])
def test_bad_checkpoints_are_refused_in_one_line(tiny_checkpoint, tmp_path, eraser_cli, make, match):
    good, _ = tiny_checkpoint
    bad = tmp_path / "sam2.1_hiera_tiny.pt"
    make(bad, good)
    store = tmp_path / "store"
    code, _, err = eraser_cli("models", "install", "sam2.1-tiny", "--from", bad, "--md5", md5(bad),
                              "--models-dir", store)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and __import__("re").search(match, err), err
    assert not (store / "sam2.1-tiny").exists()
    assert not (tmp_path / "sam2.1_hiera_tiny.pt.pwned").exists()


def _zip_bomb(path):
    """A real torch.save file whose one tensor storage unpacks to 300 MB (a few hundred KB packed)."""
    import zipfile

    plain = path.with_suffix(".plain")
    torch.save({"model": {"image_encoder.trunk.pos_embed": torch.zeros(4)}}, plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, b"\0" * (300 << 20) if info.filename.endswith("/data/0") else data)


def test_a_missing_tensor_is_named(tiny_checkpoint, tmp_path):
    path, model = tiny_checkpoint
    state = {k: v for k, v in model.state_dict().items() if k != "memory_attention.norm.weight"}
    bad = tmp_path / "bad.pt"
    torch.save({"model": state}, bad)
    with pytest.raises(EraserError, match="1 missing .*memory_attention.norm.weight") as err:
        install.install_checkpoint(bad, tmp_path / "out", "sam2.1-tiny")
    assert "\n" not in str(err.value) and not (tmp_path / "out").exists()


def test_build_is_eval_without_grad():
    model = build_sam2("sam2.1-tiny")
    assert not model.training and not any(p.requires_grad for p in model.parameters())


def test_template_gzip_is_reproducible():
    data = install.template_path("PromptEncoder", "sam2.1-tiny").read_bytes()
    assert make_templates.template_bytes(__import__("onnx").load_model_from_string(gzip.decompress(data))) == data


def test_convert_writes_the_onnx_graphs_and_coreml_packages_of_the_image_path(tiny_checkpoint, tmp_path, eraser_cli):
    """`eraser models convert sam2.1-tiny`: the eight graphs through torch and the
    three CoreML packages, checked by their spec (CoreML cannot run on Linux)."""
    pytest.importorskip("coremltools")
    path, _ = tiny_checkpoint
    out = tmp_path / "converted"
    code, _, err = eraser_cli("models", "convert", "sam2.1-tiny", "-c", path, "-o", out, "-q")
    assert code == 0, err
    for stem in STEMS:
        assert (out / f"{stem}.onnx").is_file(), stem
    grid, n = [1, 256, 64, 64], (1, 100)
    expected = {
        "ImageEncoder": ({"image": [1, 3, 1024, 1024]},
                         {"imageEmbeddings": grid, "highResFeatures0": [1, 32, 256, 256],
                          "highResFeatures1": [1, 64, 128, 128]}),
        "PromptEncoder": ({"points": [1, n, 2], "labels": [1, n]},
                          {"sparsePromptEmbeddings": None, "densePromptEmbeddings": grid}),
        "MaskDecoder": ({"imageEmbeddings": grid, "highResFeatures0": [1, 32, 256, 256],
                         "highResFeatures1": [1, 64, 128, 128], "imagePositionalEncoding": grid,
                         "sparsePromptEmbeddings": [1, n, 256], "densePromptEmbeddings": grid},
                        # coremltools leaves maskTokens' shape open (checked: [] in the spec)
                        {"masks": [1, 4, 256, 256], "iouPredictions": [1, 4], "objectScoreLogits": [1, 1],
                         "maskTokens": None}),
    }
    for stem, (inputs, outputs) in expected.items():
        check_coreml_package(out / f"{stem}.mlpackage", inputs, outputs)
