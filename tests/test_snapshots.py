"""Before/after snapshots: every sample through the CLI, compared with the
stored result in samples/<name>/expected/ (built-in backends only; the
README's PatchMatch pictures are eraser-patchmatch's own snapshots).

Tolerance (docs/testing.md): the edited region is the refined mask the CLI
saves (--save-mask); outside it no pixel may move from the photo by more than
2 levels; inside it at most 2% of pixels may differ by more than 8 levels (the
default allows 3%; 2% of the largest sample's region, coffee_cup's quarter of
the photo, is the 0.5% of the whole photo these tests allowed before), the
worst channel's mean difference stays under 2 levels and no blob of pixels off
by more than 16 levels is larger than 32 px. Measured: the edits of another
OpenCV/Pillow build and of other JPEG decoders pass, an 8x8 blot, a colour
cast of 10 levels and a fill pasted 2 px off fail.

Update after an intended change:  pytest tests/test_snapshots.py --force-regen
(then look at the new images before committing them).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser.testing import Tolerance

TOLERANCE = Tolerance(max_share=0.02)

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
NAMES = sorted(p.name for p in SAMPLES.iterdir() if (p / "prompts.json").exists())

# name -> CLI arguments built from the sample's prompts. Each names its
# backends, built-in ones, so the snapshots do not depend on what else is
# installed; eraser-patchmatch keeps its own snapshots in its tests.
CONFIGS = {
    "box-telea": lambda p: ["--box", ",".join(map(str, p["box"])), "--inpainter", "telea"],
    "point-ns": lambda p: ["--point", "+".join(f"{x},{y}" for x, y in p["points"]), "--segmenter", "point", "--inpainter", "ns"],
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("name", NAMES)
def test_sample_snapshot(eraser_cli, image_snapshot, tmp_path, name, config):
    sample = SAMPLES / name
    photo = next(sample.glob("photo.*"))
    prompts = json.loads((sample / "prompts.json").read_text())
    out, mask = tmp_path / "out.png", tmp_path / "mask.png"
    code, _, err = eraser_cli("remove", photo, *CONFIGS[config](prompts), "-o", out, "--save-mask", mask, "-q")
    assert code == 0, err
    with Image.open(out) as im, Image.open(mask) as m, Image.open(photo) as before:
        result, removal, before = np.asarray(im), np.asarray(m), np.asarray(before)
    image_snapshot.check(result, sample / "expected" / f"{config}.png", TOLERANCE, before=before, mask=removal)
