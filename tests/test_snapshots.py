"""Before/after snapshots: every sample through the CLI, compared with the
stored result in samples/<name>/expected/ (built-in backends only; the
README's PatchMatch pictures are eraser-patchmatch's own snapshots).

Tolerance (eraser.testing.Tolerance defaults): a pixel differs when a channel
is off by more than 8 levels; at most 0.5% of pixels may differ and the mean
difference must stay under 0.5 levels. That absorbs OpenCV/libjpeg build
differences and catches any real change of a fill.

Update after an intended change:  pytest tests/test_snapshots.py --force-regen
(then look at the new images before committing them).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

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
    out = tmp_path / "out.png"
    code, _, err = eraser_cli("remove", photo, *CONFIGS[config](prompts), "-o", out, "-q")
    assert code == 0, err
    with Image.open(out) as im:
        result = np.asarray(im)
    image_snapshot.check(result, sample / "expected" / f"{config}.png")
