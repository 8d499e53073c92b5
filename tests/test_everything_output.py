"""Segment everything's folder: what -o DIR holds after a run matches its
masks.json. Without --force a folder holding any file of an earlier run is
refused before any work; with --force the earlier run is replaced, its extra
masks removed, and files that are not a run's are left alone."""

import json

import numpy as np
import pytest

from eraser import EraserError
from eraser.everything.output import check_folder, write

PHOTO = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)


def _records(count):
    records = []
    for i in range(count):
        mask = np.zeros(PHOTO.shape[:2], bool)
        mask[i: i + 3, 2 * i: 2 * i + 4] = True
        records.append({"mask": mask, "area": int(mask.sum())})
    return records


def _listed(folder):
    return {row["file"] for row in json.loads((folder / "masks.json").read_text())}


def test_force_over_an_earlier_run_leaves_the_folder_matching_masks_json(tmp_path):
    out, source = tmp_path / "out", tmp_path / "photo.png"
    write(out, PHOTO, _records(5), source=source, overwrite=False)
    (out / "notes.txt").write_text("mine")
    write(out, PHOTO, _records(2), source=source, overwrite=True)
    assert _listed(out) == {"mask_000.png", "mask_001.png"}
    assert sorted(p.name for p in out.iterdir()) == ["mask_000.png", "mask_001.png", "masks.json", "notes.txt", "overlay.png"]
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("leftover", ["mask_007.png", "masks.json", "overlay.png", "mask_1234.png"])
def test_without_force_any_file_of_an_earlier_run_is_refused_before_any_work(tmp_path, leftover):
    out = tmp_path / "out"
    out.mkdir()
    (out / leftover).write_bytes(b"earlier")
    (out / "mask_a.png").write_bytes(b"not a run's")
    with pytest.raises(EraserError, match="earlier run.*--force"):
        check_folder(out, overwrite=False)
    with pytest.raises(EraserError):
        write(out, PHOTO, _records(2), source=tmp_path / "photo.png", overwrite=False)
    assert sorted(p.name for p in out.iterdir()) == sorted([leftover, "mask_a.png"])


def test_a_folder_with_other_files_only_is_fine(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    write(out, PHOTO, _records(1), source=tmp_path / "photo.png", overwrite=False)
    assert _listed(out) == {"mask_000.png"} and (out / "notes.txt").exists()
