"""bench/quality_scenes.py's held-out pasted scenes: they build, and they stay
held out (no photo region or object pairing shared with the tuned set, nor,
for the second set, with the first)."""

from __future__ import annotations

import functools

import cv2
import numpy as np
import pytest

pytest.importorskip("skimage")

from bench import quality_scenes as qs  # noqa: E402  (after the skip: it needs scikit-image)
from bench.common import ROOT  # noqa: E402


def _source_shape(source: str) -> tuple[int, int]:
    import skimage.data

    img = getattr(skimage.data, source)()
    return (img[0] if isinstance(img, tuple) else img).shape[:2]


def _box(source: str, crop) -> tuple[int, int, int, int]:
    """The crop as (row0, row1, col0, col1) in the source photo; None is the whole photo."""
    if crop is not None:
        return crop
    h, w = _source_shape(source)
    return (0, h, 0, w)


def _overlap(a, b) -> int:
    rows = min(a[1], b[1]) - max(a[0], b[0])
    cols = min(a[3], b[3]) - max(a[2], b[2])
    return max(0, rows) * max(0, cols)


def _photo_of(sample: str) -> str:
    return sample.split("_")[0]  # samples/<photo>_<object>: the scikit-image photo the cut-out comes from


@functools.lru_cache(maxsize=None)
def _photo(source: str) -> str:
    """The photo a source name loads, by its pixels: skimage.data.cat is chelsea under another name."""
    import hashlib

    import skimage.data

    img = getattr(skimage.data, source)()
    return hashlib.sha1(np.ascontiguousarray(img[0] if isinstance(img, tuple) else img).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def held_out():
    return qs.pasted_scenes(ROOT, held_out=True)


@pytest.fixture(scope="module")
def held_out_2():
    return qs.pasted_scenes(ROOT, held_out=2)


@pytest.mark.parametrize("number", [1, 2])
def test_held_out_scenes_build(number, held_out, held_out_2):
    scenes = held_out if number == 1 else held_out_2
    backgrounds = qs.PASTED_SETS[number][0]
    assert 9 <= len(scenes) <= 12
    assert len({s["name"] for s in scenes}) == len(scenes)
    assert max(len(s["name"]) for s in scenes) <= 30  # fill_sheets' row title: 30 characters
    for scene, entry in zip(scenes, backgrounds.values()):
        image, truth, sel = scene["image"], scene["truth"], scene["selection"]
        assert image.dtype == truth.dtype == np.uint8, scene["name"]
        assert image.shape == truth.shape and image.ndim == 3 and image.shape[2] == 3, scene["name"]
        assert max(image.shape[:2]) == qs.PASTED_SIZE, scene["name"]
        assert sel.shape == image.shape[:2] and sel.min() >= 0 and sel.max() <= 1 + 1e-5, scene["name"]  # INTER_AREA rounding
        # The whole object inside the frame, not cut by its edge.
        assert not sel[:4].any() and not sel[-4:].any() and not sel[:, :4].any() and not sel[:, -4:].any(), scene["name"]
        share = float(np.mean(sel > 0.5))
        wanted = (*entry, qs.OBJECT_SHARE)[2]
        assert 0.01 < share <= wanted * 1.1, (scene["name"], share)
        # The object is pasted inside its selection and nowhere else.
        assert np.array_equal(image[sel == 0], truth[sel == 0]), scene["name"]
        assert np.abs(image.astype(int) - truth)[sel > 0.9].mean() > 10, scene["name"]
        # The truth is a photo, not a flat fill: the fills have something to continue.
        assert cv2.cvtColor(truth, cv2.COLOR_RGB2GRAY).std() > 5, scene["name"]


def test_held_out_shares_no_photo_region_with_the_tuned_set():
    tuned = [_box(src, crop) + (src,) for src, crop in qs.BACKGROUNDS.values()]
    held = [(name, src, _box(src, crop)) for name, (src, crop) in qs.HOLDOUT_BACKGROUNDS.items()]
    for name, src, box in held:
        for *other, other_src in tuned:
            assert other_src != src or _overlap(box, other) == 0, (name, other)
        for other_name, other_src, other_box in held:
            assert other_name == name or other_src != src or _overlap(box, other_box) == 0, (name, other_name)
        # Nor the region of a README sample's own object (those rows are tuned on too).
        for folder in (ROOT / "samples").iterdir():
            if folder.is_dir() and _photo_of(folder.name) == src:
                mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE) >= 128
                assert not mask[box[0] : box[1], box[2] : box[3]].any(), (name, folder.name)


def _boxes(backgrounds) -> list[tuple[str, str, tuple]]:
    """(name, photo, box in the photo) of each background."""
    return [(name, _photo(entry[0]), _box(entry[0], entry[1])) for name, entry in backgrounds.items()]


def test_second_held_out_shares_no_photo_region_with_any_earlier_set_or_sample():
    earlier = _boxes(qs.BACKGROUNDS) + _boxes(qs.HOLDOUT_BACKGROUNDS)
    second = _boxes(qs.HOLDOUT2_BACKGROUNDS)
    assert not set(qs.HOLDOUT2_BACKGROUNDS) & (set(qs.BACKGROUNDS) | set(qs.HOLDOUT_BACKGROUNDS))
    samples = {}  # photo -> the README samples' objects on it
    for folder in (ROOT / "samples").iterdir():
        if folder.is_dir():
            mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE) >= 128
            samples.setdefault(_photo(_photo_of(folder.name)), []).append((folder.name, mask))
    for name, photo, box in second:
        for other_name, other_photo, other_box in earlier + second:
            if other_name != name and other_photo == photo:
                assert _overlap(box, other_box) == 0, (name, other_name)
        for sample, mask in samples.get(photo, []):
            assert not mask[box[0] : box[1], box[2] : box[3]].any(), (name, sample)
    # A crop is a crop: inside its photo, not empty.
    for name, (source, crop, *_share) in qs.HOLDOUT2_BACKGROUNDS.items():
        h, w = _source_shape(source)
        r0, r1, c0, c1 = _box(source, crop)
        assert 0 <= r0 < r1 <= h and 0 <= c0 < c1 <= w, name


def test_second_held_out_pairs_every_photo_with_a_cut_out_it_never_met():
    assert sorted(qs.HOLDOUT2_OBJECTS) == sorted(qs.OBJECTS)
    assert qs.HOLDOUT2_OBJECTS not in (qs.OBJECTS, qs.HOLDOUT_OBJECTS)
    met = {}  # photo -> the cut-outs it met in an earlier set
    for backgrounds, objects in (qs.PASTED_SETS[0], qs.PASTED_SETS[1]):
        for i, entry in enumerate(backgrounds.values()):
            met.setdefault(_photo(entry[0]), set()).add(objects[i % len(objects)])
    for i, (name, entry) in enumerate(qs.HOLDOUT2_BACKGROUNDS.items()):
        obj = qs.HOLDOUT2_OBJECTS[i % len(qs.HOLDOUT2_OBJECTS)]
        assert obj not in met.get(_photo(entry[0]), set()), (name, obj)
        assert _photo(_photo_of(obj)) != _photo(entry[0]), (name, obj)  # no cut-out back on its own photo


def test_second_held_out_builds_the_same_twice(held_out_2):
    again = qs.pasted_scenes(ROOT, held_out=2)
    assert [s["name"] for s in again] == [s["name"] for s in held_out_2]
    for a, b in zip(again, held_out_2):
        for part in ("image", "truth", "selection"):
            assert np.array_equal(a[part], b[part]), (a["name"], part)


def test_held_out_objects_meet_new_backgrounds(held_out):
    assert sorted(qs.HOLDOUT_OBJECTS) == sorted(qs.OBJECTS) and qs.HOLDOUT_OBJECTS != qs.OBJECTS
    met = {}  # photo -> the cut-outs it met in the tuned set
    for i, (src, _crop) in enumerate(qs.BACKGROUNDS.values()):
        met.setdefault(src, set()).add(qs.OBJECTS[i % len(qs.OBJECTS)])
    for scene, (src, _crop) in zip(held_out, qs.HOLDOUT_BACKGROUNDS.values()):
        obj = scene["name"].split(" / ")[1]
        assert obj not in met.get(src, set()), scene["name"]
        assert _photo_of(obj) != src, scene["name"]  # no cut-out back on its own photo


def test_the_tuned_set_is_unchanged_by_the_held_out_ones(held_out, held_out_2):
    tuned = qs.pasted_scenes(ROOT)
    assert [s["name"].split(" / ")[0] for s in tuned] == list(qs.BACKGROUNDS)
    assert [s["name"].split(" / ")[0] for s in held_out] == list(qs.HOLDOUT_BACKGROUNDS)
    assert [s["name"].split(" / ")[0] for s in held_out_2] == list(qs.HOLDOUT2_BACKGROUNDS)
    assert not {s["name"] for s in tuned} & {s["name"] for s in held_out}


@pytest.mark.slow  # 11 erasures and their scores: about 6 s
def test_fill_sheets_writes_the_held_out_sheet_under_its_own_names(tmp_path):
    import json

    from bench import fill_sheets

    assert fill_sheets.main(["--pasted", "--held-out", "--inpainters", "telea", "--cell", "64", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"holdout_{n}" for n in ("blind.jpg", "key.json", "scores.json", "scores.md")]
    key = json.loads((tmp_path / "holdout_key.json").read_text())
    objects = qs.HOLDOUT_OBJECTS
    assert list(key) == [f"{n} / {objects[i % len(objects)]}" for i, n in enumerate(qs.HOLDOUT_BACKGROUNDS)]
    sheet = cv2.imread(str(tmp_path / "holdout_blind.jpg"))
    assert sheet.shape[0] == len(key) * (64 + 18)  # one row per scene, under its title strip


def test_fill_sheets_writes_the_second_held_out_sheet_under_its_own_names(tmp_path, monkeypatch):
    """The sheet, key and scores of ``--held-out 2``, with no fill run: the
    set stays unseen until it is judged, so the "fill" here hands the scene
    back as it is (and only the PSNR is scored, to keep this quick)."""
    import json
    from types import SimpleNamespace

    from bench import fill_sheets
    from bench import quality_metrics as qm

    def unfilled(image, refined, inpainter):
        assert inpainter in ("first", "second")
        return SimpleNamespace(image=image)

    def psnr_only(result, original, hole):
        return {"psnr_hole": qm.psnr(result, original, hole), "ssim_hole": None, "coherence": None, "edges": None,
                "blockiness": None, "copied": None, "seam": None}

    monkeypatch.setattr(fill_sheets.pipeline, "erase", unfilled)
    monkeypatch.setattr(qm, "score", psnr_only)
    assert fill_sheets.main(["--pasted", "--held-out", "2", "--inpainters", "first", "second", "--cell", "48", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"holdout2_{n}" for n in ("blind.jpg", "key.json", "scores.json", "scores.md")]
    key = json.loads((tmp_path / "holdout2_key.json").read_text())
    objects = qs.HOLDOUT2_OBJECTS
    assert list(key) == [f"{n} / {objects[i % len(objects)]}" for i, n in enumerate(qs.HOLDOUT2_BACKGROUNDS)]
    assert all(sorted(letters.values()) == ["first", "second"] for letters in key.values())
    scores = json.loads((tmp_path / "holdout2_scores.json").read_text())["scores"]
    assert len(scores) == 2 * len(key) and {r["scene"] for r in scores} == set(key)
    table = (tmp_path / "holdout2_scores.md").read_text().splitlines()
    assert [line.split(" | ")[0] for line in table[2:]] == ["| first", "| second", "| truth"]
    sheet = cv2.imread(str(tmp_path / "holdout2_blind.jpg"))
    assert sheet.shape[:2] == (len(key) * (48 + 18), 4 * 48)  # per scene: the scene, two fills, the truth


def test_held_out_without_pasted_is_a_usage_error(capsys):
    from bench import fill_sheets

    with pytest.raises(SystemExit) as exit_:
        fill_sheets.main(["--held-out"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith("--held-out goes with --pasted")


def test_an_unknown_held_out_set_is_a_usage_error(capsys):
    from bench import fill_sheets

    with pytest.raises(SystemExit) as exit_:
        fill_sheets.main(["--pasted", "--held-out", "9"])
    assert exit_.value.code == 2
    assert "invalid choice: 9" in capsys.readouterr().err
