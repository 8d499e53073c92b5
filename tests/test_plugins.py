import warnings

import numpy as np
import pytest

from eraser import hookimpl, plugins, registry
from eraser.prompts import Prompt
from eraser.errors import EraserError, PluginWarning


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
    inpainters = registry.backends("inpainter")
    segmenters = registry.backends("segmenter")
    assert {"telea", "ns"} <= set(inpainters)
    assert {"mask", "grabcut", "point"} <= set(segmenters)
    assert inpainters["telea"].plugin == "opencv"
    builtins = {i.name for i in plugins.plugin_info() if i.builtin}
    assert {"opencv", "classic"} <= builtins


def test_registration_is_lazy_and_instances_are_built_once(register_plugin):
    calls = Calls()
    register_plugin(make_inpainter_plugin("lazy-fill", calls), name="lazy")
    spec = registry.choose("inpainter", "lazy-fill")
    assert calls.built == 0  # listed and chosen, not built
    first = registry.build(spec)
    assert registry.build(spec) is first
    assert calls.built == 1
    assert spec.plugin == "lazy"


def test_unknown_backend_lists_the_choices():
    with pytest.raises(EraserError) as err:
        registry.choose("inpainter", "nope")
    message = str(err.value)
    assert "unknown inpainter 'nope'" in message
    assert "telea" in message and "ns" in message and "auto" in message


def test_a_name_registered_twice_keeps_the_builtin_and_warns_naming_both(register_plugin):
    # Issue 9: a clash used to be an error that stopped every command; now the
    # first registration (a built-in's) is kept and one warning names both.
    register_plugin(make_inpainter_plugin("telea"), name="impostor")
    with pytest.warns(PluginWarning) as caught:
        spec = registry.choose("inpainter", "telea")
    assert spec.plugin == "opencv"
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "\n" not in messages[0]
    assert "'opencv' (eraser)" in messages[0] and "'impostor' (in-process)" in messages[0]
    row = {r["name"]: r for r in registry.report()}["impostor"]
    assert row["conflicts"] == [{"kind": "inpainter", "name": "telea", "kept": "opencv", "kept_distribution": "eraser"}]
    assert row["inpainters"] == []


def test_auto_picks_the_highest_priority_available_backend(register_plugin):
    register_plugin(make_inpainter_plugin("best", priority=1000), name="best")
    register_plugin(
        make_inpainter_plugin("better-but-missing", priority=2000, available=lambda: "model not installed"),
        name="missing",
    )
    assert registry.choose("inpainter", "auto").name == "best"
    with pytest.raises(EraserError, match="not available: model not installed"):
        registry.choose("inpainter", "better-but-missing")


def test_segmenter_must_accept_the_prompt_kind():
    with pytest.raises(EraserError, match="does not accept a point prompt"):
        registry.choose("segmenter", "grabcut", Prompt(points=((1.0, 1.0),), labels=(1,)))
    assert registry.choose("segmenter", "auto", Prompt(mask=np.zeros((2, 2)))).name == "mask"
    assert registry.choose("segmenter", "auto", Prompt(box=(0, 0, 2, 2))).name == "grabcut"


def test_hooks_run_once_and_again_after_a_plugin_is_added(register_plugin):
    calls = []

    class Counting:
        @hookimpl
        def register_inpainters(self, register):
            calls.append(type(register).__name__)
            register("counted", lambda: None)

    register_plugin(Counting(), name="counting")
    for _ in range(3):
        assert "counted" in registry.backends("inpainter")
        registry.candidates("inpainter")
        registry.report()
    assert calls == ["RegisterBackend"]  # the typed register, once
    register_plugin(make_inpainter_plugin("later"), name="later")
    assert "later" in registry.backends("inpainter") and len(calls) == 2
    registry.reset()
    assert "telea" in registry.backends("inpainter")


def test_candidates_are_the_available_backends_best_first(register_plugin):
    register_plugin(make_inpainter_plugin("first", priority=3000), name="first")
    register_plugin(make_inpainter_plugin("second", priority=2000), name="second")
    register_plugin(make_inpainter_plugin("off", priority=2500, available=lambda: "no GPU"), name="off")
    names = [s.name for s in registry.candidates("inpainter")]
    assert names[:2] == ["first", "second"] and "off" not in names and "telea" in names
    priorities = [s.priority for s in registry.candidates("inpainter")]
    assert priorities == sorted(priorities, reverse=True)
    point = Prompt(points=((1.0, 1.0),), labels=(1,))
    assert all("point" in s.prompts for s in registry.candidates("segmenter", point))
    with pytest.raises(EraserError, match="unknown backend kind"):
        registry.candidates("painter")


def test_build_lets_a_failing_factory_raise_and_tries_again(register_plugin):
    attempts = []

    def factory():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("device busy")
        return object()

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register("moody", factory)

    register_plugin(Plugin(), name="moody")
    spec = registry.choose("inpainter", "moody")
    with pytest.raises(OSError, match="device busy"):
        registry.build(spec)
    built = registry.build(spec)
    assert registry.build(spec) is built and len(attempts) == 2


def test_register_after_the_hook_returned_is_ignored(register_plugin):
    kept = []

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            kept.append(register)
            register("early", lambda: None)

    register_plugin(Plugin(), name="hoarder")
    registry.backends("inpainter")
    with pytest.warns(PluginWarning, match="register\\(\\) was called after its hook returned"):
        kept[0]("late", lambda: None)
    assert "late" not in registry.backends("inpainter") and "early" in registry.backends("inpainter")


def convert(checkpoint, out_dir):
    out = out_dir / "weights.bin"
    out.write_bytes(checkpoint.read_bytes()[::-1])
    return [out]


class ModelPlugin:
    """A third-party plugin adding a model to `eraser models`."""

    @hookimpl
    def register_models(self, register):
        register(
            "tiny-net",
            description="a tiny test network",
            filename="tiny.ckpt",
            converter=convert,
            url="https://example.invalid/tiny.ckpt",
            md5="0123456789ABCDEF0123456789abcdef",
            license="MIT",
            files=["weights.bin"],
        )
        register("no-converter", description="broken", filename="x.ckpt", converter="pkg:convert")
        register("escaping", description="broken", filename="../x.ckpt", converter=convert)
        register("odd-extras", description="broken", filename="x.ckpt", converter=convert, extras={"a b": convert})


def test_plugins_register_models(register_plugin, tmp_path):
    register_plugin(ModelPlugin(), name="tiny")
    with pytest.warns(PluginWarning) as caught:
        models = registry.models()
    spec = models["tiny-net"]
    assert isinstance(spec, registry.ModelSpec) and spec.plugin == "tiny"
    assert (spec.filename, spec.url, spec.md5, spec.license, spec.files) == (
        "tiny.ckpt", "https://example.invalid/tiny.ckpt", "0123456789abcdef0123456789abcdef", "MIT", ("weights.bin",)
    )
    checkpoint = tmp_path / "tiny.ckpt"
    checkpoint.write_bytes(b"abc")
    (tmp_path / "out").mkdir()
    assert spec.convert(checkpoint, tmp_path / "out") == [tmp_path / "out" / "weights.bin"]
    assert (tmp_path / "out" / "weights.bin").read_bytes() == b"cba"
    messages = [str(w.message) for w in caught]
    assert "no-converter" not in models and "escaping" not in models and "odd-extras" not in models
    assert any("model 'no-converter' skipped: converter must be callable, got str" in m for m in messages)
    assert any("model 'escaping' skipped: filename must be a plain file name" in m for m in messages)
    assert any("model 'odd-extras' skipped: extras must map names" in m for m in messages)
    row = {r["name"]: r for r in registry.report()}["tiny"]
    assert row["models"] == [{"name": "tiny-net", "description": "a tiny test network"}]
    assert row["hooks"] == ["register_models"] and len(row["warnings"]) == 3


def test_a_model_name_registered_twice_keeps_the_first(register_plugin):
    register_plugin(ModelPlugin(), name="tiny")
    register_plugin(ModelPlugin(), name="tiny-again")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert registry.models()["tiny-net"].plugin == "tiny"
    assert "eraser plugin 'tiny-again' (in-process): model 'tiny-net' is already registered by 'tiny' (in-process); " \
        "keeping that one" in [str(w.message) for w in caught]


class Fill:
    def inpaint(self, image, mask):
        return image.copy()


def registering(*calls, kind="inpainters"):
    """An in-process plugin making the given register calls ((args, kwargs) pairs)."""

    def hook(register):
        for args, kwargs in calls:
            register(*args, **kwargs)

    plugin = type("Plugin", (), {})()
    setattr(plugin, f"register_{kind}", hookimpl(hook))
    return plugin


def record(action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


def test_each_bad_option_skips_only_its_registration(register_plugin):
    register_plugin(registering(
        (("bad-size", Fill), {"working_size": 0}),
        (("bad-size-2", Fill), {"working_size": 512.0}),
        (("bad-detail", Fill), {"detail": "yes"}),
        (("bad-description", Fill), {"description": None}),
        (("bad-available", Fill), {"available": "yes"}),
        (("bool-priority", Fill), {"priority": True}),
        (("x" * 65, Fill), {}),
        (("fine", Fill), {"description": "two\nlines", "working_size": 256}),
    ), name="options")
    found, messages = record(lambda: registry.backends("inpainter"))
    assert len(messages) == 7 and all("\n" not in m for m in messages)
    assert all(m.startswith("eraser plugin 'options' (in-process): inpainter ") for m in messages)
    assert "working_size must be a positive integer or None, got 0" in messages[0]
    assert "detail must be True or False, got 'yes'" in messages[2]
    assert "description must be a string, got NoneType" in messages[3]
    assert "priority must be an integer, got True" in messages[5]
    assert found["fine"].description == "two lines" and found["fine"].working_size == 256
    assert [name for name in found if registry.backends("inpainter")[name].plugin == "options"] == ["fine"]


def test_a_name_registered_twice_by_one_plugin_keeps_the_first(register_plugin):
    first, second = (lambda: Fill()), (lambda: Fill())
    register_plugin(registering((("twice", first), {}), (("twice", second), {})), name="repeat")
    found, messages = record(lambda: registry.backends("inpainter"))
    assert found["twice"].factory is first
    assert messages == ["eraser plugin 'repeat' (in-process): inpainter 'twice' is already registered by "
                        "'repeat' (in-process); keeping that one"]


def test_unknown_options_are_ignored_with_a_warning(register_plugin):
    # A plugin written for a later eraser (or a typo) keeps its backend.
    register_plugin(registering((("future", Fill), {"priorty": 5, "gpu": True})), name="future")
    found, messages = record(lambda: registry.backends("inpainter"))
    assert found["future"].priority == 0
    assert messages == ["eraser plugin 'future' (in-process): inpainter 'future': unknown option(s) gpu, priorty ignored"]


@pytest.mark.parametrize("raised", [SystemExit(1), KeyboardInterrupt(), MemoryError("big"), RecursionError()])
def test_availability_checks_that_raise_anything(register_plugin, raised):
    def check():
        raise raised

    register_plugin(make_inpainter_plugin("touchy", priority=10_000, available=check), name="touchy")
    spec, messages = record(lambda: registry.choose("inpainter", "auto"))
    assert spec.name != "touchy"
    assert len(messages) == 1 and f"raised {type(raised).__name__}" in messages[0]


@pytest.mark.parametrize(
    "answer, reason",
    [(None, None), (True, None), (False, "its plugin says it cannot run here"), ("", "its plugin says it cannot run here"),
     ("needs\n  a GPU", "needs a GPU"), (0, "its availability check returned int, not None or a reason")],
)
def test_availability_answers(register_plugin, answer, reason):
    register_plugin(make_inpainter_plugin("answering", available=lambda: answer), name="answering")
    found, messages = record(lambda: registry.backends("inpainter")["answering"].unavailable_reason())
    assert found == reason
    assert len(messages) == (1 if answer == 0 and answer is not False else 0)
