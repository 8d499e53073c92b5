"""Before/after snapshots of every sample with the point segmenter and
PatchMatch, through the CLI (the pictures at the top of the README), compared
with snapshots/<sample>/point-patchmatch.png beside this file under the core
snapshots' tolerance (see tests/test_snapshots.py).

Update after an intended change:
    pytest plugins/eraser-patchmatch/tests/test_patchmatch_snapshots.py --force-regen
(then look at the new images before committing them).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("eraser_patchmatch", reason="eraser-patchmatch is not installed")

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples"
NAMES = sorted(p.name for p in SAMPLES.iterdir() if (p / "prompts.json").exists())


@pytest.mark.parametrize("name", NAMES)
def test_sample_snapshot(eraser_cli, image_snapshot, tmp_path, name):
    sample = SAMPLES / name
    photo = next(sample.glob("photo.*"))
    prompts = json.loads((sample / "prompts.json").read_text())
    points = "+".join(f"{x},{y}" for x, y in prompts["points"])
    out = tmp_path / "out.png"
    args = ["--point", points, "--segmenter", "point", "--inpainter", "patchmatch"]
    code, _, err = eraser_cli("remove", photo, *args, "-o", out, "-q")
    assert code == 0, err
    with Image.open(out) as im:
        result = np.asarray(im)
    image_snapshot.check(result, HERE / "snapshots" / name / "point-patchmatch.png")
