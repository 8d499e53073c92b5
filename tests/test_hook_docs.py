"""Every hook is documented in the plugin guide and exercised by a test."""

import inspect
from pathlib import Path

from eraser import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("register_"))


def signature(hook: str) -> str:
    """``name(arg, ...)`` read from the spec itself, so specs can grow."""
    return f"{hook}({', '.join(inspect.signature(getattr(hookspecs, hook)).parameters)})"


def test_there_are_hooks():
    assert HOOKS == ["register_inpainters", "register_models", "register_segmenters", "register_trackers"]
    assert signature("register_models") == "register_models(register)"


def test_every_hook_is_documented_in_the_guide():
    guide = (ROOT / "docs" / "plugins.md").read_text()
    for hook in HOOKS:
        assert f"### `{signature(hook)}`" in guide, f"{hook} has no section in docs/plugins.md"


def test_every_hook_is_implemented_by_a_test_plugin():
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py") if p.name != "test_hook_docs.py")
    for hook in HOOKS:
        assert f"def {hook}(" in tests, f"no test implements {hook}"
