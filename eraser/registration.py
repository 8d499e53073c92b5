"""What a plugin's ``register`` call checks and makes.

Each ``register_*`` hook gets one of the callables below (:class:`RegisterBackend`
for segmenters and inpainters, :class:`RegisterModel` for models). They check
every argument: a bad registration is skipped with one
:class:`~eraser.errors.PluginWarning` naming the plugin, never an exception
into the plugin, so its other registrations still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Union

from eraser import plugins
from eraser.backends import Kind

KINDS: tuple[Kind, ...] = ("segmenter", "inpainter", "tracker")
HOOK_FOR_KIND: dict[str, str] = {
    "segmenter": "register_segmenters",
    "inpainter": "register_inpainters",
    "tracker": "register_trackers",
    "model": "register_models",
}
PROMPT_KINDS = frozenset({"point", "box", "mask"})
# What a backend can do beyond its kind's contract, per kind; "everything":
# segment everything (the backend is an eraser.backends.EverythingSegmenter).
CAPABILITIES: dict[str, frozenset[str]] = {"segmenter": frozenset({"everything"}), "inpainter": frozenset(), "tracker": frozenset()}
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
    capabilities: frozenset[str] = frozenset()

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
    # torch-free: (checkpoint, out_dir) -> files; `install` prefers it to the converter
    installer: Optional[Callable[[Path, Path], list[Path]]] = None
    # (checkpoint, out_dir) -> CoreML packages only; built where CoreML runs, or on request
    coreml: Optional[Callable[[Path, Path], list[Path]]] = None
    # named extra exports for `eraser models convert --<name>`: (checkpoint, out_dir) -> files
    extras: Mapping[str, Callable[[Path, Path], list[Path]]] = field(default_factory=dict)

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
            note(self.notes, self.plugin, f"{self.kind} {shown} skipped: {why}")

    def _unknown(self, name: object, options: dict) -> None:
        # A plugin written for a later eraser (or a typo) keeps its backend.
        if options and not self.closed:
            note(self.notes, self.plugin,
                  f"{self.kind} {name!r}: unknown option(s) {', '.join(sorted(options))} ignored")


class RegisterBackend(_Register):
    """``register`` for ``register_segmenters``, ``register_inpainters`` and ``register_trackers``."""

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
        capabilities: Iterable[str] = (),
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
                capabilities=self._capabilities(name, capabilities),
            )

        self._add(name, make)

    def _capabilities(self, name: str, capabilities: object) -> frozenset[str]:
        found = (capabilities,) if isinstance(capabilities, str) else capabilities
        try:
            found = frozenset(found)  # type: ignore[arg-type]
        except TypeError:
            raise Rejected(f"capabilities must be a collection of names, got {capabilities!r}") from None
        known = CAPABILITIES[self.kind]
        if found - known:
            # a plugin written for a later eraser (or a typo) keeps its backend, without them
            unknown = ", ".join(sorted(map(repr, found - known)))
            note(self.notes, self.plugin, f"{self.kind} {name!r}: unknown capabilities {unknown} ignored")
        return frozenset(found & known)


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
        installer: Optional[Callable[[Path, Path], list[Path]]] = None,
        coreml: Optional[Callable[[Path, Path], list[Path]]] = None,
        extras: Optional[Mapping[str, Callable[[Path, Path], list[Path]]]] = None,
        **unknown: object,
    ) -> None:
        self._unknown(name, unknown)

        def make() -> ModelSpec:
            for what, value in (("installer", installer), ("coreml", coreml)):
                if value is not None and not callable(value):
                    raise Rejected(f"{what} must be callable or None, got {type(value).__name__}")
            if extras is not None and not (isinstance(extras, Mapping) and all(
                    isinstance(k, str) and NAME.fullmatch(k) and callable(v) for k, v in extras.items())):
                raise Rejected("extras must map names (letters, digits, '-') to callables")
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
                installer=installer,
                coreml=coreml,
                extras=dict(extras or {}),
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


def note(notes: list[str], plugin: str, message: str) -> None:
    """Warn about one plugin (one line) and keep the line for `eraser plugins`."""
    message = " ".join(message.split())
    notes.append(message)
    plugins.warn(f"eraser plugin {plugins.describe(plugin, short=True)}: {message}")


_warned_checks: set[tuple[str, str, str]] = set()


def _bad_check(spec: BackendSpec, what: str) -> str:
    key = (spec.kind, spec.name, spec.plugin)
    if key not in _warned_checks:
        _warned_checks.add(key)
        plugins.warn(f"eraser plugin {plugins.describe(spec.plugin, short=True)}: "
                     f"the availability check of {spec.kind} {spec.name!r} {what}")
    return f"its availability check {what}"


def forget_warnings() -> None:
    """Warn again about availability checks (the registry was rebuilt)."""
    _warned_checks.clear()
