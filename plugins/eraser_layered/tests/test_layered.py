"""The ``layered`` inpainter: structure through the hole, texture on top, no pasted objects.

Each test constructs a case whose answer is known and fails for a plausible
wrong fill (a smear, a copy, a seam, a changed pixel outside the hole).
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from eraser import pipeline, registry
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
from eraser.refine import refine
from eraser_layered.inpainter import LayeredInpainter

pytest.importorskip("skimage")  # the quality metrics' SSIM
from bench import quality_metrics as qm  # noqa: E402  (the repository root is on sys.path: conftest.py)
from bench import quality_scenes  # noqa: E402


def _noise(shape, seed, sigma=1.0, amp=20.0):
    rng = np.random.default_rng(seed)
    n = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), sigma)
    return amp * n / n.std()


@cache
def _gravel_fill(surface, crowded=False, inpainter="layered"):
    """A gravel scene of bench/quality_scenes, its refined selection and
    ``inpainter``'s fill at the default feather: computed once per module,
    since several tests judge the same fill (each layered fill takes about a
    second). Handed out read-only: no test changes what the others judge."""
    scene = quality_scenes.make_scene(surface, "gravel", crowded)
    refined = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(scene["image"], refined, inpainter=inpainter).image
    for array in (scene["image"], refined.hole, out):
        array.flags.writeable = False
    return scene, refined, out


def _disk(h, w, cy, cx, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def test_an_edge_runs_through_the_hole():
    """Structure: a dark/bright boundary crossing the hole stays where it was
    (a patch fill or a wrong solver would move or blur it away)."""
    h, w = 160, 200
    image = np.where(np.arange(w)[None, :, None] < 100, 50.0, 200.0) + _noise((h, w), 1, amp=4)[..., None]
    image = np.clip(np.broadcast_to(image, (h, w, 3)), 0, 255).astype(np.uint8)
    hole = _disk(h, w, 80, 100, 40)
    out = LayeredInpainter().inpaint(image, hole)
    left = out[60:100, 70:90].mean()
    right = out[60:100, 110:130].mean()
    assert left < 80 and right > 170, (left, right)


def test_texture_is_kept_not_smeared():
    """Texture: on fine noise the fill keeps a good part of the original's
    high-frequency energy, where Telea's keeps a small fraction. Measured
    0.48 (Telea about 0.05): the patch fill copies grain where neighbouring
    patches agree and averages votes where they do not. The random-phase
    grain of the previous release measured 1.04 and looked like worms on the
    helmet; the trade is recorded in bench/README.md."""
    h, w = 160, 200
    image = np.clip(120 + _noise((h, w), 2, sigma=0.8, amp=18)[..., None] + np.zeros(3), 0, 255).astype(np.uint8)
    hole = _disk(h, w, 80, 100, 35)
    out = LayeredInpainter().inpaint(image, hole)
    telea = cv2.inpaint(image, hole.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    ours = qm.texture_ratio(out, image, hole)
    smear = qm.texture_ratio(telea, image, hole)
    assert 0.4 < ours < 1.4, ours
    assert smear < 0.3 and ours > 4 * smear, (ours, smear)


def test_only_the_hole_changes_at_the_default_feather():
    scene, refined, out = _gravel_fill("dark")
    outside = ~refined.hole
    assert np.array_equal(out[outside], scene["image"][outside])
    assert not np.array_equal(out[refined.hole], scene["image"][refined.hole])


def test_the_seed_fixes_the_fill_and_changes_only_the_texture():
    image = np.clip(120 + _noise((96, 128), 3, amp=15)[..., None] + np.zeros(3), 0, 255).astype(np.uint8)
    hole = _disk(96, 128, 48, 64, 22)
    first = LayeredInpainter().inpaint(image, hole)
    again = LayeredInpainter().inpaint(image.copy(), hole.copy())
    other = LayeredInpainter()
    other.seed = 1
    third = other.inpaint(image, hole)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, third)  # the seed picks the texture (sources and phases)...
    # ...but not the structure: the two fills agree on average, tile by tile,
    # within what the photo's own tiles vary (copied whole, grain moves a
    # tile's mean as much as it does in the photo: 2.8 grey levels here; a
    # fixed bound of 4 was met by seeds 2 and 3 of the averaged fill only
    # just, 4.0, and missed by 0 and 1 of the copying one, 4.2).
    a = cv2.blur(first.astype(np.float32), (15, 15))[hole]
    b = cv2.blur(third.astype(np.float32), (15, 15))[hole]
    tiles = cv2.blur(image.astype(np.float32), (15, 15))[~hole]
    own = np.abs(tiles - np.median(tiles, axis=0)).mean()
    assert np.abs(a - b).mean() < 2 * own, (np.abs(a - b).mean(), own)


@pytest.mark.parametrize("surface", ["dark", "bright"])
def test_no_halo_or_seam_at_the_default_feather(surface):
    """The feathered composite of the fill on faint gravel: no marked step at
    the border and no band brighter (or darker) than the surface. Measured
    seam 1.26 (dark) and 1.31 (bright) since the reuse cost stopped charging
    coherent copies (2026-12-07): whole stones now meet the border's stones,
    where the fill before (1.03 and 1.01) was a blurred, hazy blob that the
    seam score, which rewards a soft step, preferred; by eye (3x crops) the
    new fill is the one that is hard to find. PatchMatch 0.95, Telea 0.90."""
    scene, refined, out = _gravel_fill(surface)
    s = quality_scenes.score_scene(out, scene["truth"], refined.hole, DEFAULT_FEATHER)
    assert s["seam"] < 1.4, s
    assert abs(s["halo"]) < 3.0, s  # grey levels; the surface's texture has a std of 7
    # The object (bright on dark, dark on bright) is gone from the hole.
    gray = qm._gray(out)[refined.hole]
    assert abs(float(np.median(gray)) - quality_scenes.SURFACES[surface]) < 12


def test_does_not_paste_the_nearby_labels():
    """Distinct objects next to the hole (labels, a row of pins) must not
    reappear in the fill. Counted are fill patches whose near-duplicate
    overlaps a label or the pins (copied gravel is the surface's own
    texture, not a pasted object). PatchMatch does not paste these either
    (measured: 0.0); the helmet below is where it does."""
    for surface in ("dark", "bright"):
        for crowded in (False, True):
            scene, refined, out = _gravel_fill(surface, crowded)
            assert qm.copied_structure(out, refined.hole, origin=scene["objects"]) == 0.0, scene["name"]


@pytest.mark.slow  # the whole helmet photo filled twice; the labels above keep a no-paste test in the quick loop
def test_does_not_paste_the_helmet_ring_where_patchmatch_does():
    """The README's first command: PatchMatch pastes the suit's neck ring and
    part of a badge into the removed helmet (copied structure 0.39 when
    measured); ``layered`` continues the suit and the backdrop (0.0; an
    earlier version 0.06, a few patches of the strap's edge)."""
    pytest.importorskip("eraser_patchmatch")
    from bench.segmentation_iou import load_sample

    image, selection, _ = load_sample(Path(__file__).resolve().parents[3] / "samples" / "astronaut_helmet")
    refined = refine(selection.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
    copied = {name: qm.copied_structure(pipeline.erase(image, refined, inpainter=name).image, refined.hole)
              for name in ("layered", "patchmatch")}
    assert copied["layered"] < 0.12, copied
    assert copied["patchmatch"] > copied["layered"] + 0.15, copied


@pytest.mark.parametrize("surface", ["dark", "bright"])
def test_a_label_beside_the_hole_is_not_smeared_into_it(surface):
    """A label 3 px from the widened hole: Telea drags its colour into the
    hole as a plume. The patch fill may continue the label's edge a few
    pixels (its border patches match the label; measured: a stub of about
    5 px on the bright surface, which costs it the mean luma error next to
    the label, 20.8 grey levels against Telea's 15.6), but the label's
    colour goes no deeper: no pixel of it lies more than 8 px inside the
    hole, and fewer than 150 in all (Telea: a plume across the hole)."""
    refined = _gravel_fill(surface, True)[1]
    colour = np.float32((200, 170, 60) if surface == "dark" else (40, 60, 140))  # the label's, quality_scenes
    depth = cv2.distanceTransform(refined.hole.astype(np.uint8), cv2.DIST_L2, 3)
    found = {}
    for name in ("layered", "telea"):
        out = _gravel_fill(surface, True, name)[2].astype(np.float32)
        label_like = refined.hole & (np.abs(out - colour).max(axis=2) < 40)
        found[name] = (int(label_like.sum()), float(depth[label_like].max()) if label_like.any() else 0.0)
    assert found["layered"][1] <= 8 and found["layered"][0] < 150, found


def test_unavailable_without_xphoto_and_auto_passes_it_over(monkeypatch):
    """With a plain opencv-python-headless (no contrib) the backend says why
    in one line, and `auto` takes the next inpainter instead of failing."""
    import eraser_layered

    monkeypatch.delattr(cv2, "xphoto")
    reason = eraser_layered._available()
    assert reason is not None and "opencv-contrib-python-headless" in reason
    # `auto` meets `layered` only where nothing better is installed: backends
    # ranked above it (eraser-patchmatch's `guarded`) are off for this test
    table = registry._registry().backends["inpainter"]
    for name, spec in list(table.items()):
        if spec.priority > table["layered"].priority:
            monkeypatch.setitem(table, name, dataclasses.replace(spec, available=lambda: "off in this test"))
    image = np.full((64, 64, 3), 100, np.uint8)
    hole = np.zeros((64, 64), np.float32)
    hole[20:40, 20:40] = 1
    result = pipeline.erase(image, refine(hole, 2, 1), inpainter="auto")
    assert result.inpainter != "layered"
    # Passed over as unavailable (checked before any work), not tried and failed.
    assert any("'layered' is not available" in n for n in result.notices), result.notices


@cache
def _coin_fill():
    """The README's coin sample, its refined hole and the layered fill
    (computed once: two tests judge it; read-only)."""
    root = Path(__file__).resolve().parents[3]
    image = cv2.cvtColor(cv2.imread(str(root / "samples" / "coins_coin" / "photo.png")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(root / "samples" / "coins_coin" / "mask.png"), cv2.IMREAD_GRAYSCALE) > 127
    refined = refine(mask.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(image, refined, inpainter="layered").image
    for array in (image, refined.hole, out):
        array.flags.writeable = False
    return image, refined.hole, out


def test_an_object_among_others_gets_the_backgrounds_grain_not_theirs():
    """Erasing one coin among many: the grain laid in the hole is about the
    plain background's (a robust estimate around the hole), not the energy of
    the other coins' edges nearby. Measured: fill 2.1 grey levels (std of the
    1.5 px band) against the background's 2.7, PatchMatch 2.8 (since the
    rarity cost and the smoothness thresholds of 2026-12-06 21:00; before,
    the locality cost copied a bright piece of a neighbouring coin's edge
    into the hole: 9.7, an expected failure); the random-phase grain of the
    previous release gave 3.5, and capped by the mean energy instead, a dark
    blotch at 8.3."""
    image, hole, out = _coin_fill()

    def band(img):
        gray = qm._gray(img).astype(np.float32)
        return gray - cv2.GaussianBlur(gray, (0, 0), 1.5)

    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((31, 31), np.uint8)) > 0) & ~hole
    background = 1.4826 * float(np.median(np.abs(band(image)[ring])))
    core = cv2.erode(hole.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    fill = float(band(out)[core].std())
    assert 0.25 * background < fill < 2.0 * background, (fill, background)


@cache
def _pasted(name: str) -> dict:
    root = Path(__file__).resolve().parents[3]
    return next(s for s in quality_scenes.pasted_scenes(root) if s["name"].startswith(name))


def _two_pixel_mosaic(img: np.ndarray, hole: np.ndarray) -> float:
    """How much stronger the steps between neighbouring pixels are at one
    phase of a 2 px grid than at the other, inside the hole (1 for a
    photo; a fill copied in 2 x 2 blocks from different sources steps at
    the blocks' edges)."""
    gray = qm._gray(img).astype(np.float32)
    core = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    ratios = []
    for axis in (0, 1):
        step = np.abs(np.diff(gray, axis=axis))
        both = np.logical_and(*(core[:-1], core[1:]) if axis == 0 else (core[:, :-1], core[:, 1:]))
        phase = np.expand_dims(np.arange(step.shape[axis]) % 2, 1 - axis)
        a, b = step[both & (phase == 0)].mean(), step[both & (phase == 1)].mean()
        ratios.append(max(a, b) / min(a, b))
    return max(ratios)


@pytest.mark.parametrize("name", ["suit fabric", "wood table"])
def test_a_small_fill_is_no_mosaic_of_2px_blocks(name):
    """On a small crop (the pasted scenes are 256 px) the finest level is
    searched and mean-voted where the surroundings are grain or the hole
    thin; copied along the field inherited at half size, each 2 x 2 block
    from its own source, the suit fabric was a pixelated orange mosaic and
    the wood a column of pixel noise (judge 8's look). Measured: the
    photos' own 1.04 and 1.04; the copy 1.27 and 1.26; now 1.08 and 1.04;
    PatchMatch 1.03 and 1.02."""
    scene = _pasted(name)
    refined = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(scene["image"], refined, inpainter="layered").image
    assert _two_pixel_mosaic(scene["truth"], refined.hole) < 1.1
    assert _two_pixel_mosaic(out, refined.hole) < 1.15


def _strongest_tone_step(img: np.ndarray, hole: np.ndarray) -> float:
    """The strongest tone step in the hole's core (99th percentile of the
    gradient of the grey image blurred at 2 px, which the grain does not
    survive) over the median one in a ring around the hole."""
    gray = cv2.GaussianBlur(qm._gray(img).astype(np.float32), (0, 0), 2.0)
    size = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    h = hole.astype(np.uint8)
    core = cv2.erode(h, np.ones((9, 9), np.uint8)) > 0
    ring = (cv2.dilate(h, np.ones((41, 41), np.uint8)) > 0) & (cv2.dilate(h, np.ones((9, 9), np.uint8)) == 0)
    return float(np.percentile(size[core], 99) / np.median(size[ring]))


def test_the_coins_background_has_no_darker_block_with_straight_edges():
    """The README's coin: copied piece by piece, the fill had a darker,
    stair-stepped block in the middle of the plain background (judge 9 and
    10: "a visible mosaic with straight edges"); rebuilt from the pieces'
    steps (meld.py) the tone steps between them spread out. Measured: 4.9
    before the meld, 2.2 with it (the background's own texture inside the
    hole stays: the test above)."""
    _, hole, out = _coin_fill()
    assert _strongest_tone_step(out, hole) < 3.5


def _stone_contrast(image, hole):
    """The band-pass (1.5 to 3 px: a stone's edges, not its pixels' noise)
    contrast of the hole's core over that of a ring around the hole."""
    gray = qm._gray(image).astype(np.float32)
    band = cv2.GaussianBlur(gray, (0, 0), 1.5) - cv2.GaussianBlur(gray, (0, 0), 3.0)
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0) & ~hole
    core = cv2.erode(hole.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    return float(band[core].std() / band[ring].std())


@pytest.mark.parametrize("surface", ["dark", "bright"])
def test_gravel_stones_keep_their_contrast(surface):
    """The constructed gravel (grain level 2.2, stones a few px across) came
    out with soft, chopped stones in the middle of the hole in both blind
    looks of the eleventh version, where PatchMatch's were crisp: its
    coarse levels voted at the 51st percentile, a mean of stones the finer
    levels matched with fragments. Measured (dark, bright): the photo's own
    1.07 and 1.07; averaged coarse votes 0.90 and 0.92; sharp ones on
    stones (STONE_SIZE) 1.02 and 0.98; PatchMatch 0.99 and 0.95."""
    scene, refined, out = _gravel_fill(surface)
    assert _stone_contrast(scene["truth"], refined.hole) > 1.0
    assert _stone_contrast(out, refined.hole) > 0.96


def test_the_flags_stripes_stay_sharp_across_the_strip():
    """The pasted flag (a rocket's thin strip removed): both judges of
    2026-12-07 saw "a soft vertical smear of red and blue" where PatchMatch
    "keeps the stripe and canton edges sharp". The copies were sharp; the
    meld cut the red-to-white steps between two copied pieces down to the
    steps inside each piece and integrated the stripes into a smear. Steps
    over meld.EDGE are kept. Measured, the band-pass contrast of the
    hole's core over its ring (_stone_contrast): the photo 0.98; before
    0.45; now 1.04; PatchMatch 1.16."""
    scene = _pasted("flag stripes")
    refined = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(scene["image"], refined, inpainter="layered").image
    assert _stone_contrast(scene["truth"], refined.hole) > 0.9
    assert _stone_contrast(out, refined.hole) > 0.8


def test_a_thin_holes_foot_keeps_the_gantrys_detail():
    """The README rocket (a hole 30 px wide up the sky): both judges of
    2026-12-07 saw the fill end in "a smooth, flat blue-grey rounded blob
    wedged between the gantry towers"; the pyramid went on to 54 px, where
    the hole is under 4 px deep and the lattice a haze, so the sky won
    there. It now stops a level finer (COARSE_DEPTH). Measured, the high
    pass (luma less a 2 px blur) in the hole's lowest 60 px over the ring's
    around them: before 0.22, now 0.45, PatchMatch 0.76."""
    from bench.segmentation_iou import load_sample

    image, selection, _ = load_sample(Path(__file__).resolve().parents[3] / "samples" / "rocket_falcon9")
    refined = refine(np.asarray(selection, np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(image, refined, inpainter="layered").image
    gray = qm._gray(out).astype(np.float32)
    fine = gray - cv2.GaussianBlur(gray, (0, 0), 2.0)
    foot = refined.hole.copy()
    foot[: np.nonzero(refined.hole)[0].max() - 60] = False
    core = cv2.erode(foot.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    ring = (cv2.dilate(foot.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0) & ~refined.hole
    assert fine[core].std() / fine[ring].std() > 0.33


@pytest.mark.parametrize("surface", ["dark", "bright"])
def test_stones_are_told_from_blades(surface):
    """Sharp coarse votes on all faint grain (2.2-2.8) won the gravel rows of
    a blind look and lost the grass rows (finer, denser blades): the grain's
    size tells them apart, with or without labels and pins beside the hole."""
    from eraser_layered.surroundings import grain_size

    for crowded in (False, True):
        sizes = {}
        for texture in ("gravel", "grass"):
            scene = quality_scenes.make_scene(surface, texture, crowded)
            hole = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER).hole
            sizes[texture] = grain_size(scene["image"], hole)
        assert sizes["gravel"] > 0.68 and sizes["grass"] < 0.62, sizes


def _grain_and_tone(image, hole):
    """The hole core's high-pass (luma minus a 2 px blur: the wood's grain)
    spread over the ring's, and the core's mean luma minus the ring's."""
    gray = qm._gray(image).astype(np.float32)
    fine = gray - cv2.GaussianBlur(gray, (0, 0), 2.0)
    core = cv2.erode(hole.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0) & ~hole
    return float(fine[core].std() / fine[ring].std()), float(gray[core].mean() - gray[ring].mean())


def test_the_wood_grain_runs_through_the_hole():
    """The pasted wood table (rocket removed): both judges of 2026-12-07 saw
    "a darker, grainless band along the rocket's path" where PatchMatch's
    grain continued. The locality cost (and the reuse cost) kept the fill
    on a few plain near sources; on one surface all around (colour_spread,
    UNIFORM_SPREAD) they are lifted. Measured (grain ratio, core minus ring
    tone): the photo 1.03, -1.4; before 0.47, -3.0; now 0.76, -1.3;
    PatchMatch 0.88, -1.3."""
    scene = _pasted("wood table")
    refined = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(scene["image"], refined, inpainter="layered").image
    grain, tone = _grain_and_tone(out, refined.hole)
    truth_grain, truth_tone = _grain_and_tone(scene["truth"], refined.hole)
    assert truth_grain > 0.9
    assert grain > 0.65, grain
    assert abs(tone - truth_tone) < 0.8, (tone, truth_tone)


def test_one_surface_is_told_from_several_regions():
    """What lifts the locality cost on the wood and keeps it on the README's
    cup and spoon (the same kind of grain: a wedge of the table ran through
    the saucer without it): how far the colours around the hole spread."""
    from bench.segmentation_iou import load_sample
    from eraser_layered.surroundings import colour_spread
    from eraser_layered.synthesis import UNIFORM_SPREAD

    scene = _pasted("wood table")
    hole = refine(scene["selection"], DEFAULT_DILATE, DEFAULT_FEATHER).hole
    assert colour_spread(scene["image"], hole) < UNIFORM_SPREAD[0]
    for name in ("coffee_cup", "coffee_spoon"):
        image, selection, _ = load_sample(Path(__file__).resolve().parents[3] / "samples" / name)
        hole = refine(selection.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER).hole
        assert colour_spread(image, hole) > UNIFORM_SPREAD[1], name


def _suit_orange(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the helmet photo's suit orange (its folds and shadows
    included; the flag's red and the skin are not)."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (r > 170) & (g > 60) & (g < 150) & (b < 110) & (r - g > 70)


def test_a_watermark_over_the_flag_is_not_filled_with_the_suits_orange():
    """bench/fill_speed.py's watermark job: two lines of glyphs over the
    README's helmet photo, widened into two bands that the pyramid cannot
    halve once more (the pieces would merge). The photo under them is
    known, so the fill is judged against it. Near the flag (the left 200 px)
    the hole pixels that were no suit orange came out orange for 30 % with
    the locality and reuse costs, 13 % without (PatchMatch: 9 %); the mean
    error over the whole hole was 27.9 grey levels, 22.9 without (19.0)."""
    from bench.fill_speed import watermark

    image, selection = watermark()
    refined = refine(selection.astype(np.float32), DEFAULT_DILATE, DEFAULT_FEATHER)
    out = pipeline.erase(image, refined, inpainter="layered").image
    hole = refined.hole
    near_flag = hole & ~_suit_orange(image)
    near_flag[:, 200:] = False
    spill = float(_suit_orange(out)[near_flag].mean())
    error = float(np.abs(out[hole].astype(np.float32) - image[hole]).mean())
    assert spill < 0.2, spill
    assert error < 25.5, error
