"""The SAM family's click decoder through the reassociated cross attentions
(eraser_mobilesam.click_attention) against the two-way transformer they
replace, with SAM's attention (heads kept in the channels, so the first
block's image queries come as (1, N, 128)), in float64 so that only the
mathematics is compared: one click, a box, and more tokens than where the
reassociation stops paying (T > 15). SAM 2.1's attention: eraser_sam2's tests."""

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def decoder():
    from eraser_mobilesam.mask_decoder import MaskDecoderModule

    torch.manual_seed(0)
    decoder = MaskDecoderModule().double().eval()
    for p in decoder.parameters():  # biases too, so that every folded term counts
        torch.nn.init.normal_(p, std=0.2)
    return decoder


@pytest.mark.parametrize("prompt_tokens", [2, 12])
def test_click_attention_is_sams_two_way_transformer(decoder, prompt_tokens):
    from eraser_mobilesam import click_attention

    g = torch.Generator().manual_seed(prompt_tokens)
    # 32x32 image tokens, not a photo's 64x64: the reassociation holds for any
    # number of them, at a quarter of the float64 products
    keys, pe = (torch.randn((1, 1024, 256), generator=g, dtype=torch.float64) for _ in range(2))
    tokens = torch.cat([decoder.output_tokens().unsqueeze(0),
                        torch.randn((1, prompt_tokens, 256), generator=g, dtype=torch.float64)], dim=1)
    with torch.no_grad():
        projected = decoder.transformer.layers[0].image_projections(keys, pe)
        assert projected[2].shape == (1, 1024, 128)  # SAM's layout: the heads in the channels
        want = decoder.transformer.attend(keys, pe, tokens, projected)
        got = click_attention.attend(decoder.transformer, keys, pe, tokens, projected)
    for w, g_ in zip(want, got):
        assert w.shape == g_.shape
        assert torch.allclose(w, g_, rtol=0, atol=1e-10), float((w - g_).abs().max())
