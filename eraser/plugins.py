"""Finding plugins and the backends they register.

Every backend, built-in or third-party, comes from a plugin found through the
``eraser`` entry-point group, so the core names no backend. Each entry point is
loaded in its own guard: a broken plugin is reported and skipped, never fatal.
"""

from __future__ import annotations

import importlib.metadata
import os
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import pluggy

from eraser import hookspecs
from eraser.backends import BackendSpec, Kind
from eraser.prompts import Prompt
from eraser.errors import EraserError

ENTRY_POINT_GROUP = "eraser"
CORE_DISTRIBUTION = "eraser"
# Set to 1 to load only the built-in plugins (for a broken installation).
ENV_DISABLE = "ERASER_DISABLE_PLUGINS"
# Comma-separated entry-point names of plugins not to load.
ENV_BLOCK = "ERASER_BLOCK_PLUGINS"
HOOK_FOR_KIND: dict[str, str] = {
    "segmenter": "register_segmenters",
    "inpainter": "register_inpainters",
}


@dataclass
class PluginInfo:
    name: str
    distribution: Optional[str] = None
    version: Optional[str] = None
    builtin: bool = False
    error: Optional[str] = None
    skipped: Optional[str] = None  # why it was not loaded on purpose
    hooks: list[str] = field(default_factory=list)


_manager: Optional[pluggy.PluginManager] = None
_info: dict[str, PluginInfo] = {}
_instances: dict[tuple, object] = {}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loading entry points on first use."""
    global _manager
    if _manager is None:
        pm = pluggy.PluginManager("eraser")
        pm.add_hookspecs(hookspecs)
        _load_entry_points(pm)
        _manager = pm
    return _manager


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    disable_external = os.environ.get(ENV_DISABLE, "").strip().lower() in ("1", "true", "yes")
    blocked = {n.strip() for n in os.environ.get(ENV_BLOCK, "").split(",") if n.strip()}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _info:
            continue  # the same distribution seen twice on sys.path
        dist = ep.dist.name if ep.dist is not None else None
        info = PluginInfo(
            name=ep.name,
            distribution=dist,
            version=ep.dist.version if ep.dist is not None else None,
            builtin=dist == CORE_DISTRIBUTION,
        )
        _info[ep.name] = info
        if ep.name in blocked:
            info.skipped = f"blocked by {ENV_BLOCK}"
            continue
        if disable_external and not info.builtin:
            info.skipped = f"third-party plugins disabled by {ENV_DISABLE}"
            continue
        try:
            pm.register(ep.load(), name=ep.name)
            # A hook implementation with a misspelled name or argument.
            pm.check_pending()
        except Exception as exc:  # a broken plugin must not take eraser down
            _fail(pm, info, exc)


def _fail(pm: pluggy.PluginManager, info: PluginInfo, exc: BaseException) -> None:
    info.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    plugin = pm.get_plugin(info.name)
    if plugin is not None:
        pm.unregister(plugin)
    warnings.warn(f"eraser plugin {info.name!r} ({info.distribution}) was disabled: {info.error}", stacklevel=3)


def reset() -> None:
    """Forget loaded plugins and built backends; the next use loads them again."""
    global _manager
    _manager = None
    _info.clear()
    _instances.clear()


def plugin_info() -> list[PluginInfo]:
    """Every plugin seen: loaded ones, failed ones and in-process ones."""
    pm = get_plugin_manager()
    infos = []
    for name, plugin in pm.list_name_plugin():
        info = _info.get(name) or PluginInfo(name=name)
        info.hooks = sorted(impl.name for impl in pm.get_hookcallers(plugin) or [])
        infos.append(info)
    infos.extend(i for i in _info.values() if i.error is not None or i.skipped is not None)
    return sorted(infos, key=lambda i: (not i.builtin, i.name))


def backends(kind: Kind) -> dict[str, BackendSpec]:
    """All backends of one kind, by name, as registered right now.

    Each hook implementation is called on its own so that every backend knows
    the plugin that registered it, and a clash names both plugins.
    """
    pm = get_plugin_manager()
    hook = getattr(pm.hook, HOOK_FOR_KIND[kind])
    found: dict[str, BackendSpec] = {}
    for impl in hook.get_hookimpls():
        plugin_name = impl.plugin_name

        def register(
            name: str,
            factory: Callable[[], object],
            *,
            description: str = "",
            priority: int = 0,
            working_size: Optional[int] = None,
            detail: bool = True,
            prompts: tuple[str, ...] = ("point", "box"),
            available: Optional[Callable[[], Optional[str]]] = None,
            _plugin: str = plugin_name,
        ) -> None:
            if name in found:
                raise EraserError(
                    f"{kind} {name!r} is registered by two plugins: "
                    f"{_describe(found[name].plugin)} and {_describe(_plugin)}"
                )
            found[name] = BackendSpec(
                kind=kind,
                name=name,
                factory=factory,
                plugin=_plugin,
                description=description,
                priority=priority,
                working_size=working_size,
                detail=detail,
                prompts=frozenset(prompts) if kind == "segmenter" else frozenset(),
                available=available,
            )

        try:
            impl.function(**{arg: register for arg in impl.argnames})
        except EraserError:
            raise
        except Exception as exc:  # this plugin's backends are lost, the others stay
            info = _info.setdefault(plugin_name, PluginInfo(name=plugin_name))
            if info.error is None:
                _fail(pm, info, exc)
            for name in [n for n, spec in found.items() if spec.plugin == plugin_name]:
                del found[name]
    return found


def _describe(plugin_name: str) -> str:
    info = _info.get(plugin_name)
    if info is not None and info.distribution:
        return f"{plugin_name!r} (from {info.distribution})"
    return repr(plugin_name)


def choose(kind: Kind, name: str, prompt: Optional[Prompt] = None) -> BackendSpec:
    """The backend called ``name``, or the best available one for ``auto``."""
    specs = backends(kind)
    if name == "auto":
        usable = [
            s
            for s in specs.values()
            if (prompt is None or prompt.kind in s.prompts) and s.unavailable_reason() is None
        ]
        if not usable:
            what = f" for a {prompt.kind} prompt" if prompt is not None else ""
            raise EraserError(f"no {kind} is available{what}; see `eraser plugins`")
        return max(usable, key=lambda s: (s.priority, s.name))
    if name not in specs:
        choices = ", ".join(["auto", *sorted(specs)])
        raise EraserError(f"unknown {kind} {name!r}; choose one of: {choices}")
    spec = specs[name]
    if prompt is not None and prompt.kind not in spec.prompts:
        accepts = ", ".join(sorted(spec.prompts))
        raise EraserError(
            f"{kind} {name!r} does not accept a {prompt.kind} prompt (it accepts: {accepts})"
        )
    reason = spec.unavailable_reason()
    if reason is not None:
        raise EraserError(f"{kind} {name!r} is not available: {reason}")
    return spec


def instance(spec: BackendSpec) -> object:
    """The backend object for ``spec``, built once per process."""
    key = (spec.kind, spec.name, spec.factory)
    if key not in _instances:
        _instances[key] = spec.factory()
    return _instances[key]
