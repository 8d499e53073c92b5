"""SAM ViT-B/L/H against the ``segment-anything`` package (the test extra).

ViT-B in full, on random weights with a fixed seed: keys and shapes, the
torch-free install, ONNX Runtime against upstream's torch encoder, a click
through ``eraser segment`` against ``SamPredictor``, and the seed iOS app's
decoder against upstream's ``SamOnnxModel``. ViT-L and ViT-H by configuration
(keys and shapes, built on torch's meta device: no memory, no time), so CI
stays small.
"""

import gzip
import hashlib
import sys

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from eraser import modelstore, templates  # noqa: E402
from eraser_mobilesam import install, make_templates  # noqa: E402
from eraser_mobilesam.family import VARIANTS  # noqa: E402
from eraser_mobilesam.model import build_sam  # noqa: E402
from test_everything import _photo, _torchvision_shim  # noqa: E402
from test_mobilesam_model import randomize  # noqa: E402

pytestmark = pytest.mark.slow  # builds SAM ViT-B/L/H in torch (a few seconds each)

UPSTREAM = {"sam-vit-b": "vit_b", "sam-vit-l": "vit_l", "sam-vit-h": "vit_h"}


@pytest.fixture(scope="module")
def segment_anything():
    patch = pytest.MonkeyPatch()
    for name, module in _torchvision_shim().items():
        patch.setitem(sys.modules, name, module)
    sa = pytest.importorskip("segment_anything", reason="the reference: pip install segment-anything (the test extra)")
    yield sa
    patch.undo()


def _shapes(model) -> dict:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_parameter_names_and_shapes_are_upstreams(segment_anything, name):
    with torch.device("meta"):
        ours, theirs = build_sam(name), segment_anything.sam_model_registry[UPSTREAM[name]]()
    assert _shapes(ours) == _shapes(theirs)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_shipped_templates_take_exactly_the_checkpoints_tensors(name):
    """Every tensor of the state dict is in the graphs, with its shape, and
    nothing else is: a checkpoint that loads upstream installs here."""
    with torch.device("meta"):
        state = _shapes(build_sam(name))
    needs = {}
    for stem, template in install.shipped_templates(name).items():
        assert templates.foreign_data(template) == [], stem  # whole on its own
        for key, (shape, dtype) in templates.references(template).items():
            needs[key] = shape
            assert dtype == np.float32, key
    # the prompt encoder's mask input and the encoder's ImageNet head take no part in a click
    # (and BatchNorm's training counter)
    unused = {k for k in state if k.startswith(("prompt_encoder.mask_downscaling", "image_encoder.norm_head",
                                                "image_encoder.head")) or k.endswith("num_batches_tracked")}
    assert needs == {k: v for k, v in state.items() if k not in unused}


def test_template_files_are_small():
    for name in UPSTREAM:
        assert install.template_path("ImageEncoder", name).stat().st_size < 100_000  # weights are not shipped


@pytest.mark.slow
def test_shipped_vit_b_template_matches_the_model_definition():
    """Fails after a change to vit.py until `python -m eraser_mobilesam.make_templates sam-vit-b` is run."""
    structure = make_templates.structures("sam-vit-b")["ImageEncoder"]
    shipped = install.template_path("ImageEncoder", "sam-vit-b").read_bytes()
    assert gzip.decompress(shipped) == structure.SerializeToString()


def test_weights_over_the_limit_go_to_external_data(tmp_path, monkeypatch):
    """ViT-H's 2.5 GB cannot be one protobuf: the same graph with its
    weights beside it gives the same outputs (shown on the small decoder)."""
    from eraser.runtimes.onnx import OnnxRunner

    state = {k: v.numpy() for k, v in randomize(build_sam("mobile-sam"), seed=5).state_dict().items()}
    filled = templates.fill(install.shipped_templates()["MaskDecoder"], state)
    inline = templates.save(filled, tmp_path / "inline.onnx")
    monkeypatch.setattr(templates, "EXTERNAL_OVER", 1 << 20)
    (tmp_path / "ext").mkdir()
    external = templates.save(filled, tmp_path / "ext" / "MaskDecoder.onnx")
    assert [p.name for p in inline] == ["inline.onnx"]
    assert [p.name for p in external] == ["MaskDecoder.onnx", "MaskDecoder.onnx.data"]
    assert external[0].stat().st_size * 10 < external[1].stat().st_size  # the weights went beside the graph
    rng = np.random.default_rng(0)
    feed = {"imageEmbeddings": rng.normal(size=(1, 256, 64, 64)).astype(np.float32),
            "imagePositionalEncoding": rng.normal(size=(1, 256, 64, 64)).astype(np.float32),
            "sparsePromptEmbeddings": rng.normal(size=(1, 3, 256)).astype(np.float32),
            "densePromptEmbeddings": rng.normal(size=(1, 256, 64, 64)).astype(np.float32)}
    a, b = OnnxRunner(inline[0]).run(feed), OnnxRunner(external[0]).run(feed)
    assert np.array_equal(a["masks"], b["masks"]) and np.array_equal(a["iouPredictions"], b["iouPredictions"])


# ------------------------------------------------------------- ViT-B in full


@pytest.fixture(scope="module")
def vit_b(segment_anything, tmp_path_factory):
    """Upstream's Sam ViT-B with random weights, saved as sam_vit_b_01ec64.pth
    would be, and installed the torch-free way."""
    root = tmp_path_factory.mktemp("sam-vit-b")
    ours = build_sam("sam-vit-b")
    randomize(ours, seed=11)
    g = torch.Generator().manual_seed(12)
    with torch.no_grad():  # zero-initialised upstream: give them values so they count
        for key, tensor in ours.state_dict().items():
            if key.endswith(("rel_pos_h", "rel_pos_w", "pos_embed")):
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=g))
    sam = segment_anything.sam_model_registry["vit_b"]()
    sam.load_state_dict(ours.state_dict(), strict=True)
    checkpoint = root / "sam_vit_b_01ec64.pth"
    torch.save(sam.state_dict(), checkpoint)
    patch = pytest.MonkeyPatch()
    patch.setenv(modelstore.ENV_DIR, str(root / "models"))
    modelstore.install("sam-vit-b", from_file=checkpoint, md5=hashlib.md5(checkpoint.read_bytes()).hexdigest())
    yield sam.eval(), checkpoint
    patch.undo()


@pytest.mark.slow
def test_encoder_on_onnx_runtime_matches_upstream_torch(vit_b):
    from eraser.runtimes.onnx import OnnxRunner

    sam, _ = vit_b
    image = torch.randn((1, 3, 1024, 1024), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = sam.image_encoder(image).numpy()
    got = OnnxRunner(modelstore.require("sam-vit-b").path("ImageEncoder.onnx")).run(
        {"image": image.numpy()})["imageEmbeddings"]
    assert got.shape == (1, 256, 64, 64)
    assert np.abs(got - expected).max() <= 1e-4 * max(1.0, np.abs(expected).max())


@pytest.mark.slow
def test_a_click_through_eraser_segment_is_sam_predictors_mask(vit_b, tmp_path, eraser_cli):
    sam, _ = vit_b
    photo = _photo()
    path = tmp_path / "photo.png"
    Image.fromarray(photo).save(path)
    point = (520, 300)
    code, _, err = eraser_cli("segment", path, "--point", f"{point[0]},{point[1]}", "--segmenter", "sam-vit-b",
                              "--dilate", "0", "--feather", "0", "-o", tmp_path / "mask.png")
    assert code == 0, err
    # eraser's hole is the seed's clamped logit >= 0.5 (refine.py); upstream at the same threshold
    ours = np.asarray(Image.open(tmp_path / "mask.png")) >= 128

    predictor = segment_anything_predictor(sam)
    predictor.set_image(photo)
    logits, scores, _ = predictor.predict(np.array([point], np.float32), np.array([1]), multimask_output=True,
                                          return_logits=True)
    theirs = logits[int(np.argmax(scores))] >= 0.5
    assert 0.005 < theirs.mean() < 0.995  # a real mask, not all or nothing
    iou = (ours & theirs).sum() / (ours | theirs).sum()
    assert iou >= 0.97


def segment_anything_predictor(sam):
    from segment_anything import SamPredictor

    return SamPredictor(sam)


@pytest.mark.slow
def test_seed_ios_decoder_matches_upstreams_onnx_model(vit_b, tmp_path):
    """The seed app's decoder (SamOnnxModel without mask input, 1024x1024)
    exported here, run on ONNX Runtime, against upstream's torch module."""
    from segment_anything.utils.onnx import SamOnnxModel

    from eraser.runtimes.onnx import OnnxRunner
    from eraser_mobilesam import seed_ios

    sam, checkpoint = vit_b
    (path,) = seed_ios.export_checkpoint(checkpoint, tmp_path, name="sam-vit-b")
    session = OnnxRunner(path)
    assert session.inputs == list(seed_ios.INPUTS) and session.outputs == list(seed_ios.OUTPUTS)
    reference = SamOnnxModel(sam, return_single_mask=False, return_extra_metrics=True).eval()
    g = torch.Generator().manual_seed(3)
    for n in (2, 4, 5):  # the app's 4 points, and other counts
        embeddings = torch.randn((1, 256, 64, 64), generator=g)
        coords = torch.rand((1, n, 2), generator=g) * 1024
        labels = torch.tensor([[1.0, 0.0, 1.0, -1.0, 1.0][:n]])
        with torch.no_grad():
            expected = reference(embeddings, coords, labels, torch.zeros((1, 1, 256, 256)), torch.tensor([0.0]),
                                 torch.tensor([1024.0, 1024.0]))
        got = session.run({"image_embeddings": embeddings.numpy(), "point_coords": coords.numpy(),
                           "point_labels": labels.numpy()})
        for name, want in zip(seed_ios.OUTPUTS, expected):
            want = want.numpy()
            assert got[name].shape == want.shape, name
            if name in ("areas", "stability_scores"):  # counts of pixels near the threshold
                assert np.abs(got[name].astype(np.float64) - want).max() <= 1e-3 * max(1.0, np.abs(want).max()), name
            else:
                assert np.abs(got[name] - want).max() <= 1e-4 * max(1.0, np.abs(want).max()), name


def test_seed_ios_decoder_is_refused_for_a_model_without_it(tmp_path, eraser_cli):
    checkpoint = tmp_path / "big-lama.pt"
    checkpoint.write_bytes(b"not used")
    code, _, err = eraser_cli("models", "convert", "lama", "-c", checkpoint, "-o", tmp_path / "out",
                              "--seed-ios-decoder")
    assert code == 2 and "has no seed-ios-decoder export" in err and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_vit_l_checkpoint_is_refused_by_sam_vit_b(segment_anything, tmp_path, eraser_cli):
    """The wrong size of SAM: one line naming what does not fit, nothing installed."""
    with torch.device("meta"):
        big = segment_anything.sam_model_registry["vit_l"]()
    # a real file of ViT-L's first blocks only would do, but a whole small state dict is quicker:
    state = {k: torch.zeros(v.shape) for k, v in big.state_dict().items() if not k.startswith("image_encoder.blocks.")
             or k.startswith("image_encoder.blocks.0.")}
    checkpoint = tmp_path / "sam_vit_l_0b3195.pth"
    torch.save(state, checkpoint)
    store = tmp_path / "store"
    code, _, err = eraser_cli("models", "install", "sam-vit-b", "--from", checkpoint, "--md5",
                              hashlib.md5(checkpoint.read_bytes()).hexdigest(), "--models-dir", store)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "does not fit" in err and "of another shape" in err
    assert not (store / "sam-vit-b").exists()


@pytest.mark.slow
def test_segment_everything_with_sam_vit_b(vit_b, tmp_path, eraser_cli):
    photo = tmp_path / "photo.png"
    Image.fromarray(_photo()).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "--segmenter", "sam-vit-b", "-o", tmp_path / "out",
                              "--points-per-side", "2", "--pred-iou-thresh", "0", "--stability-score-thresh", "0")
    assert code == 0, err
    assert (tmp_path / "out" / "masks.json").is_file() and (tmp_path / "out" / "overlay.png").is_file()


def test_segment_everything_needs_a_sam_model(tmp_path, eraser_cli):
    photo = tmp_path / "photo.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(photo)
    code, _, err = eraser_cli("segment", photo, "--auto", "--segmenter", "grabcut", "-o", tmp_path / "out")
    assert code == 2 and "needs a SAM model" in err and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_convert_with_the_seed_decoder_records_it_in_the_manifest(tmp_path, eraser_cli):
    """The CLI path of --seed-ios-decoder (on MobileSAM, the quickest member
    to convert: the decoder is the same for the whole family)."""
    import json

    checkpoint = tmp_path / "mobile_sam.pt"
    torch.save(randomize(build_sam("mobile-sam"), seed=2).state_dict(), checkpoint)
    code, _, err = eraser_cli("models", "convert", "mobile-sam", "-c", checkpoint, "-o", tmp_path / "out",
                              "--seed-ios-decoder")
    assert code == 0, err
    files = json.loads((tmp_path / "out" / "manifest.json").read_text())["files"]
    assert "mask_decoder.onnx" in files and "ImageEncoder.onnx" in files
