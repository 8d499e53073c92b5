"""A person's explicit choice wins: an --exclude click stays out of the saved
mask and its pixel is unchanged, even where the 10 px widening would reach it."""

import numpy as np
from PIL import Image


def test_an_excluded_click_next_to_the_object_is_not_swallowed_by_the_widening(eraser_cli, tmp_path):
    # A flat bar crossing a box (the fork over a plate): the box selects the plate,
    # the exclusion is a click on the bar 4 px from the plate's edge.
    image = np.full((120, 160, 3), 90, np.uint8)
    yy, xx = np.mgrid[0:120, 0:160]
    plate = (xx - 80) ** 2 + (yy - 60) ** 2 <= 30**2
    image[plate] = (230, 230, 230)
    image[56:64, :] = (30, 60, 200)  # the bar, over the plate
    photo = tmp_path / "plate.png"
    Image.fromarray(image).save(photo)
    click = (114, 60)  # on the bar, 4 px right of the plate
    mask_with = tmp_path / "mask.png"
    plate_mask = tmp_path / "plate-mask.png"
    Image.fromarray(plate.astype(np.uint8) * 255).save(plate_mask)
    # The widening alone reaches the click...
    code, _, err = eraser_cli("inpaint", photo, "--mask", plate_mask, "--dilate", "10", "--feather", "5",
                              "--inpainter", "telea", "-o", tmp_path / "plain.png", "-q")
    assert code == 0, err
    plain = np.asarray(Image.open(tmp_path / "plain.png").convert("RGB"))
    assert not np.array_equal(plain[click[1], click[0]], image[click[1], click[0]])
    # ... and with --exclude it stops short: the click is outside the saved mask and unchanged.
    code, _, err = eraser_cli("remove", photo, "--mask", plate_mask, "--exclude", f"{click[0]},{click[1]}",
                              "--inpainter", "telea", "-o", tmp_path / "out.png", "--save-mask", mask_with, "-q")
    assert code == 0, err
    saved = np.asarray(Image.open(mask_with))
    out = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"))
    assert saved[click[1], click[0]] == 0
    assert np.array_equal(out[click[1], click[0]], image[click[1], click[0]])
    assert saved[plate].min() > 0 and saved[60, 80] == 255  # the plate itself is still removed
