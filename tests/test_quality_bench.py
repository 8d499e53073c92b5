"""bench/quality.py: the smoke run works end to end, and its scores measure
what they claim (each check below fails for a plausible wrong metric)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

pytest.importorskip("skimage")

from bench import quality_metrics as qm  # noqa: E402  (after the skip: it needs scikit-image)


@pytest.fixture(scope="module")
def textured():
    """A 160x200 RGB photo-like texture: noise at several scales plus edges."""
    rng = np.random.default_rng(1)
    h, w = 160, 200
    base = np.zeros((h, w), np.float32)
    for sigma, amp in ((8, 40), (3, 25), (0.8, 18)):
        noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), sigma)
        base += amp * noise / noise.std()
    yy, xx = np.mgrid[0:h, 0:w]
    base += 30 * ((xx // 20 + yy // 20) % 2)  # checker edges
    rgb = np.stack([base + 110, base * 0.8 + 100, base * 0.6 + 90], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def disk_hole():
    yy, xx = np.mgrid[0:160, 0:200]
    return (xx - 100) ** 2 + (yy - 80) ** 2 <= 30**2


def _with_fill(image, hole, fill):
    out = image.copy()
    out[hole] = fill[hole]
    return out


# --------------------------------------------------------------------------- metrics


def test_identical_image_scores_perfect(textured, disk_hole):
    s = qm.score(textured, textured, disk_hole)
    assert s["psnr_hole"] == qm.PSNR_CAP
    assert s["ssim_hole"] == pytest.approx(1.0, abs=1e-6)
    assert s["ssim_band"] == pytest.approx(1.0, abs=1e-6)
    assert s["texture"] == pytest.approx(1.0, abs=1e-6)
    assert s["seam"] == pytest.approx(1.0, abs=1e-6)


def test_blurred_fill_is_a_smear(textured, disk_hole):
    blurred = cv2.GaussianBlur(textured, (0, 0), 4)
    out = _with_fill(textured, disk_hole, blurred)
    s = qm.score(out, textured, disk_hole)
    assert np.isfinite(s["psnr_hole"]) and 10 < s["psnr_hole"] < qm.PSNR_CAP
    assert s["texture"] < 0.3  # most of the fine detail is gone
    assert s["ssim_hole"] < 0.8


def test_noise_fill_scores_texture_above_blur_but_psnr_below(textured, disk_hole):
    """The point of the texture score: PSNR prefers the smear, texture does not."""
    blurred = _with_fill(textured, disk_hole, cv2.GaussianBlur(textured, (0, 0), 4))
    # The same blur plus fresh detail of the right strength, in the wrong place.
    detail = textured.astype(np.float32) - cv2.GaussianBlur(textured, (0, 0), 4).astype(np.float32)
    shuffled = np.roll(detail, (37, 53), axis=(0, 1))
    noisy = _with_fill(textured, disk_hole, np.clip(blurred.astype(np.float32) + shuffled, 0, 255).astype(np.uint8))
    s_blur = qm.score(blurred, textured, disk_hole)
    s_noise = qm.score(noisy, textured, disk_hole)
    assert s_noise["psnr_hole"] < s_blur["psnr_hole"]
    assert abs(s_noise["texture"] - 1) < abs(s_blur["texture"] - 1)
    assert 0.6 < s_noise["texture"] < 1.6


def test_texture_ratio_detects_invented_noise(textured, disk_hole):
    rng = np.random.default_rng(2)
    noisy = np.clip(textured + rng.normal(0, 40, textured.shape), 0, 255).astype(np.uint8)
    assert qm.texture_ratio(_with_fill(textured, disk_hole, noisy), textured, disk_hole) > 2


def test_seam_step_scores_worse_than_smooth_fill(disk_hole):
    # A smooth gradient photo; a fill that matches it but is shifted by +40
    # grey levels has a visible step at the border, the true one does not.
    yy, xx = np.mgrid[0:160, 0:200]
    image = np.stack([xx * 0.5 + 60, yy * 0.5 + 60, (xx + yy) * 0.3 + 50], axis=-1).astype(np.uint8)
    stepped = _with_fill(image, disk_hole, np.clip(image.astype(int) + 40, 0, 255).astype(np.uint8))
    flat = _with_fill(image, disk_hole, np.full_like(image, 0) + image[disk_hole].mean(axis=0).astype(np.uint8))
    s_true = qm.seam_ratio(image, image, disk_hole)
    s_step = qm.seam_ratio(stepped, image, disk_hole)
    s_flat = qm.seam_ratio(flat, image, disk_hole)
    assert s_true == pytest.approx(1.0)
    assert s_step > 10  # ~40 grey levels against < 1
    assert s_step > s_flat > s_true  # a flat mean fill steps at the rim, less than +40
    # The step shows in the band SSIM as well.
    assert qm.score(stepped, image, disk_hole)["ssim_band"] < 0.99


def test_border_step_counts_each_border_pair():
    image = np.zeros((5, 5, 3), np.uint8)
    image[2, 2] = 90
    hole = np.zeros((5, 5), bool)
    hole[2, 2] = True
    assert qm.border_step(image, hole) == pytest.approx(90.0)  # 4 pairs, each 90


def test_psnr_known_value():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[:] = 255
    region = np.ones((4, 4), bool)
    assert qm.psnr(b, a, region) == pytest.approx(0.0)
    b[:] = 16  # mse 256 -> 10*log10(65025/256)
    assert qm.psnr(b, a, region) == pytest.approx(10 * np.log10(255**2 / 256))


def test_copied_structure_flags_a_pasted_object_and_not_a_smooth_fill(textured):
    """A fill that pastes a distinct object from elsewhere in the photo scores
    high; a smooth fill of the same hole scores 0; the object left in place
    (not in the hole) is not a copy."""
    image = textured.copy()
    # A recognisable object: a label with text, top-left, outside the hole.
    cv2.rectangle(image, (10, 10), (58, 42), (230, 200, 40), -1)
    cv2.putText(image, "R4", (14, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (20, 20, 20), 2, cv2.LINE_AA)
    hole = np.zeros(image.shape[:2], bool)
    hole[90:130, 120:172] = True
    pasted = image.copy()
    pasted[92:124, 122:170] = image[10:42, 10:58]  # the label, copied into the hole
    pasted[hole & ~np.pad(np.ones((32, 48), bool), ((92, 160 - 124), (122, 200 - 170)))] = 128
    smooth = image.copy()
    smooth[hole] = cv2.inpaint(image, hole.astype(np.uint8), 5, cv2.INPAINT_TELEA)[hole]
    high = qm.copied_structure(pasted, hole)
    low = qm.copied_structure(smooth, hole)
    assert high > 0.3, high
    assert low == 0.0, low
    assert qm.score(pasted, image, hole)["copied"] == pytest.approx(high, abs=1e-4)


def test_copied_structure_ignores_flat_and_thin_holes(textured):
    flat = np.full_like(textured, 90)
    hole = np.zeros(textured.shape[:2], bool)
    hole[40:100, 40:100] = True
    assert qm.copied_structure(flat, hole) == 0.0  # nothing to recognise
    thin = np.zeros_like(hole)
    thin[50, :] = True  # no 24 px patch is 3/4 inside a 1 px line
    assert qm.copied_structure(textured, thin) == 0.0


def test_band_straddles_the_border(disk_hole):
    ring = qm.band(disk_hole, 4)
    assert (ring & disk_hole).any() and (ring & ~disk_hole).any()
    assert not ring[80, 100]  # the disk's centre is more than 4 px inside


# --------------------------------------------------------------------------- holes


@pytest.mark.parametrize("kind", qm.HOLE_KINDS)
def test_hole_is_deterministic_and_seed_dependent(kind):
    a = qm.make_hole((300, 400), kind, 0.05, seed=7)
    b = qm.make_hole((300, 400), kind, 0.05, seed=7)
    c = qm.make_hole((300, 400), kind, 0.05, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert qm.seed_for("brick/blob/small") == qm.seed_for("brick/blob/small") != qm.seed_for("brick/blob/large")


@pytest.mark.parametrize("shape", [(512, 512), (303, 384), (427, 640)])
@pytest.mark.parametrize("kind", qm.HOLE_KINDS)
@pytest.mark.parametrize("size", ["small", "large"])
def test_hole_area_and_margin(shape, kind, size):
    area = qm.HOLE_SIZES[kind][size]
    for seed in range(4):
        hole = qm.make_hole(shape, kind, area, seed)
        assert hole.dtype == bool and hole.shape == shape
        assert hole.mean() == pytest.approx(area, rel=0.2)
        margin = max(6, round(0.04 * min(shape))) - 1
        assert not hole[:margin].any() and not hole[-margin:].any()
        assert not hole[:, :margin].any() and not hole[:, -margin:].any()


def test_hole_kinds_differ_in_width():
    """Thin strokes are thin, thick strokes thick, a blob is one solid piece."""
    shape = (400, 400)

    def half_width(hole):  # most hole pixels are at most this far from the border
        return np.percentile(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)[hole], 90)

    thin = qm.make_hole(shape, "thin", 0.03, 3)
    thick = qm.make_hole(shape, "thick", 0.05, 3)
    blob = qm.make_hole(shape, "blob", 0.05, 3)
    assert half_width(thin) <= 4.5  # 3 to 6 px wide strokes
    assert 7 <= half_width(thick) <= 14  # 20 px wide strokes
    assert half_width(blob) > 20
    count, _ = cv2.connectedComponents(blob.astype(np.uint8))
    assert count == 2  # background + one blob


# --------------------------------------------------------------------------- the smoke run


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    from bench import quality

    out = tmp_path_factory.mktemp("quality")
    assert quality.main(["--smoke", "--quiet", "--out", str(out)]) == 0
    return out


def test_smoke_writes_every_output(smoke):
    assert (smoke / "quality.md").is_file()
    assert (smoke / "quality.json").is_file()
    sheets = list((smoke / "sheets").glob("*.png"))
    assert len(sheets) == 1
    sheet = cv2.imread(str(sheets[0]))
    assert sheet is not None and sheet.shape[0] > 100 and sheet.shape[1] > 300
    md = (smoke / "quality.md").read_text()
    assert "| kind | backend |" in md
    assert "favours blur" in md  # the notes on what each score rewards
    assert "## Segmentation" in md


def test_smoke_scores_are_sane(smoke):
    report = json.loads((smoke / "quality.json").read_text())
    inp = report["inpainting"]
    rows = inp["rows"]
    backends = set(inp["backends"])
    assert {"telea", "ns", "raw:telea"} <= backends
    kinds = {r["kind"] for r in rows}
    assert kinds == set(qm.HOLE_KINDS)
    assert len({r["photo"] for r in rows}) == 2
    for r in rows:
        assert "error" not in r, r
        assert r["outside_changed"] == 0, r  # dilate=0, feather=0: only the hole changes
        assert 8 < r["psnr_hole"] < 60, r
        assert -1 <= r["ssim_hole"] <= 1 and r["ssim_band"] >= r["ssim_hole"] - 0.2, r
        assert 0 < r["texture"] < 3 and 0 < r["seam"] < 5, r
        assert 0.005 < r["area"] < 0.05, r
    # Telea diffuses: its fill is a smear on the textured brick.
    telea_brick = [r for r in rows if r["backend"] == "telea" and r["photo"] == "brick" and r["kind"] != "thin"]
    assert all(r["texture"] < 0.5 for r in telea_brick)
    # The pipeline is the raw call here (same radius, full context for small holes).
    for c in inp["baseline_check"]:
        assert c["ok"], c
    seg = report["segmentation"]
    assert seg["rows"] and all(0.5 < r["iou"] <= 1 for r in seg["rows"])
    assert {r["kind"] for r in seg["rows"]} >= {"point", "points", "box"}


def test_smoke_is_repeatable(smoke, tmp_path):
    """Seeded holes and deterministic backends: a second run scores the same."""
    from bench import quality

    assert quality.main(["--smoke", "--quiet", "--no-segmentation", "--no-sheets", "--out", str(tmp_path)]) == 0
    first = json.loads((smoke / "quality.json").read_text())["inpainting"]["rows"]
    second = json.loads((tmp_path / "quality.json").read_text())["inpainting"]["rows"]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    assert strip(first) == strip(second)


def test_the_grain_oracle_has_the_originals_texture_and_changes_only_the_hole():
    """oracle:grain (a bound that reads the truth) scores texture 1 by
    construction, keeps every known pixel, and its grain, being in the wrong
    places, costs SSIM against the smooth harmonic fill it is laid on."""
    from bench import quality

    image = quality.load_photos(["brick"])[0][1]
    hole = qm.make_hole(image.shape[:2], "blob", qm.HOLE_SIZES["blob"]["large"], 5)
    out = quality.texture_oracle(image, hole)
    assert np.array_equal(out[~hole], image[~hole])
    assert abs(qm.texture_ratio(out, image, hole) - 1.0) < 0.05
    from eraser_layered.harmonic import harmonic_fill

    smooth = np.clip(np.rint(harmonic_fill(image, hole)), 0, 255).astype(np.uint8)
    assert qm.ssim(out, image, hole) < qm.ssim(smooth, image, hole)
