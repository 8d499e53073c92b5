"""A photo with transparent parts: the colour hidden under alpha 0 (magenta,
black: whatever the cutting-out editor left) never reaches the fill.

Found in a first-time user's tryout: the cup erased from a PNG with a
transparent band above it came out bright magenta (13,128 opaque pixels),
by the CLI and the page alike."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser import Session
from eraser.transparency import hidden_colours_filled

ROOT = Path(__file__).resolve().parents[1]
CUP = ROOT / "samples" / "coffee_cup"


def _cutout(tmp_path: Path, hidden: tuple[int, int, int]) -> Path:
    """The cup photo with a transparent band over its top third (touching the cup's mask)
    and a half-transparent strip, ``hidden`` under the band's alpha 0."""
    rgb = np.asarray(Image.open(CUP / "photo.jpg").convert("RGB")).copy()
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:60] = 0
    alpha[60:70] = 128
    rgb[:60] = hidden
    path = tmp_path / f"cut_{'_'.join(map(str, hidden))}.png"
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path)
    return path


@pytest.mark.parametrize("inpainter", ["telea", "layered"])
def test_what_is_hidden_under_alpha_0_does_not_change_the_visible_fill(tmp_path, inpainter):
    results = []
    for hidden in [(255, 0, 255), (0, 0, 0)]:
        session = Session(_cutout(tmp_path, hidden), inpainter=inpainter)
        session.add(mask=CUP / "mask.png")
        session.erase()
        out = np.asarray(session.to_pil())
        assert out.shape[2] == 4 and (out[..., 3] == np.asarray(Image.open(_cutout(tmp_path, hidden)))[..., 3]).all()
        results.append(out)
    visible = results[0][..., 3] > 0
    hole = np.asarray(Image.open(CUP / "mask.png").convert("L")) > 0
    assert (hole & visible).sum() > 5000  # the hole has visible pixels next to the band
    diff = np.abs(results[0][..., :3].astype(int) - results[1][..., :3].astype(int))[visible]
    assert diff.max() == 0, f"the visible fill followed the hidden colour: up to {diff.max()} levels"
    magenta = (results[0][..., 0] > 200) & (results[0][..., 1] < 60) & (results[0][..., 2] > 200) & visible
    assert magenta.sum() == 0


def test_hidden_pixels_take_the_colours_around_them():
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[:, :25] = (200, 100, 50)
    rgb[:, 25:] = (255, 0, 255)  # hidden
    alpha = np.zeros((40, 50), np.uint8)
    alpha[:, :25] = 255
    out = hidden_colours_filled(rgb, alpha)
    assert (out[:, :25] == rgb[:, :25]).all()
    assert (np.abs(out[:, 25:].astype(int) - (200, 100, 50)) <= 1).all()
    assert hidden_colours_filled(rgb, None) is rgb
    assert hidden_colours_filled(rgb, np.zeros_like(alpha)) is rgb  # nothing visible: nothing to learn from
    assert hidden_colours_filled(rgb, np.full_like(alpha, 255)) is rgb


def test_the_object_being_erased_lends_no_colour_to_what_is_hidden():
    """A white object beside a transparent band on a dark photo: the band takes the dark
    surroundings' colour, not the object's (the fill would copy that back into the hole)."""
    rgb = np.full((40, 60, 3), 30, np.uint8)
    rgb[:, 20:30] = 250  # the object, touching the band
    rgb[:, 30:] = (255, 0, 255)  # hidden
    alpha = np.full((40, 60), 255, np.uint8)
    alpha[:, 30:] = 0
    hole = np.zeros((40, 60), bool)
    hole[:, 18:32] = True
    out = hidden_colours_filled(rgb, alpha, hole)
    assert (np.abs(out[:, 30:].astype(int) - 30) <= 1).all()
    assert hidden_colours_filled(rgb, alpha, np.ones_like(hole)) is rgb  # nothing left to lend
