"""`eraser batch`: every file a run writes has a name of its own, decided
before any work; two photos whose files would share a name make the run a
usage error (exit 2, one line, nothing written), with --force too."""

import numpy as np
import pytest
from PIL import Image

import eraser
from eraser import EraserError

PHOTO = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)


def _photos(folder, names):
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(PHOTO).save(path, format="PNG" if name.lower().endswith(".png") else "JPEG")


@pytest.mark.parametrize("names", [["a.jpg", "a.png"], ["b.jpg", "b.JPG"], ["c.jpeg", "c.tif", "d.jpg"]])
@pytest.mark.parametrize("force", [False, True])
def test_masks_named_alike_are_a_usage_error_before_any_work(eraser_cli, tmp_path, names, force):
    _photos(tmp_path / "in", names)
    args = ["batch", tmp_path / "in", "-o", tmp_path / "out", "--save-mask", tmp_path / "masks",
            "--box", "2,2,12,12", "-i", "telea", "-q"] + (["--force"] if force else [])
    code, out, err = eraser_cli(*args)
    assert code == 2, err
    (line,) = err.splitlines()
    assert line.startswith("error: ") and "would both write" in line and "--save-mask" in line
    assert names[0] in line and names[1] in line
    assert not (tmp_path / "out").exists() and not (tmp_path / "masks").exists()


def test_a_mask_folder_inside_the_output_may_not_meet_an_output(tmp_path):
    _photos(tmp_path / "in", ["a.png", "masks/a.png"])
    with pytest.raises(EraserError, match="would both write"):
        eraser.batch(tmp_path / "in", tmp_path / "out", recursive=True, save_mask=tmp_path / "out" / "masks",
                     boxes=["2,2,12,12"], inpainter="telea")
    assert not (tmp_path / "out").exists()


def test_distinct_names_still_run(tmp_path):
    _photos(tmp_path / "in", ["a.jpg", "a2.png", "sub/a.png"])
    report = eraser.batch(tmp_path / "in", tmp_path / "out", recursive=True, save_mask=tmp_path / "masks",
                          boxes=["2,2,12,12"], inpainter="telea")
    assert [r.status for r in report.records] == ["done"] * 3
    assert sorted(p.relative_to(tmp_path / "masks").as_posix() for p in (tmp_path / "masks").rglob("*.png")) == \
        ["a.png", "a2.png", "sub/a.png"]
