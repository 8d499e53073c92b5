"""The SAM family's click decoder through the reassociated cross attentions
(eraser_mobilesam.click_attention) against the two-way transformer they
replace, for SAM's decoder (heads kept in the channels, so the first block's
image queries come as (1, N, 128)) and SAM 2.1's, in float64 so that only
the mathematics is compared: one click, a box, and more tokens than where
the reassociation stops paying (T > 15)."""

import importlib

import pytest

torch = pytest.importorskip("torch")

DECODERS = {  # family: (module, class)
    "sam": ("eraser_mobilesam.mask_decoder", "MaskDecoderModule"),
    "sam2.1": ("eraser_sam2.heads", "MaskDecoder"),
}


@pytest.fixture(scope="module", params=sorted(DECODERS))
def decoder(request):
    module, name = DECODERS[request.param]
    torch.manual_seed(0)
    decoder = getattr(importlib.import_module(module), name)().double().eval()
    for p in decoder.parameters():  # biases too, so that every folded term counts
        torch.nn.init.normal_(p, std=0.2)
    decoder.family = request.param
    return decoder


@pytest.mark.parametrize("prompt_tokens", [2, 12])
def test_click_attention_is_the_two_way_transformer(decoder, prompt_tokens):
    from eraser_mobilesam import click_attention

    g = torch.Generator().manual_seed(prompt_tokens)
    # 32x32 image tokens, not a photo's 64x64: the reassociation holds for any
    # number of them, at a quarter of the float64 products
    keys, pe = (torch.randn((1, 1024, 256), generator=g, dtype=torch.float64) for _ in range(2))
    tokens = torch.cat([decoder.output_tokens().unsqueeze(0),
                        torch.randn((1, prompt_tokens, 256), generator=g, dtype=torch.float64)], dim=1)
    with torch.no_grad():
        projected = decoder.transformer.layers[0].image_projections(keys, pe)
        if decoder.family == "sam":
            assert projected[2].shape == (1, 1024, 128)  # SAM's layout: the heads in the channels
        want = decoder.transformer.attend(keys, pe, tokens, projected)
        got = click_attention.attend(decoder.transformer, keys, pe, tokens, projected)
    for w, g_ in zip(want, got):
        assert w.shape == g_.shape
        assert torch.allclose(w, g_, rtol=0, atol=1e-10), float((w - g_).abs().max())
