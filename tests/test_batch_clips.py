"""`eraser batch` on folders that hold clips: each clip is erased as
`eraser video` erases it (prompts on its first frame, or the frame a prompts
file names), beside the photos; resume, masks, bad clips. Clips are encoded
with PyAV from the project's photos."""

import json

import numpy as np
import pytest
from PIL import Image

av = pytest.importorskip("av")

import eraser  # noqa: E402
from eraser.batching.inputs import find_photos, is_image_header, is_video_header  # noqa: E402
from eraser.testing.clips import psnr, read_frames, scene, write_clip  # noqa: E402
from eraser.video.clip import probe  # noqa: E402

pytestmark = pytest.mark.slow  # every clip is tracked, filled and encoded

SIZE = (160, 96)


def box_of(mask, pad=3):
    ys, xs = np.nonzero(mask)
    return f"{xs.min() - pad},{ys.min() - pad},{xs.max() + pad + 1},{ys.max() + pad + 1}"


@pytest.fixture(scope="module")
def shoot(tmp_path_factory):
    """in/: a photo, a clip, a clip in a sub-folder (the same scene, shorter),
    and a text file named like a clip; the scene's truth."""
    root = tmp_path_factory.mktemp("clips")
    folder = root / "in"
    (folder / "sub").mkdir(parents=True)
    s = scene(n=12, size=SIZE)
    write_clip(folder / "walk.mp4", s.frames)
    write_clip(folder / "sub" / "short.mp4", s.frames[:8])
    Image.fromarray(s.frames[0]).save(folder / "still.png")
    (folder / "notes.mp4").write_text("not a clip\n")
    return root, folder, s


def test_clips_are_found_by_content():
    assert is_video_header(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00")
    assert is_video_header(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81")  # Matroska / WebM
    assert is_video_header(b"RIFF\x00\x10\x00\x00AVI LIST")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"
    assert is_image_header(heic) and not is_video_header(heic)
    assert not is_video_header(b"not a clip\n\x00\x00\x00\x00\x00")


def test_a_folder_of_clips_and_photos_is_erased(shoot, tmp_path):
    """The same box on every file: the photo erased as `remove` does, each
    clip as `eraser.erase_video` does (decoded frames equal), with its frame
    count and timestamps; the helmet is gone from the clips' frames."""
    _, folder, s = shoot
    out = tmp_path / "out"
    found = {p.relative: p.video for p in find_photos(str(folder), True, clips=True)}
    assert found == {"still.png": False, "walk.mp4": True, "sub/short.mp4": True}
    assert [p.relative for p in find_photos(str(folder), True)] == ["still.png"]  # photos only, as before
    report = eraser.batch(str(folder), str(out), recursive=True, boxes=[box_of(s.masks[0])], inpainter="telea",
                          jobs=1)
    records = {r.photo: r for r in report.records}
    assert {k: r.status for k, r in records.items()} == {"still.png": "done", "walk.mp4": "done",
                                                         "sub/short.mp4": "done"}, report.failed
    assert records["walk.mp4"].frames == 12 and records["walk.mp4"].erased == 12
    assert records["sub/short.mp4"].frames == 8
    x0, y0, x1, y1 = (int(v) for v in box_of(s.masks[0]).split(","))
    reference = eraser.erase_video(folder / "walk.mp4", tmp_path / "ref.mp4", box=[(x0, y0, x1, y1)],
                                   inpainter="telea")
    got, want = read_frames(out / "walk.mp4"), read_frames(tmp_path / "ref.mp4")
    assert len(got) == len(want) == 12 and all(np.array_equal(a, b) for a, b in zip(got, want))
    assert probe(out / "walk.mp4").pts == probe(folder / "walk.mp4").pts
    assert reference.erased == 12
    original = read_frames(folder / "walk.mp4")
    for i in (0, 6, 11):
        assert psnr(got[i], s.backgrounds[i], s.masks[i]) > psnr(original[i], s.backgrounds[i], s.masks[i]) + 5
    still = np.asarray(Image.open(out / "still.png").convert("RGB"))
    assert still.shape == s.frames[0].shape
    # a rerun does only what is left
    again = eraser.batch(str(folder), str(out), recursive=True, boxes=[box_of(s.masks[0])], inpainter="telea", jobs=1)
    assert {r.status for r in again.records} == {"skipped"}


def test_prompts_file_names_a_clips_frame_and_masks_come_out_as_clips(shoot, tmp_path):
    """A prompts record for a clip may say on which frame its prompts are;
    --save-mask writes a clip's masks as a clip named by its stem."""
    _, folder, s = shoot
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(json.dumps({"photo": "walk.mp4", "boxes": [box_of(s.masks[6])], "frame": 6}) + "\n")
    report = eraser.batch(str(folder), str(tmp_path / "out"), recursive=True, prompts=str(prompts),
                          inpainter="telea", save_mask=str(tmp_path / "masks"), jobs=1)
    assert [(r.photo, r.status) for r in report.records] == [("walk.mp4", "done")], report.failed
    masks = read_frames(tmp_path / "masks" / "walk.mp4")
    assert len(masks) == 12
    for i in (0, 6, 11):  # tracked both ways from frame 6: each mask covers that frame's helmet
        covered = masks[i][..., 0] > 127
        assert covered[s.masks[i]].mean() > 0.9 and covered.mean() < 0.5
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"photo": "still.png", "points": ["10,10"], "frame": 2}) + "\n")
    with pytest.raises(eraser.EraserError, match="frame and at are for clips"):
        eraser.batch(str(folder), str(tmp_path / "bad"), prompts=str(bad), jobs=1)
    assert not (tmp_path / "bad").exists()


def test_a_bad_clip_fails_alone(shoot, tmp_path, eraser_cli):
    """A truncated clip and a box past a clip's frame: those fail with one
    line each, the rest is done, exit 1; the CLI lists them."""
    _, folder, s = shoot
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    data = (folder / "walk.mp4").read_bytes()
    (mixed / "good.mp4").write_bytes(data)
    (mixed / "cut.mp4").write_bytes(data[: len(data) // 2])
    prompts = tmp_path / "p.csv"
    prompts.write_text(f'photo,boxes,frame\ngood.mp4,"{box_of(s.masks[0])}",\ncut.mp4,"{box_of(s.masks[0])}",\n')
    code, _, err = eraser_cli("batch", str(mixed), "-o", str(tmp_path / "out"), "--prompts", str(prompts),
                              "-i", "telea", "-j", "1")
    assert code == 1, err
    assert "failed: cut.mp4: " in err and "1 done" in err and "1 failed" in err, err
    assert (tmp_path / "out" / "good.mp4").is_file() and not (tmp_path / "out" / "cut.mp4").exists()
    assert len(read_frames(tmp_path / "out" / "good.mp4")) == 12
