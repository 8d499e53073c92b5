"""Plugin discovery through real entry points: fake distributions (dist-info
folders on sys.path) that are good, broken, conflicting, misspelled or
raising, each kept from taking eraser down."""

import json
import sys
import textwrap
import warnings

import pytest

from eraser import plugins
from eraser.errors import EraserError

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
}


def make_dist(site, dist, entry_name, module):
    (site / f"{module}.py").write_text(textwrap.dedent(MODULES[module]))
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[eraser]\n{entry_name} = {module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder of fake installed distributions, seen by a fresh plugin manager."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    plugins.reset()
    yield site
    for name in MODULES:
        sys.modules.pop(name, None)
    plugins.reset()


def load(site):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plugins.get_plugin_manager()
    return [str(w.message) for w in caught]


def test_good_broken_misspelled_and_raising_plugins(site, eraser_cli):
    make_dist(site, "fake-good", "good", "good_plugin")
    make_dist(site, "fake-broken", "broken", "broken_plugin")
    make_dist(site, "fake-misspelled", "misspelled", "misspelled_plugin")
    make_dist(site, "fake-raising", "raising", "raising_plugin")
    messages = load(site)
    assert any("'broken' (fake-broken)" in m and "ModuleNotFoundError" in m for m in messages)
    assert any("'misspelled' (fake-misspelled)" in m and "register_inpainter" in m for m in messages)
    # The good plugin works next to the broken ones, built-ins too.
    inpainters = plugins.backends("inpainter")
    assert inpainters["good-fill"].plugin == "good" and "telea" in inpainters
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        segmenters = plugins.backends("segmenter")
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
    make_dist(site, "fake-conflict", "conflict", "conflict_plugin")
    load(site)
    with pytest.raises(EraserError) as err:
        plugins.backends("inpainter")
    assert "'opencv' (from eraser)" in str(err.value) and "'conflict' (from fake-conflict)" in str(err.value)
    code, _, err_text = eraser_cli("plugins")
    assert code == 2 and "registered by two plugins" in err_text


def test_disabling_and_blocking_plugins(site, monkeypatch):
    make_dist(site, "fake-good", "good", "good_plugin")
    make_dist(site, "fake-conflict", "conflict", "conflict_plugin")
    monkeypatch.setenv(plugins.ENV_DISABLE, "1")
    load(site)
    assert "good-fill" not in plugins.backends("inpainter")  # and no conflict either
    skipped = {i.name: i.skipped for i in plugins.plugin_info() if i.skipped}
    assert {"good", "conflict"} <= set(skipped) and "opencv" not in skipped  # patchmatch too, if installed
    assert "telea" in plugins.backends("inpainter")

    monkeypatch.delenv(plugins.ENV_DISABLE)
    monkeypatch.setenv(plugins.ENV_BLOCK, "conflict, opencv")
    plugins.reset()
    load(site)
    inpainters = plugins.backends("inpainter")
    assert "good-fill" in inpainters and "telea" not in inpainters
