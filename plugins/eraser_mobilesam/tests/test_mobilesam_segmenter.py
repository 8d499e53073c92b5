"""The mobile-sam segmenter end to end with a random-weight checkpoint: the
real install path (checkpoint -> ONNX + CoreML in the model store), the seed's
pre/post-processing against SAM's torch reference, the embedding cache, and
`eraser remove --segmenter mobile-sam` on a sample."""

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="converting MobileSAM needs torch (pip install 'eraser[convert]')")
pytest.importorskip("coremltools")
pytest.importorskip("onnx")

import torch.nn.functional as F  # noqa: E402

from eraser import modelstore, registry  # noqa: E402
from eraser.prompts import Prompt  # noqa: E402
from eraser_mobilesam import model as ms  # noqa: E402
from eraser.fallback import frozen  # noqa: E402
from eraser_mobilesam.cache import EmbeddingCache, frozen_owner, image_key  # noqa: E402
from eraser_mobilesam.installed import encoder_identity  # noqa: E402
from eraser_mobilesam.segmenter import (  # noqa: E402
    PIXEL_MEAN,
    PIXEL_STD,
    MobileSamSegmenter,
    pick_mask,
    preprocess,
    prompt_arrays,
    resized_shape,
    upsample,
)
from test_mobilesam_model import randomize  # noqa: E402

SPOON = Path(__file__).resolve().parents[3] / "samples" / "coffee_spoon"


@pytest.fixture(scope="module")
def installed(mobile_sam_store):
    """A random-weight mobile_sam.pt installed through `eraser models install --from`
    (the run's shared store)."""
    store, model = mobile_sam_store
    patch = pytest.MonkeyPatch()
    patch.setenv(modelstore.ENV_DIR, str(store))
    yield model
    patch.undo()


@pytest.fixture(scope="module")
def photo():
    return np.asarray(Image.open(SPOON / "photo.jpg").convert("RGB"))


def test_install_writes_the_seed_files_and_enables_the_plugin(installed):
    model = modelstore.require("mobile-sam")
    names = {rel.split("/")[0] for rel in model.files}
    assert names == {
        "ImageEncoder.onnx", "PromptEncoder.onnx", "MaskDecoder.onnx", "imagePositionalEncoding.npy",
        "MaskDecoderImage.onnx", "MaskDecoderPrompt.onnx", "ImageEncoder.mlpackage", "PromptEncoder.mlpackage", "MaskDecoder.mlpackage",
    }
    assert model.info["versions"]["coremltools"] and model.info["checkpoint"]["file"] == "mobile_sam.pt"
    assert model.problems(full=True) == []
    spec = registry.choose("segmenter", "auto", Prompt(points=((1.0, 1.0),), labels=(1,)))
    assert spec.name == "mobile-sam"


def test_preprocessing_matches_sams_torch_resize(photo):
    """Pillow's bilinear resize against torch's antialiased one (SamPredictor)."""
    for image in (photo, np.asarray(Image.fromarray(photo).resize((3000, 2000)))):
        height, width = image.shape[:2]
        new_h, new_w = resized_shape(height, width)
        t = torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float()
        t = F.interpolate(t, (new_h, new_w), mode="bilinear", align_corners=False, antialias=True)
        t = (t - torch.tensor(PIXEL_MEAN).view(1, 3, 1, 1)) / torch.tensor(PIXEL_STD).view(1, 3, 1, 1)
        reference = F.pad(t, (0, 1024 - new_w, 0, 1024 - new_h)).numpy()
        diff = np.abs(preprocess(image) - reference)
        # normalised units: 0.03 is under two grey levels
        assert diff.max() < 0.03 and diff.mean() < 0.005


def test_upsampling_matches_sams_postprocess():
    rng = np.random.default_rng(0)
    low = rng.normal(-3, 1, (256, 256)).astype(np.float32)
    low[60:120, 80:200] += 6
    for height, width in ((400, 600), (600, 401), (3000, 4000)):
        new_h, new_w = resized_shape(height, width)
        t = F.interpolate(torch.from_numpy(low)[None, None], (1024, 1024), mode="bilinear", align_corners=False)
        t = F.interpolate(t[..., :new_h, :new_w], (height, width), mode="bilinear", align_corners=False)
        reference = t.clamp(0, 1)[0, 0].numpy()
        ours = upsample(low, height, width)
        # one bilinear step (the seed) against SAM's two: equal but at steep edges
        assert np.abs(ours - reference).mean() < 1e-3
        assert ((ours >= 0.5) != (reference >= 0.5)).mean() < 1e-3


def test_pick_mask_follows_sam():
    masks = np.arange(4, dtype=np.float32)[None, :, None, None] * np.ones((1, 4, 2, 2), np.float32)
    iou = np.array([[0.9, 0.1, 0.8, 0.3]], np.float32)
    one_click = Prompt(points=((1.0, 1.0),), labels=(1,))
    assert pick_mask(masks, iou, one_click)[0, 0] == 2  # best multimask output
    two_clicks = Prompt(points=((1.0, 1.0), (2.0, 2.0)), labels=(1, 0))
    assert pick_mask(masks, iou, two_clicks)[0, 0] == 0  # the single-mask output
    assert pick_mask(masks, iou, Prompt(box=(0, 0, 2, 2)))[0, 0] == 0


@pytest.mark.parametrize(
    "prompt",
    [
        Prompt(points=((365.0, 285.0),), labels=(1,)),
        Prompt(points=((350.0, 300.0), (414.0, 85.0), (330.0, 200.0)), labels=(1, 1, 0)),
        Prompt(points=((330.0, 200.0),), labels=(0,), box=(323, 61, 429, 330)),
    ],
    ids=["click", "clicks+exclude", "box+exclude"],
)
def test_onnx_path_matches_torch_reference(installed, photo, prompt):
    """Segmenter plumbing (prompt mapping, padding point, box labels, the three
    ONNX graphs) against SamPredictor-style torch calls on the same input."""
    segmenter = MobileSamSegmenter(modelstore.require("mobile-sam"), runtime="onnx", cache=EmbeddingCache())
    masks, iou = segmenter.logits(photo, prompt)
    points, labels = prompt_arrays(prompt, *photo.shape[:2])
    with torch.no_grad():
        embeddings = installed.image_encoder(torch.from_numpy(preprocess(photo)))
        n = len(prompt.points)
        coords = torch.from_numpy(points[:, :n]) if n else None
        point_labels = torch.from_numpy(labels[:, :n]) if n else None
        box = torch.from_numpy(points[:, n:].reshape(1, 4)) if prompt.box is not None else None
        single = installed.predict_reference(embeddings, coords, point_labels, box, multimask_output=False)
        multi = installed.predict_reference(embeddings, coords, point_labels, box, multimask_output=True)
    reference = np.concatenate([single[0].numpy(), multi[0].numpy()], axis=1)
    reference_iou = np.concatenate([single[1].numpy(), multi[1].numpy()], axis=1)
    # |diff| <= 1e-4 + 1e-5 * |logit|, as in the model's own ONNX parity test
    assert np.all(np.abs(masks - reference) <= 1e-4 + 1e-5 * np.abs(reference))
    assert np.abs(iou - reference_iou).max() <= 1e-4


def test_second_click_skips_the_encoder_and_disk_cache_is_bounded(installed, photo, tmp_path):
    model = modelstore.require("mobile-sam")
    cache_dir = tmp_path / "cache"
    segmenter = MobileSamSegmenter(model, runtime="onnx", cache=EmbeddingCache(folder=cache_dir))
    calls = []
    run = segmenter.encoder.run
    segmenter.encoder.run = lambda inputs: calls.append(1) or run(inputs)
    first = segmenter.segment(photo, Prompt(points=((365.0, 285.0),), labels=(1,)))
    second = segmenter.segment(photo, Prompt(box=(323, 61, 429, 330)))
    assert len(calls) == 1 and first.shape == second.shape == photo.shape[:2]
    # keyed by the model, the weights of the encoder and of the decoder's image part, and the photo
    assert segmenter.split and segmenter.cache_prefix.startswith(encoder_identity(model))
    assert model.files["MaskDecoderImage.onnx"]["sha256"][:8] in segmenter.cache_prefix
    assert (cache_dir / f"{segmenter.cache_prefix}-{image_key(photo)}.npy").exists()
    # A photo one pixel apart, read-only as a Session's (its key remembered), is encoded anew
    edited = photo.copy()
    edited[100, 100, 0] ^= 1
    edited = frozen(edited)
    for _ in range(2):
        segmenter.segment(edited, Prompt(points=((365.0, 285.0),), labels=(1,)))
    assert len(calls) == 2 and frozen_owner(photo) is not None
    np.testing.assert_array_equal(segmenter.segment(photo, Prompt(points=((365.0, 285.0),), labels=(1,))), first)
    assert len(calls) == 2
    # A new process (a new segmenter) finds the embeddings on disk.
    again = MobileSamSegmenter(model, runtime="onnx", cache=EmbeddingCache(folder=cache_dir))
    again.encoder.run = lambda inputs: pytest.fail("the encoder ran despite the disk cache")
    np.testing.assert_array_equal(again.segment(photo, Prompt(points=((365.0, 285.0),), labels=(1,))), first)
    # Another member of the family (same embedding shape, same folder) never
    # takes this model's embeddings.
    other = MobileSamSegmenter(dataclasses.replace(model, name="sam-vit-b"), runtime="onnx",
                               cache=EmbeddingCache(folder=cache_dir))
    other_calls = []
    run_other = other.encoder.run
    other.encoder.run = lambda inputs: other_calls.append(1) or run_other(inputs)
    other.segment(photo, Prompt(points=((365.0, 285.0),), labels=(1,)))
    assert other_calls == [1]
    # A bound of one entry keeps only the newest file.
    small = EmbeddingCache(entries=1, folder=cache_dir, max_bytes=5 << 20)
    small.put("other", np.zeros((1, 256, 64, 64), np.float32))
    assert [p.stem for p in cache_dir.glob("*.npy")] == ["other"]


def test_an_install_without_the_split_decoder_still_segments(installed, photo):
    """A model installed before MaskDecoderImage/MaskDecoderPrompt existed runs
    the one-graph MaskDecoder, says how to get the faster clicks, and gives
    the split decoder's masks (the two differ by float rounding only)."""
    model = modelstore.require("mobile-sam")
    old = dataclasses.replace(model, files={k: v for k, v in model.files.items() if not k.startswith("MaskDecoder")
                                            or k.startswith("MaskDecoder.")})
    with pytest.warns(UserWarning, match="eraser models install mobile-sam --force"):
        before = MobileSamSegmenter(old, runtime="onnx", cache=EmbeddingCache())
    split = MobileSamSegmenter(model, runtime="onnx", cache=EmbeddingCache())
    assert not before.split and split.split and before.cache_prefix != split.cache_prefix
    for prompt in (Prompt(points=((365.0, 285.0),), labels=(1,)), Prompt(points=((330.0, 200.0),), labels=(0,),
                                                                        box=(323, 61, 429, 330))):
        (a, a_iou), (b, b_iou) = before.logits(photo, prompt), split.logits(photo, prompt)
        assert np.abs(a - b).max() <= 1e-5 * max(1.0, float(np.abs(a).max()))
        assert np.abs(a_iou - b_iou).max() <= 1e-5
        assert ((a > 0) != (b > 0)).sum() <= 10  # of 262144 low-res logits


def test_remove_with_mobile_sam_keeps_pixels_outside_the_mask(installed, eraser_cli, tmp_path):
    out, mask = tmp_path / "out.png", tmp_path / "mask.png"
    code, _, err = eraser_cli(
        "remove", SPOON / "photo.jpg", "--point", "365,285", "-i", "telea", "-o", out, "--save-mask", mask
    )
    assert code == 0, err
    assert "with mobile-sam and telea" in err and "note:" not in err  # no fallback once installed
    original = np.asarray(Image.open(SPOON / "photo.jpg").convert("RGB"))
    result = np.asarray(Image.open(out))
    removal = np.asarray(Image.open(mask))
    assert removal.max() == 255
    assert np.array_equal(result[removal == 0], original[removal == 0])
    code, out_text, _ = eraser_cli("models", "list", "--json")
    rows = {row["name"]: row for row in json.loads(out_text)}
    assert rows["mobile-sam"]["installed"] is True


def test_the_registered_segmenter_follows_the_store(installed, photo, tmp_path, monkeypatch):
    """eraser keeps one backend object per process; the model under it may
    change (another $ERASER_MODELS_DIR, a reinstall while `eraser serve`
    runs), and the next click uses the model installed now."""
    prompt = Prompt(points=((365.0, 285.0),), labels=(1,))
    backend = registry.build(registry.choose("segmenter", "mobile-sam"))
    first = backend.segment(photo, prompt)
    other = randomize(ms.build_mobile_sam(), seed=9)
    checkpoint = tmp_path / "mobile_sam.pt"
    torch.save(other.state_dict(), checkpoint)
    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path / "other-store"))
    modelstore.install("mobile-sam", from_file=checkpoint, md5=hashlib.md5(checkpoint.read_bytes()).hexdigest())
    assert registry.build(registry.choose("segmenter", "mobile-sam")) is backend  # the same object...
    second = backend.segment(photo, prompt)
    direct = MobileSamSegmenter(modelstore.require("mobile-sam"), runtime="onnx", cache=EmbeddingCache())
    np.testing.assert_array_equal(second, direct.segment(photo, prompt))  # ...answering with the new model
    assert not np.array_equal(first, second)
