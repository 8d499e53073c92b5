"""MobileSAM (vit_t) model definition and its ONNX / Core ML exporters.

Random weights stand in for ``mobile_sam.pt`` (which cannot be downloaded
here): every parameter and buffer is randomised so every path matters, the
state dict goes through ``torch.save`` and :func:`load_checkpoint`, and the
converted models are compared with torch.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

torch = pytest.importorskip("torch", reason="torch is needed to build and convert MobileSAM (pip install eraser[convert])")

ROOT = Path(__file__).resolve().parents[3]  # the repository

from eraser.errors import EraserError  # noqa: E402
from eraser.testing.coreml import check_coreml_package  # noqa: E402
from eraser_mobilesam import convert  # noqa: E402
from eraser_mobilesam import model as ms  # noqa: E402

UPSTREAM_KEYS = Path(__file__).resolve().parent / "data" / "mobilesam_vit_t_state_dict.json"

# (points, labels) in the 1024 frame as the converted PromptEncoder takes
# them, and the same prompt the upstream way (points, labels, box).
PROMPTS = {
    "points": dict(
        coords=[[300.0, 420.5], [610.0, 100.0], [77.0, 900.0]], labels=[1, 0, 1], box=None
    ),
    "box": dict(coords=None, labels=None, box=[120.0, 200.0, 700.5, 810.0]),
    "points+box": dict(coords=[[400.0, 500.0], [650.0, 300.0]], labels=[1, 0], box=[100.0, 150.0, 900.0, 1000.0]),
    "padding labels": dict(
        coords=[[512.0, 512.0], [0.0, 0.0], [20.0, 1000.0], [0.0, 0.0]], labels=[1, -1, 0, -1], box=None
    ),
}


def converted_prompt(coords, labels, box):
    """Points and labels for the conversion wrappers: box corners get labels
    2 and 3; without a box, a padding point (0, 0) labelled -1 is appended."""
    pts, labs = list(coords or []), list(labels or [])
    if box is None:
        pts.append([0.0, 0.0])
        labs.append(-1)
    else:
        pts += [box[:2], box[2:]]
        labs += [2, 3]
    return torch.tensor([pts], dtype=torch.float32), torch.tensor([labs], dtype=torch.float32)


# Kept importable from here: the plugin's other tests and tests/ take it by this name.
from eraser.testing.random_weights import randomize  # noqa: E402,F401


@pytest.fixture(scope="module")
def state_path(tmp_path_factory):
    torch.manual_seed(0)
    model = randomize(ms.build_mobile_sam())
    path = tmp_path_factory.mktemp("mobilesam") / "mobile_sam.pt"
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def model(state_path):
    return ms.load_checkpoint(state_path)


@pytest.fixture(scope="module")
def image():
    """A fixed random 'normalised and padded' image."""
    return torch.randn((1, 3, 1024, 1024), generator=torch.Generator().manual_seed(1))


@pytest.fixture(scope="module")
def embeddings(model, image):
    with torch.no_grad():
        return ms.ImageEncoder(model)(image)


def max_abs(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


# ----------------------------------------------------------- state dict, loading


def test_state_dict_matches_upstream_keys_and_shapes():
    expected = json.loads(UPSTREAM_KEYS.read_text())
    model = ms.build_mobile_sam()
    got = {
        k: {"shape": list(v.shape), "dtype": str(v.dtype).removeprefix("torch.")} for k, v in model.state_dict().items()
    }
    assert sorted(set(got) ^ set(expected["state_dict"])) == []
    assert got == expected["state_dict"]
    count = sum(p.numel() for p in model.parameters())
    assert count == expected["num_parameters"] == 10_130_092  # "about 10.1 M"
    assert sum(p.numel() for p in model.image_encoder.parameters()) == 6_065_532  # incl. unused 1000-class head
    assert sum(p.numel() for p in model.mask_decoder.parameters()) == 4_058_340


def test_load_checkpoint_roundtrip(state_path, model):
    saved = torch.load(state_path, weights_only=True)
    loaded = model.state_dict()
    assert saved.keys() == loaded.keys()
    assert all(torch.equal(saved[k], loaded[k]) for k in saved)
    assert not model.training


def test_load_checkpoint_errors(state_path, tmp_path):
    with pytest.raises(EraserError, match="not found"):
        ms.load_checkpoint(tmp_path / "nope.pt")

    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(state_path.read_bytes()[:5000])
    with pytest.raises(EraserError, match="cannot read checkpoint .*truncated zip"):
        ms.load_checkpoint(corrupt)

    not_state = tmp_path / "list.pt"
    torch.save([1, 2, 3], not_state)
    with pytest.raises(EraserError, match="not a SAM or MobileSAM checkpoint"):
        ms.load_checkpoint(not_state)

    state = torch.load(state_path, weights_only=True)
    del state["mask_decoder.iou_token.weight"]
    state["extra.weight"] = torch.zeros(3)
    state["prompt_encoder.no_mask_embed.weight"] = torch.zeros(1, 128)
    bad = tmp_path / "bad.pt"
    torch.save(state, bad)
    with pytest.raises(EraserError) as err:
        ms.load_checkpoint(bad)
    message = str(err.value)
    assert "1 missing keys (mask_decoder.iou_token.weight)" in message
    assert "1 unexpected keys (extra.weight)" in message
    assert "prompt_encoder.no_mask_embed.weight (1, 128) != (1, 256)" in message
    assert "\n" not in message


# ------------------------------------------------ conversion-friendly rewrites


@pytest.mark.parametrize("prompt", PROMPTS.values(), ids=PROMPTS.keys())
def test_wrappers_equal_reference(model, embeddings, prompt):
    """PromptEncoder + MaskDecoder wrappers vs the upstream computation
    (boolean indexing, automatic padding point, repeat_interleave, multimask)."""
    coords = None if prompt["coords"] is None else torch.tensor([prompt["coords"]])
    labels = None if prompt["labels"] is None else torch.tensor([prompt["labels"]], dtype=torch.float32)
    box = None if prompt["box"] is None else torch.tensor([prompt["box"]])
    points, point_labels = converted_prompt(prompt["coords"], prompt["labels"], prompt["box"])
    with torch.no_grad():
        ref_sparse, ref_dense = model.prompt_encoder(
            points=None if coords is None else (coords, labels), boxes=box, masks=None
        )
        sparse, dense = ms.PromptEncoder(model)(points, point_labels)
        pe = ms.image_positional_encoding(model)
        masks, iou = ms.MaskDecoder(model)(embeddings, pe, sparse, dense)
        ref_multi, ref_multi_iou = model.predict_reference(embeddings, coords, labels, box, multimask_output=True)
        ref_single, ref_single_iou = model.predict_reference(embeddings, coords, labels, box, multimask_output=False)

    # Bitwise equal for most prompts; where the positional-encoding matmul runs
    # on differently sized operands (points+box) the last bits differ, and
    # the logits (|x| < 5 with these weights) move by ~3e-6.
    tight = dict(rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(sparse, ref_sparse, **tight)
    torch.testing.assert_close(dense, ref_dense, **tight)
    assert masks.shape == (1, 4, 256, 256) and iou.shape == (1, 4)
    torch.testing.assert_close(masks[:, 1:], ref_multi, **tight)
    torch.testing.assert_close(iou[:, 1:], ref_multi_iou, **tight)
    torch.testing.assert_close(masks[:, :1], ref_single, **tight)
    torch.testing.assert_close(iou[:, :1], ref_single_iou, **tight)
    assert masks.abs().max() > 0.1  # not a degenerate all-zero model


def plain_window_attention(block, x):
    """TinyViTBlock's windowed attention written the straightforward way:
    (B, H, W, C) padded, 6-D window partition, attention, reverse, crop."""
    h, w = block.input_resolution
    ws = block.window_size
    b, length, c = x.shape
    x = x.view(b, h, w, c)
    pad_b, pad_r = (ws - h % ws) % ws, (ws - w % ws) % ws
    x = torch.nn.functional.pad(x, (0, 0, 0, pad_r, 0, pad_b))
    ph, pw = h + pad_b, w + pad_r
    nh, nw = ph // ws, pw // ws
    x = x.view(b, nh, ws, nw, ws, c).transpose(2, 3).reshape(b * nh * nw, ws * ws, c)
    x = block.attn(x)
    x = x.view(b, nh, nw, ws, ws, c).transpose(2, 3).reshape(b, ph, pw, c)
    return x[:, :h, :w].reshape(b, length, c)


@pytest.mark.parametrize("stage", [1, 2, 3])
def test_rank5_window_partition_equals_plain(model, stage):
    block = model.image_encoder.layers[stage].blocks[0]
    h, w = block.input_resolution
    x = torch.randn((2, h * w, block.dim), generator=torch.Generator().manual_seed(stage))
    with torch.no_grad():
        torch.testing.assert_close(block._attend(x), plain_window_attention(block, x), rtol=1e-6, atol=1e-6)


def test_sliced_heads_equal_plain_multihead(model):
    attn = model.mask_decoder.transformer.layers[1].cross_attn_token_to_image
    g = torch.Generator().manual_seed(3)
    q, k = torch.randn((2, 7, 256), generator=g), torch.randn((2, 300, 256), generator=g)
    with torch.no_grad():
        got = attn(q, k, k)
        heads = attn.num_heads

        def split(x):
            b, n, c = x.shape
            return x.reshape(b, n, heads, c // heads).transpose(1, 2)

        qh, kh, vh = split(attn.q_proj(q)), split(attn.k_proj(k)), split(attn.v_proj(k))
        a = torch.softmax(qh @ kh.permute(0, 1, 3, 2) / math.sqrt(qh.shape[-1]), dim=-1)
        out = (a @ vh).transpose(1, 2).reshape(2, 7, -1)
        torch.testing.assert_close(got, attn.out_proj(out), rtol=1e-5, atol=1e-6)


# -------------------------------------------------------------------- exporters


def test_convert_module_imports_without_torch():
    code = "import sys, eraser_mobilesam.convert; assert 'torch' not in sys.modules and 'coremltools' not in sys.modules"
    env_path = str(ROOT / "plugins")
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.append({env_path!r}); {code}"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_onnx_matches_torch(model, image, embeddings, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    paths = convert.export_onnx(model, tmp_path)
    assert [p.name for p in paths] == [
        "ImageEncoder.onnx",
        "PromptEncoder.onnx",
        "MaskDecoder.onnx",
        "MaskDecoderImage.onnx",
        "MaskDecoderPrompt.onnx",
        "imagePositionalEncoding.npy",
    ]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2

    def session(stem):
        s = ort.InferenceSession(str(tmp_path / f"{stem}.onnx"), options, providers=["CPUExecutionProvider"])
        inputs, outputs = convert.INTERFACES[stem]
        assert tuple(i.name for i in s.get_inputs()) == inputs
        assert tuple(o.name for o in s.get_outputs()) == outputs
        assert all(i.type == "tensor(float)" for i in s.get_inputs())
        return s

    pe = np.load(tmp_path / "imagePositionalEncoding.npy")
    assert pe.dtype == np.float32 and pe.shape == (1, 256, 64, 64)
    # computed with numpy (torch-free installs): within an ulp of torch's
    np.testing.assert_allclose(pe, ms.image_positional_encoding(model).numpy(), rtol=0, atol=2e-7)

    # image encoder: |diff| <= 1e-4 on embeddings of magnitude ~1..10 (LayerNorm output)
    (onnx_embeddings,) = session("ImageEncoder").run(None, {"image": image.numpy()})
    assert onnx_embeddings.shape == (1, 256, 64, 64)
    assert max_abs(onnx_embeddings, embeddings) <= 1e-4

    prompt_encoder, mask_decoder = session("PromptEncoder"), session("MaskDecoder")
    image_side = dict(zip(convert.INTERFACES["MaskDecoderImage"][1], session("MaskDecoderImage").run(
        None, {"imageEmbeddings": embeddings.numpy(), "imagePositionalEncoding": pe})))
    prompt_side = session("MaskDecoderPrompt")
    positional_tokens = np.ascontiguousarray(pe.reshape(1, 256, -1).transpose(0, 2, 1))
    decoder = ms.MaskDecoder(model)
    # N = 2 (box), 4 (points + padding), 7 (points + box): traced with N = 3
    for prompt in (PROMPTS["box"], PROMPTS["points"], {**PROMPTS["padding labels"], "box": [5.0, 6.0, 70.0, 80.0]}):
        points, labels = converted_prompt(prompt["coords"], prompt["labels"], prompt["box"])
        sparse, dense = prompt_encoder.run(None, {"points": points.numpy(), "labels": labels.numpy()})
        with torch.no_grad():
            ref_sparse, ref_dense = ms.PromptEncoder(model)(points, labels)
            ref_masks, ref_iou = decoder(embeddings, torch.from_numpy(pe), ref_sparse, ref_dense)
        assert sparse.shape == (1, points.shape[1], 256)
        assert max_abs(sparse, ref_sparse) <= 1e-4  # sin/cos of arguments up to ~50 rad
        assert max_abs(dense, ref_dense) == 0.0
        masks, iou = mask_decoder.run(
            None,
            {
                "imageEmbeddings": embeddings.numpy(),
                "imagePositionalEncoding": pe,
                "sparsePromptEmbeddings": ref_sparse.numpy(),
                "densePromptEmbeddings": ref_dense.numpy(),
            },
        )
        assert masks.shape == (1, 4, 256, 256) and iou.shape == (1, 4)
        # masks: |diff| <= 1e-4 + 1e-5 * |logit| (random-weight logits reach ~10-100)
        assert np.all(np.abs(masks - ref_masks.numpy()) <= 1e-4 + 1e-5 * np.abs(ref_masks.numpy()))
        assert max_abs(iou, ref_iou) <= 1e-4
        # the click's split decoder: the same masks from MaskDecoderImage's outputs (once per photo)
        split_masks, split_iou = prompt_side.run(None, {**image_side, "positionalTokens": positional_tokens,
                                                        "sparsePromptEmbeddings": ref_sparse.numpy()})
        assert np.all(np.abs(split_masks - ref_masks.numpy()) <= 1e-4 + 1e-5 * np.abs(ref_masks.numpy()))
        assert max_abs(split_iou, ref_iou) <= 1e-4
        assert max_abs(split_masks, masks) <= 1e-5 * max(1.0, float(np.abs(masks).max()))


def test_coreml_specs(model, tmp_path):
    ct = pytest.importorskip("coremltools")
    paths = convert.export_coreml(model, tmp_path)
    assert [p.name for p in paths] == [
        "ImageEncoder.mlpackage",
        "PromptEncoder.mlpackage",
        "MaskDecoder.mlpackage",
        "imagePositionalEncoding.npy",
    ]
    grid = [1, 256, 64, 64]
    n = (1, 100)
    expected = {
        "ImageEncoder": ({"image": [1, 3, 1024, 1024]}, {"imageEmbeddings": grid}),
        "PromptEncoder": (
            {"points": [1, n, 2], "labels": [1, n]},
            {"sparsePromptEmbeddings": None, "densePromptEmbeddings": grid},
        ),
        "MaskDecoder": (
            {
                "imageEmbeddings": grid,
                "imagePositionalEncoding": grid,
                "sparsePromptEmbeddings": [1, n, 256],
                "densePromptEmbeddings": grid,
            },
            {"masks": [1, 4, 256, 256], "iouPredictions": [1, 4]},
        ),
    }
    for stem, (inputs, outputs) in expected.items():
        spec = check_coreml_package(tmp_path / f"{stem}.mlpackage", inputs, outputs)
        # float32 compute precision: no fp16 tensor anywhere in the program
        for block in spec.mlProgram.functions["main"].block_specializations.values():
            for op in block.operations:
                assert op.type != "cast", f"{stem}: {op.type}"
                for out in op.outputs:
                    assert out.type.tensorType.dataType != ct.proto.MIL_pb2.DataType.FLOAT16, f"{stem}: {op.type}"


# ------------------------------------------------------------- upstream parity


def _upstream():
    try:
        from mobile_sam import sam_model_registry
    except Exception as exc:  # ImportError, or timm/torchvision built for another torch
        pytest.skip(
            "upstream MobileSAM (pip package mobilesam-mirror, with timm and torchvision "
            f"matching this torch) is not importable: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        )
    return sam_model_registry["vit_t"]()


def test_matches_upstream_mobilesam(state_path, model, image, embeddings):
    """The same state dict in upstream MobileSAM gives the same outputs."""
    upstream = _upstream()
    upstream.load_state_dict(torch.load(state_path, weights_only=True), strict=True)
    upstream.eval()
    with torch.no_grad():
        up_embeddings = upstream.image_encoder(image)
        assert max_abs(up_embeddings, embeddings) <= 1e-4
        up_pe = upstream.prompt_encoder.get_dense_pe()
        assert max_abs(up_pe, ms.image_positional_encoding(model)) <= 1e-5

        mask_input = torch.randn((1, 1, 256, 256), generator=torch.Generator().manual_seed(5))
        torch.testing.assert_close(
            model.prompt_encoder(masks=mask_input)[1], upstream.prompt_encoder(None, None, mask_input)[1]
        )

        for prompt in PROMPTS.values():
            coords = None if prompt["coords"] is None else torch.tensor([prompt["coords"]])
            labels = None if prompt["labels"] is None else torch.tensor([prompt["labels"]], dtype=torch.float32)
            box = None if prompt["box"] is None else torch.tensor([prompt["box"]])
            up_sparse, up_dense = upstream.prompt_encoder(
                points=None if coords is None else (coords, labels), boxes=box, masks=None
            )
            points, point_labels = converted_prompt(prompt["coords"], prompt["labels"], prompt["box"])
            sparse, dense = ms.PromptEncoder(model)(points, point_labels)
            assert max_abs(sparse, up_sparse) <= 1e-5
            assert max_abs(dense, up_dense) == 0.0
            masks, iou = ms.MaskDecoder(model)(embeddings, ms.image_positional_encoding(model), sparse, dense)
            for multimask, sl in ((True, slice(1, None)), (False, slice(0, 1))):
                up_masks, up_iou = upstream.mask_decoder(
                    image_embeddings=embeddings,
                    image_pe=up_pe,
                    sparse_prompt_embeddings=up_sparse,
                    dense_prompt_embeddings=up_dense,
                    multimask_output=multimask,
                )
                assert np.all((masks[:, sl] - up_masks).abs().numpy() <= 1e-4 + 1e-5 * np.abs(up_masks.numpy()))
                assert max_abs(iou[:, sl], up_iou) <= 1e-4
