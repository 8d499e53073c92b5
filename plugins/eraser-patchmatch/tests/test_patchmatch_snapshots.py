"""Before/after snapshots of every sample with the point segmenter and
PatchMatch, through the CLI (the pictures at the top of the README), compared
with snapshots/<sample>/point-patchmatch.png beside this file under the core
snapshots' tolerance (see tests/test_snapshots.py).

Update after an intended change:
    pytest plugins/eraser-patchmatch/tests/test_patchmatch_snapshots.py --force-regen
(then look at the new images before committing them).
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

pytest.importorskip("eraser_patchmatch", reason="eraser-patchmatch is not installed")

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples"
NAMES = sorted(p.name for p in SAMPLES.iterdir() if (p / "prompts.json").exists())


@pytest.mark.parametrize("name", NAMES)
def test_sample_snapshot(remove_sample, image_snapshot, name):
    image_snapshot.check(remove_sample(name, "patchmatch"), HERE / "snapshots" / name / "point-patchmatch.png")
