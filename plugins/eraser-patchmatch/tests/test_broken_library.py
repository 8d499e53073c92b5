"""pypatchmatch installed but its compiled library failing to load (a wheel
for another platform, a missing libopencv): ``guarded`` and ``patchmatch``
say so where backends are listed and chosen, ``auto`` fills with the next
inpainter (``layered``) with one clear note, never a traceback."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("eraser_patchmatch", reason="eraser-patchmatch is not installed")

from eraser import EraserError, pipeline, registry  # noqa: E402
from eraser.prompts import Prompt  # noqa: E402

# The library failing as the loader fails it (a wheel for another platform,
# a missing libopencv): pypatchmatch then imports, logs one line and raises
# RuntimeError on every call.
BREAK_THE_LIBRARY = """
import ctypes

load = ctypes.CDLL

def fail(name, *args, **kwargs):
    if str(name).endswith("libpatchmatch.so"):
        raise OSError("libpatchmatch.so: cannot open shared object file: No such file or directory")
    return load(name, *args, **kwargs)

ctypes.CDLL = fail
"""


@pytest.fixture
def broken_library(monkeypatch):
    from patchmatch import patch_match

    monkeypatch.setattr(patch_match, "_lib", None)
    monkeypatch.setattr(patch_match, "patchmatch_available", False)


@pytest.mark.parametrize("name", ["guarded", "patchmatch"])
def test_unavailable_with_a_reason_and_a_named_one_is_one_line(broken_library, name):
    reason = registry.backends("inpainter")[name].unavailable_reason()
    assert reason is not None and "pypatchmatch" in reason
    with pytest.raises(EraserError, match=f"{name}.*not available.*pypatchmatch"):
        registry.choose("inpainter", name)


def test_pypatchmatch_that_cannot_be_imported_is_a_reason_too(monkeypatch):
    for module in ("patchmatch", "patchmatch.patch_match"):
        monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    reason = registry.backends("inpainter")["guarded"].unavailable_reason()
    assert reason is not None and reason.startswith("pypatchmatch cannot be imported (ModuleNotFoundError")


def test_auto_fills_with_layered_and_says_why(broken_library):
    image = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    hole = np.zeros((60, 80), np.float32)
    hole[20:40, 30:50] = 1
    result = pipeline.run(image, [Prompt(mask=hole)])
    assert result.inpainter == "layered"
    assert any("'guarded' is not available" in note and "pypatchmatch" in note for note in result.notices)
    assert not any("failed" in note for note in result.notices)


def test_the_cli_fills_with_layered_one_note_no_traceback(tmp_path):
    """A real process whose pypatchmatch cannot load its library, from import on."""
    import cv2

    image = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    mask = np.zeros((60, 80), np.uint8)
    mask[20:40, 30:50] = 255
    cv2.imwrite(str(tmp_path / "photo.png"), image)
    cv2.imwrite(str(tmp_path / "mask.png"), mask)
    cli = BREAK_THE_LIBRARY + "import sys\nfrom eraser.cli import main\nsys.argv[0] = 'eraser'\nmain()\n"
    done = subprocess.run([sys.executable, "-c", cli, "inpaint", "photo.png", "-m", "mask.png", "-o", "out.png"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "inpainted with layered" in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    # one note naming the fill that was passed over and why; pypatchmatch's own
    # log line is not printed beside it
    assert [line for line in lines if "guarded" in line] == [
        line for line in lines if line.startswith("note:") and "'guarded' is not available" in line
        and "cannot open shared object file" in line]
    assert not any(line.startswith("patchmatch failed to load") for line in lines)
    assert (tmp_path / "out.png").is_file()
