"""The backends and models the plugins register: built once, cached, chosen.

The registry calls each plugin's ``register_*`` hooks once (again only after a
plugin is added or removed, or after :func:`reset`) with a ``register``
callable per kind (:class:`RegisterBackend`, :class:`RegisterModel`) that
checks its arguments. A bad registration is skipped with one
:class:`~eraser.errors.PluginWarning` naming the plugin; a name registered
twice keeps the first, eraser's built-in plugins before any third party's.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from eraser import plugins
from eraser.backends import Kind
from eraser.errors import EraserError
from eraser.prompts import Prompt

KINDS: tuple[Kind, ...] = ("segmenter", "inpainter")
HOOK_FOR_KIND: dict[str, str] = {
    "segmenter": "register_segmenters",
    "inpainter": "register_inpainters",
    "model": "register_models",
}
PROMPT_KINDS = frozenset({"point", "box", "mask"})
# What a user can type after --inpainter; "auto" means "choose for me".
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
RESERVED = {"auto"}


@dataclass(frozen=True)
class BackendSpec:
    """One registered backend (nothing built yet)."""

    kind: Kind
    name: str
    factory: Callable[[], object]
    plugin: str
    description: str = ""
    priority: int = 0
    working_size: Optional[int] = None
    detail: bool = True
    prompts: frozenset[str] = frozenset()
    available: Optional[Callable[[], Optional[str]]] = None

    def unavailable_reason(self) -> Optional[str]:
        """``None`` when the backend can be used now, else why not (one line).

        A check that raises or answers nonsense makes the backend unavailable
        (and warns once), it does not stop eraser.
        """
        if self.available is None:
            return None
        with plugins.guard() as failure:
            answer = self.available()
        if failure:
            return _bad_check(self, f"raised {plugins.one_line(failure[0])}")
        if answer is None or answer is True:
            return None
        if answer is False:
            return "its plugin says it cannot run here"
        if isinstance(answer, str):
            return " ".join(answer.split()) or "its plugin says it cannot run here"
        return _bad_check(self, f"returned {type(answer).__name__}, not None or a reason")


@dataclass(frozen=True)
class ModelSpec:
    """A model a plugin registers for ``eraser models`` (list, install, verify)."""

    name: str
    description: str
    filename: str  # the checkpoint's file name, as downloaded
    converter: Callable[[Path, Path], list[Path]]  # (checkpoint, out_dir) -> files written
    plugin: str
    url: Optional[str] = None
    md5: Optional[str] = None
    license: str = ""
    files: tuple[str, ...] = ()  # paths the installed model must hold, relative to its folder

    def convert(self, checkpoint: Path, out_dir: Path) -> list[Path]:
        return self.converter(Path(checkpoint), Path(out_dir))


Spec = Union[BackendSpec, ModelSpec]


class Rejected(Exception):
    """A registration skipped for a bad argument (the message says which)."""


class _Register:
    """Base of the ``register`` callables: knows its plugin, collects specs."""

    kind = ""

    def __init__(self, plugin: str, notes: list[str]) -> None:
        self.plugin = plugin
        self.notes = notes  # what was skipped, shown by `eraser plugins`
        self.specs: list[Spec] = []
        self.closed = False

    def _add(self, name: object, make: Callable[[], Spec]) -> None:
        try:
            if self.closed:
                raise Rejected("register() was called after its hook returned")
            _check_name(self.kind, name)
            self.specs.append(make())
        except Rejected as why:
            shown = repr(name) if not isinstance(name, str) or len(name) < 80 else repr(name[:77] + "...")
            _note(self.notes, self.plugin, f"{self.kind} {shown} skipped: {why}")

    def _unknown(self, name: object, options: dict) -> None:
        # A plugin written for a later eraser (or a typo) keeps its backend.
        if options and not self.closed:
            _note(self.notes, self.plugin,
                  f"{self.kind} {name!r}: unknown option(s) {', '.join(sorted(options))} ignored")


class RegisterBackend(_Register):
    """``register`` for ``register_segmenters`` and ``register_inpainters``."""

    def __init__(self, plugin: str, notes: list[str], kind: Kind) -> None:
        super().__init__(plugin, notes)
        self.kind = kind

    def __call__(
        self,
        name: str,
        factory: Callable[[], object],
        *,
        description: str = "",
        priority: int = 0,
        working_size: Optional[int] = None,
        detail: bool = True,
        prompts: Iterable[str] = ("point", "box"),
        available: Optional[Callable[[], Optional[str]]] = None,
        **unknown: object,
    ) -> None:
        self._unknown(name, unknown)

        def make() -> BackendSpec:
            if not callable(factory):
                raise Rejected(f"factory must be callable, got {type(factory).__name__}")
            if not _is_int(priority):
                raise Rejected(f"priority must be an integer, got {priority!r}")
            if working_size is not None and not (_is_int(working_size) and working_size > 0):
                raise Rejected(f"working_size must be a positive integer or None, got {working_size!r}")
            if not isinstance(detail, bool):
                raise Rejected(f"detail must be True or False, got {detail!r}")
            if available is not None and not callable(available):
                raise Rejected(f"available must be callable or None, got {type(available).__name__}")
            return BackendSpec(
                kind=self.kind,
                name=name,
                factory=factory,
                plugin=self.plugin,
                description=_text("description", description),
                priority=int(priority),
                working_size=None if working_size is None else int(working_size),
                detail=detail,
                prompts=_prompt_kinds(prompts) if self.kind == "segmenter" else frozenset(),
                available=available,
            )

        self._add(name, make)


class RegisterModel(_Register):
    """``register`` for ``register_models``."""

    kind = "model"

    def __call__(
        self,
        name: str,
        *,
        description: str,
        filename: str,
        converter: Callable[[Path, Path], list[Path]],
        url: Optional[str] = None,
        md5: Optional[str] = None,
        license: str = "",
        files: Iterable[str] = (),
        **unknown: object,
    ) -> None:
        self._unknown(name, unknown)

        def make() -> ModelSpec:
            if not isinstance(filename, str) or not filename or Path(filename).name != filename or filename in (".", ".."):
                raise Rejected(f"filename must be a plain file name, got {filename!r}")
            if not callable(converter):
                raise Rejected(f"converter must be callable, got {type(converter).__name__}")
            if url is not None and not (isinstance(url, str) and url.strip()):
                raise Rejected(f"url must be a string or None, got {url!r}")
            if md5 is not None and not (isinstance(md5, str) and re.fullmatch(r"[0-9a-fA-F]{32}", md5)):
                raise Rejected(f"md5 must be 32 hexadecimal digits or None, got {md5!r}")
            return ModelSpec(
                name=name,
                description=_text("description", description),
                filename=filename,
                converter=converter,
                plugin=self.plugin,
                url=url,
                md5=None if md5 is None else md5.lower(),
                license=_text("license", license),
                files=_relative_paths(files),
            )

        self._add(name, make)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_name(kind: str, name: object) -> None:
    if not isinstance(name, str):
        raise Rejected(f"the name must be a string, got {type(name).__name__}")
    if name in RESERVED or not NAME.fullmatch(name):
        raise Rejected("the name must be 1-64 letters, digits, '.', '_', '+' or '-' (not 'auto')")


def _text(what: str, value: object) -> str:
    if not isinstance(value, str):
        raise Rejected(f"{what} must be a string, got {type(value).__name__}")
    return " ".join(value.split())  # shown on one line by `eraser plugins`


def _prompt_kinds(prompts: object) -> frozenset[str]:
    kinds = (prompts,) if isinstance(prompts, str) else prompts
    try:
        found = frozenset(kinds)  # type: ignore[arg-type]
    except TypeError:
        raise Rejected(f"prompts must be a collection of {sorted(PROMPT_KINDS)}, got {prompts!r}") from None
    if not found or not found <= PROMPT_KINDS:
        raise Rejected(f"prompts must be a non-empty subset of {sorted(PROMPT_KINDS)}, got {prompts!r}")
    return found


def _relative_paths(files: object) -> tuple[str, ...]:
    if isinstance(files, str):
        files = (files,)
    try:
        found = tuple(files)  # type: ignore[arg-type]
    except TypeError:
        raise Rejected(f"files must be a collection of relative paths, got {files!r}") from None
    for f in found:
        if not isinstance(f, str) or not f or Path(f).is_absolute() or ".." in Path(f).parts:
            raise Rejected(f"files must be relative paths inside the model's folder, got {f!r}")
    return found


@dataclass
class _Built:
    """One pass over every plugin's hooks."""

    backends: dict[str, dict[str, BackendSpec]]
    models: dict[str, ModelSpec]
    # plugin -> what it registered that was skipped because another had the name
    conflicts: dict[str, list[dict]] = field(default_factory=dict)
    # plugin -> one line per registration skipped or ignored
    notes: dict[str, list[str]] = field(default_factory=dict)


def _note(notes: list[str], plugin: str, message: str) -> None:
    """Warn about one plugin (one line) and keep the line for `eraser plugins`."""
    message = " ".join(message.split())
    notes.append(message)
    plugins.warn(f"eraser plugin {plugins.describe(plugin, short=True)}: {message}")


_built: Optional[tuple[object, int, _Built]] = None
_building = threading.local()
_instances: dict[tuple, object] = {}
_warned_checks: set[tuple[str, str, str]] = set()
_lock = threading.RLock()


def _bad_check(spec: BackendSpec, what: str) -> str:
    key = (spec.kind, spec.name, spec.plugin)
    if key not in _warned_checks:
        _warned_checks.add(key)
        plugins.warn(f"eraser plugin {plugins.describe(spec.plugin, short=True)}: "
                     f"the availability check of {spec.kind} {spec.name!r} {what}")
    return f"its availability check {what}"


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
            _warned_checks.clear()
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
                _note(notes, plugin_name, f"{hook_name} as a hook wrapper is not supported; ignored")
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
    _note(
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


def candidates(kind: Kind, prompt: Optional[Prompt] = None) -> list[BackendSpec]:
    """The available backends (that accept ``prompt``), best first: the
    order in which ``auto`` tries them."""
    usable = [
        s
        for s in backends(kind).values()
        if (prompt is None or kind != "segmenter" or prompt.kind in s.prompts) and s.unavailable_reason() is None
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
            else:
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
        _warned_checks.clear()
