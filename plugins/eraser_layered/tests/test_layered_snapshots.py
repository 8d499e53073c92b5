"""Before/after snapshots of the README's showcase samples with the point
segmenter and ``layered`` (the default offline fill), through the CLI,
compared with snapshots/<sample>/point-layered.png beside this file under the
core snapshots' tolerance (see tests/test_snapshots.py).

Update after an intended change:
    pytest plugins/eraser_layered/tests/test_layered_snapshots.py --force-regen
(then look at the new images before committing them).
"""

from pathlib import Path

import pytest

from eraser.testing import Tolerance

# see tests/test_snapshots.py: 2% of the largest region is the 0.5% of the photo allowed before
TOLERANCE = Tolerance(max_share=0.02)
HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples"
# The two the README shows; bench/fill_sheets.py draws all of them side by side.
NAMES = ["astronaut_helmet", "coins_coin"]

pytestmark = pytest.mark.slow  # whole sample photos through the CLI, compared with snapshots


@pytest.mark.parametrize("name", NAMES)
def test_sample_snapshot(edit_sample, image_snapshot, name):
    result, photo, removal = edit_sample(name, "layered")
    path = HERE / "snapshots" / name / "point-layered.png"
    image_snapshot.check(result, path, TOLERANCE, before=photo, mask=removal)
