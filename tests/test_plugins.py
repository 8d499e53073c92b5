import numpy as np
import pytest

from eraser import hookimpl, plugins
from eraser.prompts import Prompt
from eraser.errors import EraserError


class Calls:
    def __init__(self):
        self.built = 0


def make_inpainter_plugin(name, calls=None, priority=0, available=None):
    calls = calls if calls is not None else Calls()

    class Fill:
        def inpaint(self, image, mask):
            out = image.copy()
            out[mask] = 7
            return out

    def factory():
        calls.built += 1
        return Fill()

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register(name, factory, priority=priority, available=available, description="test fill")

    return Plugin()


def test_builtin_backends_come_from_entry_points():
    inpainters = plugins.backends("inpainter")
    segmenters = plugins.backends("segmenter")
    assert {"telea", "ns"} <= set(inpainters)
    assert {"mask", "grabcut", "point"} <= set(segmenters)
    assert inpainters["telea"].plugin == "opencv"
    builtins = {i.name for i in plugins.plugin_info() if i.builtin}
    assert {"opencv", "classic"} <= builtins


def test_registration_is_lazy_and_instances_are_built_once(register_plugin):
    calls = Calls()
    register_plugin(make_inpainter_plugin("lazy-fill", calls), name="lazy")
    spec = plugins.choose("inpainter", "lazy-fill")
    assert calls.built == 0  # listed and chosen, not built
    first = plugins.instance(spec)
    assert plugins.instance(spec) is first
    assert calls.built == 1
    assert spec.plugin == "lazy"


def test_unknown_backend_lists_the_choices():
    with pytest.raises(EraserError) as err:
        plugins.choose("inpainter", "nope")
    message = str(err.value)
    assert "unknown inpainter 'nope'" in message
    assert "telea" in message and "ns" in message and "auto" in message


def test_two_plugins_registering_one_name_is_an_error_naming_both(register_plugin):
    register_plugin(make_inpainter_plugin("telea"), name="impostor")
    with pytest.raises(EraserError) as err:
        plugins.backends("inpainter")
    message = str(err.value)
    assert "'opencv' (from eraser)" in message and "'impostor'" in message


def test_auto_picks_the_highest_priority_available_backend(register_plugin):
    register_plugin(make_inpainter_plugin("best", priority=1000), name="best")
    register_plugin(
        make_inpainter_plugin("better-but-missing", priority=2000, available=lambda: "model not installed"),
        name="missing",
    )
    assert plugins.choose("inpainter", "auto").name == "best"
    with pytest.raises(EraserError, match="not available: model not installed"):
        plugins.choose("inpainter", "better-but-missing")


def test_segmenter_must_accept_the_prompt_kind():
    with pytest.raises(EraserError, match="does not accept a point prompt"):
        plugins.choose("segmenter", "grabcut", Prompt(points=((1.0, 1.0),), labels=(1,)))
    assert plugins.choose("segmenter", "auto", Prompt(mask=np.zeros((2, 2)))).name == "mask"
    assert plugins.choose("segmenter", "auto", Prompt(box=(0, 0, 2, 2))).name == "grabcut"
