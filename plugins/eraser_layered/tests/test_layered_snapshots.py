"""Before/after snapshots of the README's showcase samples with the point
segmenter and ``layered`` (the default offline fill), through the CLI,
compared with snapshots/<sample>/point-layered.png beside this file under the
core snapshots' tolerance (see tests/test_snapshots.py).

Update after an intended change:
    pytest plugins/eraser_layered/tests/test_layered_snapshots.py --force-regen
(then look at the new images before committing them).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples"
# The two the README shows; bench/fill_sheets.py draws all of them side by side.
NAMES = ["astronaut_helmet", "coins_coin"]


@pytest.mark.parametrize("name", NAMES)
def test_sample_snapshot(eraser_cli, image_snapshot, tmp_path, name):
    sample = SAMPLES / name
    photo = next(sample.glob("photo.*"))
    prompts = json.loads((sample / "prompts.json").read_text())
    points = "+".join(f"{x},{y}" for x, y in prompts["points"])
    out = tmp_path / "out.png"
    args = ["--point", points, "--segmenter", "point", "--inpainter", "layered"]
    code, _, err = eraser_cli("remove", photo, *args, "-o", out, "-q")
    assert code == 0, err
    with Image.open(out) as im:
        result = np.asarray(im)
    image_snapshot.check(result, HERE / "snapshots" / name / "point-layered.png")
