"""The backends and models the plugins register: built once, cached, chosen.

The registry calls each plugin's ``register_*`` hooks once (again only after a
plugin is added or removed, or after :func:`reset`), with the hook spec's
arguments by name: ``register`` is a checking callable per kind (see
:mod:`eraser.registration`). A name registered twice keeps the first, eraser's
built-in plugins before any third party's, with one
:class:`~eraser.errors.PluginWarning` naming both.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional

from eraser import plugins
from eraser.backends import Kind
from eraser.errors import EraserError
from eraser.prompts import Prompt
from eraser.registration import (  # noqa: F401  (BackendSpec and ModelSpec are part of the registry's API)
    HOOK_FOR_KIND,
    KINDS,
    BackendSpec,
    ModelSpec,
    RegisterBackend,
    RegisterModel,
    Spec,
    forget_warnings,
    note,
)


@dataclass
class _Built:
    """One pass over every plugin's hooks."""

    backends: dict[str, dict[str, BackendSpec]]
    models: dict[str, ModelSpec]
    # plugin -> what it registered that was skipped because another had the name
    conflicts: dict[str, list[dict]] = field(default_factory=dict)
    # plugin -> one line per registration skipped or ignored
    notes: dict[str, list[str]] = field(default_factory=dict)


_built: Optional[tuple[object, int, _Built]] = None
_building = threading.local()
_instances: dict[tuple, object] = {}
_lock = threading.RLock()


def _registry() -> _Built:
    global _built
    with _lock:
        if getattr(_building, "now", False):
            # A hook asking for the registry would build it again, forever.
            raise RuntimeError("a register hook used eraser.registry while it was being built")
        pm = plugins.get_plugin_manager()
        if _built is None or _built[0] is not pm or _built[1] != pm.generation:
            if _built is not None and _built[0] is not pm:
                _instances.clear()
            forget_warnings()
            _building.now = True
            try:
                built = _build(pm)
            finally:
                _building.now = False
            _built = (pm, pm.generation, built)  # after _build: it may disable plugins
        return _built[2]


def _plugin_order(pm: plugins.PluginManager) -> list[str]:
    """Plugins in load order, eraser's own first (they win every name clash)."""
    names = [name for name, plugin in pm.list_name_plugin() if plugin is not None]
    return sorted(names, key=lambda n: not plugins.info(n).builtin)


def _build(pm: plugins.PluginManager) -> _Built:
    built = _Built(backends={kind: {} for kind in KINDS}, models={})
    registered: dict[str, list[Spec]] = {}
    for plugin_name in _plugin_order(pm):
        specs = _call_hooks(pm, plugin_name, built.notes.setdefault(plugin_name, []))
        if specs is not None:
            registered[plugin_name] = specs
    for plugin_name, specs in registered.items():
        for spec in specs:
            table = built.models if isinstance(spec, ModelSpec) else built.backends[spec.kind]
            kind = "model" if isinstance(spec, ModelSpec) else spec.kind
            if spec.name in table:
                _conflict(built, kind, spec, table[spec.name])
            else:
                table[spec.name] = spec
    return built


def _call_hooks(pm: plugins.PluginManager, plugin_name: str, notes: list[str]) -> Optional[list[Spec]]:
    """Everything one plugin registers, or None if one of its hooks failed.

    Each hook gets its spec's arguments by name, so specs can grow; a hook
    that raises disables the whole plugin.
    """
    plugin = pm.get_plugin(plugin_name)
    specs: list[Spec] = []
    for kind, hook_name in HOOK_FOR_KIND.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin:
                continue
            if impl.wrapper or impl.hookwrapper:
                note(notes, plugin_name, f"{hook_name} as a hook wrapper is not supported; ignored")
                continue
            register = RegisterModel(plugin_name, notes) if kind == "model" else RegisterBackend(plugin_name, notes, kind)
            arguments = {"register": register}
            with plugins.guard() as failure:
                impl.function(*(arguments[name] for name in impl.argnames))
            register.closed = True
            if failure:
                plugins.disable(pm, plugin_name, failure[0])
                return None
            specs.extend(register.specs)
    return specs


def _conflict(built: _Built, kind: str, skipped: Spec, kept: Spec) -> None:
    note(
        built.notes.setdefault(skipped.plugin, []), skipped.plugin,
        f"{kind} {skipped.name!r} is already registered by {plugins.describe(kept.plugin, short=True)}; "
        "keeping that one",
    )
    holder = plugins.info(kept.plugin)
    built.conflicts.setdefault(skipped.plugin, []).append(
        {"kind": kind, "name": skipped.name, "kept": kept.plugin, "kept_distribution": holder.distribution}
    )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise EraserError(f"unknown backend kind {kind!r}; choose one of: {', '.join(KINDS)}")


def backends(kind: Kind) -> dict[str, BackendSpec]:
    """All backends of one kind, by name (a copy of the cached table)."""
    _check_kind(kind)
    return dict(_registry().backends[kind])


def models() -> dict[str, ModelSpec]:
    """Every model the plugins register, by name."""
    return dict(_registry().models)


def candidates(kind: Kind, prompt: Optional[Prompt] = None, capability: Optional[str] = None) -> list[BackendSpec]:
    """The available backends (that accept ``prompt``, that have
    ``capability``), best first: the order in which ``auto`` tries them."""
    usable = [
        s
        for s in backends(kind).values()
        if (prompt is None or kind != "segmenter" or prompt.kind in s.prompts)
        and (capability is None or capability in s.capabilities) and s.unavailable_reason() is None
    ]
    return sorted(usable, key=lambda s: (s.priority, s.name), reverse=True)


def choose(kind: Kind, name: str, prompt: Optional[Prompt] = None) -> BackendSpec:
    """The backend called ``name``, or the best available one for ``auto``."""
    if name == "auto":
        found = candidates(kind, prompt)
        if not found:
            what = f" for a {prompt.kind} prompt" if prompt is not None and kind == "segmenter" else ""
            raise EraserError(f"no {kind} is available{what}; see `eraser plugins`")
        return found[0]
    specs = backends(kind)
    if name not in specs:
        choices = ", ".join(["auto", *sorted(specs)])
        raise EraserError(f"unknown {kind} {name!r}; choose one of: {choices}")
    spec = specs[name]
    if prompt is not None and kind == "segmenter" and prompt.kind not in spec.prompts:
        accepts = ", ".join(sorted(spec.prompts))
        raise EraserError(f"{kind} {name!r} does not accept a {prompt.kind} prompt (it accepts: {accepts})")
    reason = spec.unavailable_reason()
    if reason is not None:
        raise EraserError(f"{kind} {name!r} is not available: {reason}")
    return spec


def build(spec: BackendSpec) -> object:
    """The backend object for ``spec``, built once per process.

    Whatever the factory raises propagates (the pipeline decides what a
    failed backend means); a failed build is tried again next time.
    """
    key = (spec.kind, spec.name, spec.plugin, spec.factory)
    with _lock:
        if key not in _instances:
            _instances[key] = spec.factory()
        return _instances[key]


def report() -> list[dict]:
    """One row per plugin, as ``eraser plugins --json`` prints them."""
    built = _registry()
    rows: dict[str, dict] = {}
    shadowed: list[dict] = []  # entry points whose name another plugin has
    for info in plugins.plugin_info():
        row = {
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "builtin": info.builtin,
            "hooks": info.hooks,
            "error": info.error,
            "skipped": info.skipped,
            "segmenters": [],
            "inpainters": [],
            "trackers": [],
            "models": [],
            "conflicts": built.conflicts.get(info.name, []),
            "warnings": built.notes.get(info.name, []),
        }
        if info.name in rows:
            row["conflicts"], row["warnings"] = [], []
            shadowed.append(row)
        else:
            rows[info.name] = row
    for kind in KINDS:
        for spec in built.backends[kind].values():
            reason = spec.unavailable_reason()
            entry = {"name": spec.name, "description": spec.description, "priority": spec.priority,
                     "available": reason is None}
            if reason is not None:
                entry["unavailable"] = reason
            if kind == "segmenter":
                entry["prompts"] = sorted(spec.prompts)
                entry["capabilities"] = sorted(spec.capabilities)
            elif kind == "inpainter":
                entry["working_size"] = spec.working_size
            rows[spec.plugin][kind + "s"].append(entry)  # every plugin has a row
    for model in built.models.values():
        rows[model.plugin]["models"].append({"name": model.name, "description": model.description})
    return [*rows.values(), *shadowed]


def reset() -> None:
    """Forget plugins, registrations and built backends; the next use loads
    everything again."""
    global _built
    with _lock:
        plugins.reset()
        _built = None
        _instances.clear()
        forget_warnings()
