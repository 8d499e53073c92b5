"""Finding and loading plugins: the ``eraser`` entry-point group.

Every backend, built-in or third-party, comes from a plugin found through the
``eraser`` entry-point group, so the core names no backend. Each entry point is
loaded in its own guard: a broken plugin is reported in one warning and
skipped, never fatal. What the plugins register is :mod:`eraser.registry`'s
business.
"""

from __future__ import annotations

import importlib.metadata
import os
import signal
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional

import pluggy

from eraser import hookspecs
from eraser.errors import PluginWarning

ENTRY_POINT_GROUP = "eraser"
CORE_DISTRIBUTION = "eraser"
# Set to 1 to load only the built-in plugins (for a broken installation).
ENV_DISABLE = "ERASER_DISABLE_PLUGINS"
# Comma-separated entry-point names of plugins not to load.
ENV_BLOCK = "ERASER_BLOCK_PLUGINS"


@dataclass
class PluginInfo:
    name: str
    distribution: Optional[str] = None
    version: Optional[str] = None
    builtin: bool = False
    error: Optional[str] = None
    skipped: Optional[str] = None  # why it was not loaded on purpose
    hooks: list[str] = field(default_factory=list)


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, counting changes so that the registry built from it
    knows when a plugin was added or removed (tests and embedders register
    plugin objects in-process)."""

    def __init__(self) -> None:
        super().__init__("eraser")
        self.generation = 0

    def register(self, plugin, name=None):
        try:
            return super().register(plugin, name)
        finally:
            self.generation += 1

    def unregister(self, plugin=None, name=None):
        try:
            return super().unregister(plugin, name)
        finally:
            self.generation += 1


_manager: Optional[PluginManager] = None
_info: dict[str, PluginInfo] = {}
# Entry points of other distributions with a name already loaded.
_shadowed: dict[tuple[str, Optional[str]], PluginInfo] = {}
_lock = threading.RLock()


def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager, loading entry points on first use."""
    global _manager
    with _lock:
        if _manager is None:
            pm = PluginManager()
            pm.add_hookspecs(hookspecs)
            try:
                _load_entry_points(pm)
            except BaseException:  # a real Ctrl-C, or warnings made errors (-W error)
                _info.clear()  # so that the next use starts over
                _shadowed.clear()
                raise
            _manager = pm
        return _manager


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    """The group's entry points, eraser's own first: a third-party
    distribution cannot take a built-in plugin's name by coming first on
    sys.path."""
    found = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    return sorted(found, key=lambda ep: _distribution(ep) != CORE_DISTRIBUTION)


def _distribution(ep: importlib.metadata.EntryPoint) -> Optional[str]:
    return ep.dist.name if ep.dist is not None else None


def _load_entry_points(pm: PluginManager) -> None:
    disable_external = os.environ.get(ENV_DISABLE, "").strip().lower() in ("1", "true", "yes")
    blocked = {n.strip() for n in os.environ.get(ENV_BLOCK, "").split(",") if n.strip()}
    for ep in _entry_points():
        dist = _distribution(ep)
        if ep.name in _info:
            if _info[ep.name].distribution != dist and (ep.name, dist) not in _shadowed:
                why = f"the name is taken by {describe(ep.name)}"
                _shadowed[ep.name, dist] = PluginInfo(ep.name, dist, ep.dist.version if ep.dist else None, skipped=why)
                warn(f"eraser plugin {ep.name!r} ({dist}) was not loaded: {why}")
            continue  # else the same distribution seen twice on sys.path
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
        with guard() as failure:
            plugin = ep.load()
            if plugin is None:  # pluggy would skip it without a word
                raise TypeError(f"the entry point {ep.value!r} names None")
            pm.register(plugin, name=ep.name)
            # A hook implementation with a misspelled name or argument.
            pm.check_pending()
        if failure:
            disable(pm, ep.name, failure[0])


@contextmanager
def guard() -> Iterator[list[BaseException]]:
    """Run plugin code, catching whatever it raises into the yielded list.

    ``SystemExit`` and ``KeyboardInterrupt`` raised by a plugin's own code are
    the plugin's fault and are caught like any error; a Ctrl-C the user really
    pressed meanwhile (seen by a SIGINT handler installed for the duration)
    is raised again.
    """
    failure: list[BaseException] = []
    with _noting_ctrl_c() as pressed:
        try:
            yield failure
        except BaseException as exc:  # noqa: B902 - a plugin must not take eraser down
            if pressed and not isinstance(exc, Exception):  # the Ctrl-C's own exception
                raise
            failure.append(exc)
    if pressed:
        # The Ctrl-C's exception was lost on the way: raised inside a finalizer
        # or a weakref callback (the import system has some), Python prints
        # "Exception ignored" and goes on. Deliver it again to the handler
        # now restored, which runs at the next bytecode.
        signal.raise_signal(signal.SIGINT)


@contextmanager
def _noting_ctrl_c() -> Iterator[list[bool]]:
    pressed: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed  # signals only reach the main thread
        return
    try:
        previous = signal.getsignal(signal.SIGINT)
    except (ValueError, OSError):
        previous = None
    if previous is None:  # a handler not set from Python: we could not put it back
        yield pressed
        return

    def on_ctrl_c(signum, frame):
        pressed.append(True)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (SystemExit(3) reads 'SystemExit: 3')."""
    try:
        text = str(exc).strip()
    except Exception:  # an exception whose __str__ fails is still reported
        text = "(its message cannot be shown)"
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def disable(pm: pluggy.PluginManager, name: str, exc: BaseException) -> None:
    """Record a plugin as failed, unregister it and warn once."""
    info = _info.setdefault(name, PluginInfo(name=name))
    if info.error is not None:
        return
    info.error = one_line(exc)
    plugin = pm.get_plugin(name)
    if plugin is not None:
        pm.unregister(plugin)
    warn(f"eraser plugin {describe(name, short=True)} was disabled: {info.error}")


def describe(name: str, short: bool = False) -> str:
    """``'name' (distribution)``; ``'name' (from distribution)`` unless short."""
    info = _info.get(name)
    if info is None or not info.distribution:
        return f"{name!r} (in-process)" if short else repr(name)
    return f"{name!r} ({info.distribution})" if short else f"{name!r} (from {info.distribution})"


def warn(message: str) -> None:
    """One warning line about a plugin, wherever it is shown.

    Python's default format adds the source line of the ``warn`` call on a
    second line; a pseudo file name (linecache skips ``<...>``) keeps it to
    ``<eraser plugins>:0: PluginWarning: MESSAGE``. The CLI shows warnings as
    ``warning: MESSAGE`` (``eraser.errors.show_warning``).
    """
    warnings.warn_explicit(" ".join(message.split()), PluginWarning, "<eraser plugins>", 0, module="eraser.plugins")


def info(name: str) -> PluginInfo:
    """What is known about the plugin called ``name`` (in-process ones too)."""
    return _info.get(name) or PluginInfo(name=name)


def reset() -> None:
    """Forget loaded plugins; the next use loads them again."""
    global _manager
    with _lock:
        _manager = None
        _info.clear()
        _shadowed.clear()


def plugin_info() -> list[PluginInfo]:
    """Every plugin seen: loaded ones, failed ones, in-process ones, and
    entry points whose name was taken (listed after the one that has it)."""
    pm = get_plugin_manager()
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        entry = info(name)
        entry.hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        infos.append(entry)
    infos.extend(i for i in _info.values() if i.error is not None or i.skipped is not None)
    infos.extend(_shadowed.values())
    return sorted(infos, key=lambda i: (not i.builtin, i.name))
