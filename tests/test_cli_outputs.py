"""Two outputs naming one file, or an output naming an input, are refused
before any work (exit 2), whatever the spelling: relative paths, '..',
symbolic and hard links."""

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SPOON = Path(__file__).resolve().parent.parent / "samples" / "coffee_spoon"


@pytest.fixture
def work(tmp_path, monkeypatch):
    shutil.copy(SPOON / "photo.jpg", tmp_path / "photo.jpg")
    shutil.copy(SPOON / "mask.png", tmp_path / "mask.png")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


COLLISIONS = [
    ("remove", ["--box", "10,10,50,50", "-o", "o.png", "--save-mask", "o.png"], "same file"),
    ("remove", ["--box", "10,10,50,50", "-o", "o.png", "--compare", "o.png"], "same file"),
    ("remove", ["--box", "10,10,50,50", "--save-mask", "c.png", "--compare", "c.png"], "same file"),
    ("remove", ["--box", "10,10,50,50", "-o", "o.png", "--save-mask", "./sub/../o.png"], "same file"),
    ("remove", ["--box", "10,10,50,50", "-o", "o.png", "--save-mask", "{work}/o.png"], "same file"),
    ("remove", ["--box", "10,10,50,50", "-o", "o.png", "--save-mask", "link.png"], "same file"),
    ("remove", ["--box", "10,10,50,50", "-o", "o.png", "--compare", "o.png", "--force"], "same file"),
    ("inpaint", ["--mask", "mask.png", "-o", "o.png", "--compare", "sub/../o.png"], "same file"),
]


@pytest.mark.parametrize("command, args, fragment", COLLISIONS, ids=[" ".join(a[2:]) for _, a, _ in COLLISIONS])
def test_two_outputs_naming_one_file_are_refused(eraser_cli, work, command, args, fragment):
    os.symlink("o.png", work / "link.png")  # dangling until o.png would be written
    before = _snapshot(work)
    args = [a.format(work=work) for a in args]
    code, out, err = eraser_cli(command, "photo.jpg", *args, "-i", "telea")
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert fragment in err
    assert _snapshot(work) == before


def test_hard_linked_existing_outputs_are_one_file(eraser_cli, work):
    (work / "o.png").write_bytes(b"old")
    os.link(work / "o.png", work / "hard.png")
    before = _snapshot(work)
    code, _, err = eraser_cli("remove", "photo.jpg", "--box", "10,10,50,50", "-o", "o.png", "--save-mask", "hard.png", "--force")
    assert code == 2 and "same file" in err, err
    assert _snapshot(work) == before


INPUTS = [
    ("remove", ["--mask", "mask.png", "-o", "mask.png", "--force"]),
    ("remove", ["--mask", "mask.png", "--save-mask", "mask.png", "--force"]),
    ("remove", ["--mask", "mask.png", "--compare", "sub/../mask.png", "--force"]),
    ("remove", ["--mask", "mask.png", "-o", "masklink.png", "--force"]),
    ("remove", ["--mask", "mask.png", "-o", "maskhard.png", "--force"]),
    ("inpaint", ["--mask", "mask.png", "-o", "mask.png", "--force"]),
    ("inpaint", ["--mask", "mask.png", "--compare", "maskhard.png", "--force"]),
    ("remove", ["--box", "10,10,50,50", "-o", "photolink.jpg", "--force"]),
    ("remove", ["--box", "10,10,50,50", "--save-mask", "photo.jpg", "--force"]),
    ("segment", ["--box", "10,10,50,50", "-o", "./photo.jpg", "--force"]),
]


@pytest.mark.parametrize("command, args", INPUTS, ids=[" ".join(a) for _, a in INPUTS])
def test_no_output_overwrites_an_input_even_with_force(eraser_cli, work, command, args):
    os.symlink("mask.png", work / "masklink.png")
    os.link(work / "mask.png", work / "maskhard.png")
    os.symlink(work / "photo.jpg", work / "photolink.jpg")
    before = _snapshot(work)
    code, out, err = eraser_cli(command, "photo.jpg", *args, "-i" if command != "segment" else "-s", "telea" if command != "segment" else "grabcut")
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "input" in err, err
    assert _snapshot(work) == before


def test_distinct_outputs_are_all_written(eraser_cli, work):
    code, _, err = eraser_cli(
        "remove", "photo.jpg", "--mask", "mask.png", "-i", "telea", "-o", "o.png", "--save-mask", "sub/m.png", "--compare", "c.png"
    )
    assert code == 0, err
    assert Image.open("o.png").size == (600, 400)
    assert np.asarray(Image.open("sub/m.png")).max() == 255
    assert Image.open("c.png").size[1] == 400
