"""eraser-patchmatch's own tests: found through its entry point, the contract
kit from eraser.testing, and the texture it is installed for."""

import importlib.metadata

import numpy as np
import pytest

pytest.importorskip("eraser_patchmatch", reason="eraser-patchmatch is not installed")

from eraser import pipeline, plugins, registry  # noqa: E402
from eraser.prompts import Prompt  # noqa: E402
from eraser.testing import InpainterContract  # noqa: E402


class TestPatchMatchContract(InpainterContract):
    inpainter = "patchmatch"


def test_registered_through_the_entry_point_of_its_own_distribution():
    (ep,) = [e for e in importlib.metadata.entry_points(group="eraser") if e.name == "patchmatch"]
    assert ep.dist.name == "eraser-patchmatch"
    spec = registry.backends("inpainter")["patchmatch"]
    assert spec.plugin == "patchmatch" and spec.working_size is not None
    info = {i.name: i for i in plugins.plugin_info()}["patchmatch"]
    assert info.distribution == "eraser-patchmatch" and not info.builtin


def test_fills_a_large_hole_with_texture_where_telea_smears():
    """On a stripe texture, PatchMatch keeps the stripes' contrast in the hole."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:160, 0:200]
    stripes = ((xx // 6) % 2 * 120 + 60 + rng.normal(0, 4, xx.shape)).clip(0, 255).astype(np.uint8)
    image = np.repeat(stripes[..., None], 3, axis=2)
    hole = np.zeros((160, 200), np.float32)
    hole[40:120, 50:150] = 1.0
    inner = (slice(55, 105), slice(65, 135))  # well inside the hole
    contrast = {}
    for name in ("patchmatch", "telea"):
        out = pipeline.run(image, [Prompt(mask=hole)], inpainter=name).image
        contrast[name] = float(out[inner].std())
    assert contrast["patchmatch"] > 30  # the original stripes have a std of about 60
    assert contrast["patchmatch"] > 2 * contrast["telea"]  # measured: 60 against 24


def test_only_the_hole_changes_and_the_object_is_gone(check_scene_erased):
    """The core's pipeline test (tests/test_pipeline.py), with PatchMatch."""
    check_scene_erased("patchmatch")
