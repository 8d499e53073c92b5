"""Plugin discovery through real entry points: fake distributions (dist-info
folders on sys.path) that are good, broken, conflicting, misspelled or
raising, each kept from taking eraser down."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import eraser
from eraser import plugins, registry
from eraser.errors import PluginWarning

MODULES = {
    "good_plugin": """
        from eraser import hookimpl

        class Fill:
            def inpaint(self, image, mask):
                out = image.copy()
                out[mask] = 0
                return out

        @hookimpl
        def register_inpainters(register):
            register("good-fill", Fill, description="fills with black")
    """,
    "broken_plugin": "import a_module_that_does_not_exist\n",
    "conflict_plugin": """
        from eraser import hookimpl

        @hookimpl
        def register_inpainters(register):
            register("telea", object)
    """,
    "misspelled_plugin": """
        from eraser import hookimpl

        @hookimpl
        def register_inpainter(register):
            register("never", object)
    """,
    "raising_plugin": """
        from eraser import hookimpl

        @hookimpl
        def register_segmenters(register):
            raise RuntimeError("boom")
    """,
    "flaky_plugin": """
        from eraser import hookimpl

        class Fill:
            def inpaint(self, image, mask):
                return image.copy()

        def check():
            raise RuntimeError("cannot tell")

        @hookimpl
        def register_inpainters(register):
            register("flaky", Fill, priority=10_000, available=check)
    """,
    "exiting_plugin": "raise SystemExit(3)\n",
    "interrupting_plugin": "raise KeyboardInterrupt\n",
    "exiting_hook_plugin": """
        import sys
        from eraser import hookimpl

        @hookimpl
        def register_inpainters(register):
            sys.exit("bye")
    """,
    "sloppy_plugin": """
        from eraser import hookimpl

        class Fill:
            def inpaint(self, image, mask):
                return image.copy()

        @hookimpl
        def register_inpainters(register):
            register(None, Fill)
            register(3, Fill)
            register("auto", Fill)
            register("two words", Fill)
            register("eager", Fill, priority="high")
            register("not-callable", 42)
            register("tidy", Fill, description="registered right")
    """,
    "sloppy_segmenter_plugin": """
        from eraser import hookimpl

        class Cut:
            def segment(self, image, prompt):
                raise AssertionError("never chosen")

        @hookimpl
        def register_segmenters(register):
            register("letters", Cut, prompts="pt")
            register("huge", Cut, priority=10**6, prompts=())
            register("unsure", Cut, priority=10**6, available="no")
    """,
    "odd_hooks_plugin": """
        from eraser import hookimpl

        @hookimpl(wrapper=True)
        def register_inpainters(register):
            register("wrapped", object)
            return (yield)
    """,
    "wrong_argument_plugin": """
        from eraser import hookimpl

        @hookimpl
        def register_inpainters(reg):
            reg("never", object)
    """,
    "none_entry_plugin": "NOTHING = None\n",
    "unprintable_plugin": """
        class Unprintable(Exception):
            def __str__(self):
                raise ValueError("no")

        raise Unprintable()
    """,
    "reentrant_plugin": """
        from eraser import hookimpl, registry

        @hookimpl
        def register_inpainters(register):
            if "telea" in registry.backends("inpainter"):
                register("copycat", object)
    """,
    "impostor_plugin": """
        from eraser import hookimpl

        @hookimpl
        def register_inpainters(register):
            register("impostor-fill", object)
    """,
}


def make_dist(site, dist, entry_name, module, attribute=None):
    (site / f"{module}.py").write_text(textwrap.dedent(MODULES[module]))
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    target = f"{module}:{attribute}" if attribute else module
    (info / "entry_points.txt").write_text(f"[eraser]\n{entry_name} = {target}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder of fake installed distributions, seen by a fresh plugin manager."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    registry.reset()
    yield site
    for name in MODULES:
        sys.modules.pop(name, None)
    registry.reset()


def load(site):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plugins.get_plugin_manager()
    return [str(w.message) for w in caught]


def registrations(site):
    """Warnings from loading the plugins and running their hooks."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plugins.get_plugin_manager()
        registry.backends("inpainter")
    return [str(w.message) for w in caught]


def assert_eraser_works(eraser_cli):
    """`eraser plugins` lists the built-ins and a real removal runs."""
    code, out, err = eraser_cli("plugins", "--json")
    assert code == 0, err
    rows = {row["name"]: row for row in json.loads(out)}
    assert {"opencv", "classic"} <= set(rows)
    image = np.zeros((40, 50, 3), np.uint8)
    image[:, 25:] = 200
    image[15:25, 20:30] = (255, 0, 0)  # a red square on the boundary
    mask = np.zeros((40, 50), np.uint8)
    mask[15:25, 20:30] = 255
    out = eraser.remove(image, mask=mask, inpainter="telea")
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not (out[18:22, 23:27] == (255, 0, 0)).all(axis=-1).any(), "the red square is still there"
    assert np.array_equal(out[:5], image[:5]), "pixels far from the hole changed"


def test_good_broken_misspelled_and_raising_plugins(site, eraser_cli):
    make_dist(site, "fake-good", "good", "good_plugin")
    make_dist(site, "fake-broken", "broken", "broken_plugin")
    make_dist(site, "fake-misspelled", "misspelled", "misspelled_plugin")
    make_dist(site, "fake-raising", "raising", "raising_plugin")
    messages = load(site)
    assert any("'broken' (fake-broken)" in m and "ModuleNotFoundError" in m for m in messages)
    assert any("'misspelled' (fake-misspelled)" in m and "register_inpainter" in m for m in messages)
    # The good plugin works next to the broken ones, built-ins too. Hooks run
    # once, when the registry is first used.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inpainters = registry.backends("inpainter")
        segmenters = registry.backends("segmenter")
    assert inpainters["good-fill"].plugin == "good" and "telea" in inpainters
    assert "grabcut" in segmenters
    assert any("'raising' (fake-raising)" in str(w.message) and "boom" in str(w.message) for w in caught)

    code, out, _ = eraser_cli("plugins", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["good"]["distribution"] == "fake-good" and rows["good"]["version"] == "1.0"
    assert rows["good"]["builtin"] is False and rows["good"]["hooks"] == ["register_inpainters"]
    assert [b["name"] for b in rows["good"]["inpainters"]] == ["good-fill"]
    assert rows["broken"]["error"].startswith("ModuleNotFoundError")
    assert rows["raising"]["error"] == "RuntimeError: boom"
    assert rows["opencv"]["builtin"] is True


def test_two_distributions_registering_one_name(site, eraser_cli):
    # Issue 9: the third party's registration is skipped with one warning
    # naming both distributions; every command keeps working.
    make_dist(site, "fake-conflict", "conflict", "conflict_plugin")
    messages = registrations(site)
    clash = [m for m in messages if "'telea'" in m]
    assert len(clash) == 1 and "\n" not in clash[0]
    assert "'opencv' (eraser)" in clash[0] and "'conflict' (fake-conflict)" in clash[0]
    assert registry.backends("inpainter")["telea"].plugin == "opencv"
    code, out, _ = eraser_cli("plugins")
    assert code == 0
    assert "warning: inpainter 'telea' is already registered by 'opencv' (eraser)" in out
    code, out, _ = eraser_cli("plugins", "--json")
    row = {r["name"]: r for r in json.loads(out)}["conflict"]
    assert row["conflicts"] == [{"kind": "inpainter", "name": "telea", "kept": "opencv", "kept_distribution": "eraser"}]
    assert_eraser_works(eraser_cli)


def test_disabling_and_blocking_plugins(site, monkeypatch):
    make_dist(site, "fake-good", "good", "good_plugin")
    make_dist(site, "fake-conflict", "conflict", "conflict_plugin")
    monkeypatch.setenv(plugins.ENV_DISABLE, "1")
    load(site)
    assert "good-fill" not in registry.backends("inpainter")  # and no conflict either
    skipped = {i.name: i.skipped for i in plugins.plugin_info() if i.skipped}
    assert {"good", "conflict"} <= set(skipped) and "opencv" not in skipped  # patchmatch too, if installed
    assert "telea" in registry.backends("inpainter")

    monkeypatch.delenv(plugins.ENV_DISABLE)
    monkeypatch.setenv(plugins.ENV_BLOCK, "conflict, opencv")
    registry.reset()
    load(site)
    inpainters = registry.backends("inpainter")
    assert "good-fill" in inpainters and "telea" not in inpainters


def test_an_availability_check_that_raises(site, eraser_cli):
    make_dist(site, "fake-flaky", "flaky", "flaky_plugin")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # The highest priority, but its check raises: auto passes it over.
        assert registry.choose("inpainter", "auto").name != "flaky"
        assert "flaky" not in [s.name for s in registry.candidates("inpainter")]
        with pytest.raises(eraser.EraserError, match="its availability check raised RuntimeError: cannot tell"):
            registry.choose("inpainter", "flaky")
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert messages == [
        "eraser plugin 'flaky' (fake-flaky): the availability check of inpainter 'flaky' raised RuntimeError: cannot tell"
    ]  # once, however often it is asked
    code, out, _ = eraser_cli("plugins", "--json")
    entry = {r["name"]: r for r in json.loads(out)}["flaky"]["inpainters"][0]
    assert entry["available"] is False and "cannot tell" in entry["unavailable"]
    code, out, _ = eraser_cli("plugins")
    assert code == 0 and "[unavailable: its availability check raised RuntimeError: cannot tell]" in out
    assert_eraser_works(eraser_cli)


@pytest.mark.parametrize(
    "module, error",
    [("exiting_plugin", "SystemExit: 3"), ("interrupting_plugin", "KeyboardInterrupt"),
     ("exiting_hook_plugin", "SystemExit: bye")],
)
def test_exit_or_interrupt_in_a_plugin_disables_only_that_plugin(site, eraser_cli, module, error):
    # A KeyboardInterrupt raised by a plugin's own code is the plugin's fault,
    # not a Ctrl-C (which is still raised: see the next test).
    make_dist(site, "fake-quitter", "quitter", module)
    messages = registrations(site)
    assert f"eraser plugin 'quitter' (fake-quitter) was disabled: {error}" in messages
    code, out, _ = eraser_cli("plugins", "--json")
    assert {r["name"]: r for r in json.loads(out)}["quitter"]["error"] == error
    code, out, _ = eraser_cli("plugins")
    assert code == 0 and f"quitter (fake-quitter 1.0)\n  failed to load: {error}" in out
    assert_eraser_works(eraser_cli)


@pytest.fixture
def ctrl_c_handled():
    """Python's own Ctrl-C handler for the test, as in a terminal. A process
    started in the background by a non-interactive shell (`cmd &`, as CI
    runners and nohup may start pytest) inherits SIGINT ignored, and Python
    then leaves it ignored: there is no Ctrl-C to deliver."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _loading_is_interrupted(site, dist, module, source):
    """A plugin whose import gets a real Ctrl-C: loading the plugins raises it."""
    MODULES[module] = source
    try:
        make_dist(site, dist, module.removesuffix("_plugin"), module)
        with pytest.raises(KeyboardInterrupt):
            plugins.get_plugin_manager()
    finally:
        del MODULES[module]
        sys.modules.pop(module, None)


def test_a_real_ctrl_c_while_loading_plugins_still_interrupts(site, ctrl_c_handled):
    # A plugin slow to import; the user presses Ctrl-C meanwhile.
    # The kill goes to any thread of the process; its handler runs in the main
    # thread when Python gets to it, which on a busy machine can be after
    # os.kill returns: the import goes on meanwhile, as a slow one would.
    _loading_is_interrupted(site, "fake-slow", "slow_plugin", (
        "import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\n"
        "for _ in range(3000):\n    time.sleep(0.01)\n"
    ))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_ctrl_c_that_lands_in_a_finalizer_while_loading_plugins_still_interrupts(site, ctrl_c_handled):
    # Python drops an exception raised inside a __del__ or a weakref callback
    # ("Exception ignored"); the import system runs such callbacks, and a real
    # Ctrl-C can be handled inside one.
    _loading_is_interrupted(site, "fake-finalizing", "finalizing_plugin", (
        "import signal\n"
        "class Finalizer:\n"
        "    def __del__(self):\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "Finalizer()\n"
    ))


def test_bad_registrations_are_skipped_one_by_one(site, eraser_cli):
    make_dist(site, "fake-sloppy", "sloppy", "sloppy_plugin")
    make_dist(site, "fake-sloppy-cut", "sloppy-cut", "sloppy_segmenter_plugin")
    messages = registrations(site)
    sloppy = [m for m in messages if m.startswith("eraser plugin 'sloppy' (fake-sloppy): ")]
    assert all("\n" not in m for m in messages)
    assert len(sloppy) == 6, sloppy
    assert any("inpainter None skipped: the name must be a string, got NoneType" in m for m in sloppy)
    assert any("inpainter 3 skipped" in m for m in sloppy)
    assert any("inpainter 'auto' skipped" in m for m in sloppy)
    assert any("inpainter 'two words' skipped" in m for m in sloppy)
    assert any("inpainter 'eager' skipped: priority must be an integer, got 'high'" in m for m in sloppy)
    assert any("inpainter 'not-callable' skipped: factory must be callable, got int" in m for m in sloppy)
    cut = [m for m in messages if "'sloppy-cut' (fake-sloppy-cut)" in m]
    assert len(cut) == 3
    assert "segmenter 'letters' skipped: prompts must be a non-empty subset of ['box', 'mask', 'point']" in cut[0]
    assert "segmenter 'huge' skipped: prompts must be a non-empty subset" in cut[1]
    assert "segmenter 'unsure' skipped: available must be callable or None, got str" in cut[2]
    # The plugin's good registration, and everything else, still works.
    inpainters = registry.backends("inpainter")
    assert inpainters["tidy"].plugin == "sloppy" and "eager" not in inpainters and "telea" in inpainters
    assert registry.choose("inpainter", "auto").name != "eager"
    assert not {"letters", "huge", "unsure"} & set(registry.backends("segmenter"))
    assert registry.choose("segmenter", "auto", eraser.Prompt(box=(0, 0, 4, 4))).name == "grabcut"
    code, out, _ = eraser_cli("plugins", "--json")
    row = {r["name"]: r for r in json.loads(out)}["sloppy"]
    assert [b["name"] for b in row["inpainters"]] == ["tidy"] and len(row["warnings"]) == 6
    assert_eraser_works(eraser_cli)


def test_a_third_party_cannot_take_a_builtin_plugin_name(site, eraser_cli):
    # Whatever the order on sys.path, eraser's own 'opencv' plugin loads.
    make_dist(site, "fake-opencv", "opencv", "impostor_plugin")
    messages = registrations(site)
    assert "eraser plugin 'opencv' (fake-opencv) was not loaded: the name is taken by 'opencv' (from eraser)" in messages
    inpainters = registry.backends("inpainter")
    assert inpainters["telea"].plugin == "opencv" and "impostor-fill" not in inpainters
    code, out, _ = eraser_cli("plugins", "--json")
    rows = [r for r in json.loads(out) if r["name"] == "opencv"]
    assert [r["distribution"] for r in rows] == ["eraser", "fake-opencv"]
    assert rows[1]["skipped"] == "the name is taken by 'opencv' (from eraser)" and rows[1]["inpainters"] == []
    code, out, _ = eraser_cli("plugins")
    assert "opencv (fake-opencv 1.0)\n  not loaded: the name is taken by 'opencv' (from eraser)" in out
    assert_eraser_works(eraser_cli)


def test_the_cli_prints_each_plugin_warning_on_one_line(site):
    # A real process: what a user sees on stderr.
    make_dist(site, "fake-conflict", "conflict", "conflict_plugin")
    make_dist(site, "fake-quitter", "quitter", "interrupting_plugin")
    make_dist(site, "fake-sloppy", "sloppy", "sloppy_plugin")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    done = subprocess.run([sys.executable, "-c", "from eraser.cli import main; main()", "plugins"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 + 1 + 6, lines  # quitter, the telea clash, six bad registrations
    assert all("eraser plugin '" in line for line in lines)
    assert "telea" in done.stdout and "quitter (fake-quitter 1.0)" in done.stdout


def test_odd_plugins_are_each_one_line_and_the_rest_works(site, eraser_cli):
    make_dist(site, "fake-odd", "odd", "odd_hooks_plugin")
    make_dist(site, "fake-wrong", "wrong", "wrong_argument_plugin")
    make_dist(site, "fake-none", "none", "none_entry_plugin", attribute="NOTHING")
    make_dist(site, "fake-unprintable", "unprintable", "unprintable_plugin")
    make_dist(site, "fake-reentrant", "reentrant", "reentrant_plugin")
    messages = registrations(site)
    assert all("\n" not in m for m in messages)
    assert "eraser plugin 'odd' (fake-odd): register_inpainters as a hook wrapper is not supported; ignored" in messages
    assert any(m.startswith("eraser plugin 'wrong' (fake-wrong) was disabled: PluginValidationError") for m in messages)
    assert "eraser plugin 'none' (fake-none) was disabled: TypeError: the entry point 'none_entry_plugin:NOTHING' names None" in messages
    assert "eraser plugin 'unprintable' (fake-unprintable) was disabled: Unprintable: (its message cannot be shown)" in messages
    assert ("eraser plugin 'reentrant' (fake-reentrant) was disabled: RuntimeError: "
            "a register hook used eraser.registry while it was being built") in messages
    assert not {"wrapped", "never", "copycat"} & set(registry.backends("inpainter"))
    rows = {r["name"]: r for r in registry.report()}
    assert rows["none"]["error"].startswith("TypeError") and rows["reentrant"]["error"].startswith("RuntimeError")
    assert_eraser_works(eraser_cli)
