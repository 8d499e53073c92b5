"""Before/after snapshots of every sample with the point segmenter and
PatchMatch and `guarded`, through the CLI (`guarded`'s are the pictures at the
top of the README), compared with snapshots/<sample>/point-<inpainter>.png beside this file under the core
snapshots' tolerance, inside the refined mask and outside it (see
tests/test_snapshots.py).

Update after an intended change:
    pytest plugins/eraser-patchmatch/tests/test_patchmatch_snapshots.py --force-regen
(then look at the new images before committing them).
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

pytest.importorskip("eraser_patchmatch", reason="eraser-patchmatch is not installed")

from eraser.testing import Tolerance  # noqa: E402

# see tests/test_snapshots.py: 2% of the largest region is the 0.5% of the photo allowed before
TOLERANCE = Tolerance(max_share=0.02)
HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples"
NAMES = sorted(p.name for p in SAMPLES.iterdir() if (p / "prompts.json").exists())


@pytest.mark.parametrize("inpainter", ["patchmatch", "guarded"])
@pytest.mark.parametrize("name", NAMES)
def test_sample_snapshot(edit_sample, image_snapshot, name, inpainter):
    result, photo, removal = edit_sample(name, inpainter)
    path = HERE / "snapshots" / name / f"point-{inpainter}.png"
    image_snapshot.check(result, path, TOLERANCE, before=photo, mask=removal)
