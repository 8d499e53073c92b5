"""The image_snapshot fixture as a project outside eraser uses it, in a pytest
run of its own (pytester): a missing snapshot is written and the test fails
once, then passes; a blot in the fill fails with a message naming the blob and
a diff image, and leaves the snapshot alone; --force-regen rewrites it."""

import re
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # five pytest runs of their own (pytester)
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
pytest_plugins = ["pytester"]

FIXTURE_TEST = '''
import numpy as np
from PIL import Image
import eraser

PHOTO = r"{photo}"
MASK = r"{mask}"


def test_coin(image_snapshot):
    photo = np.asarray(Image.open(PHOTO))
    result, removal = eraser.remove(photo, mask=np.asarray(Image.open(MASK)), inpainter="telea", return_mask=True)
    result = np.array(result)
    {defect}
    image_snapshot.check(result, "snapshots/coin.png", before=photo, mask=removal)
'''


def test_the_fixture_writes_fails_and_regenerates(pytester):
    folder = SAMPLES / "coins_coin"

    def write(defect="pass"):
        pytester.makepyfile(test_coin=FIXTURE_TEST.format(photo=folder / "photo.png", mask=folder / "mask.png",
                                                          defect=defect))

    write()
    snapshot = pytester.path / "snapshots" / "coin.png"
    first = pytester.runpytest("-p", "no:cacheprovider")
    first.assert_outcomes(failed=1)
    assert snapshot.exists()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    stored = snapshot.read_bytes()

    write("result[117:125, 268:276] += 40")  # inside the coin's hole
    failed = pytester.runpytest("-p", "no:cacheprovider")
    failed.assert_outcomes(failed=1)
    text = failed.stdout.str()
    assert "failed: blob\n" in text and "64 px at x 268-275, y 117-124" in text
    diff = Path(re.search(r"diff: (\S+\.diff\.png)", text).group(1))
    with Image.open(diff) as im:
        assert im.size == (3 * 384, 303)
    assert snapshot.read_bytes() == stored  # a failure never touches the snapshot

    pytester.runpytest("-p", "no:cacheprovider", "--force-regen").assert_outcomes(failed=1)
    assert snapshot.read_bytes() != stored
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)

    write()  # back to the good edit: --regen-all rewrites and passes
    pytester.runpytest("-p", "no:cacheprovider", "--regen-all").assert_outcomes(passed=1)
    assert snapshot.read_bytes() == stored
