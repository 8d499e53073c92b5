"""File-system safety for outputs: destination checks and atomic, no-clobber writes.

The promises: an output never replaces an input (not even through a symlink or
a hard link), never replaces a device, FIFO or socket (not even with
``--force``, not even as root), never replaces an existing file without
``overwrite``, and is never seen half written. When two processes race to
write the same new file without ``overwrite``, exactly one wins; the other gets
the "exists" error. No temporary file survives any exit of :func:`atomic_write`.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import IO, Optional, Union

from eraser.errors import EraserError
from eraser.io.signal_shield import SignalShield

PathLike = Union[str, "os.PathLike[str]"]

_DEFAULT_NAME_MAX = 255  # when the file system cannot tell (or the folder is missing)
_TEMP_EXTRA = 16  # ".<name>." + 8 random characters + ".tmp" around the name


def check_destination(dest: PathLike, inputs: Iterable[Optional[PathLike]] = (), overwrite: bool = False) -> None:
    """One-line EraserError if writing ``dest`` would be unsafe or is bound to fail.

    Refused even with ``overwrite``: a name too long for the file system, any
    of ``inputs`` (same file through links too), a directory, a device, FIFO
    or socket, a missing or unwritable folder. Refused without ``overwrite``:
    anything that exists (a dangling symlink included).
    """
    if str(dest) == "-":  # the Unix habit for standard output; a file named "-" is "./-"
        raise EraserError("-: eraser writes files, not standard output; name the output (for example -o out.jpg)")
    dest = Path(dest)
    if "\0" in str(dest):
        raise EraserError(f"{str(dest)!r}: a file name cannot contain a NUL character")
    _check_name_length(dest)
    target = _stat(dest, follow=True)
    for source in inputs:
        if source is not None and _is_same(dest, target, Path(source)):
            also = "" if Path(source) == dest else f" {source} (the same file)"
            raise EraserError(f"{dest}: refusing to overwrite the input{also}; choose another output path")
    entry = _stat(dest, follow=False)
    for st in (target, entry):
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise EraserError(f"{dest}: is a directory")
        if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise EraserError(f"{dest}: is a {kind_of(st.st_mode)}, not a file; refusing to write over it")
    if entry is not None and not overwrite:
        raise EraserError(f"{dest} exists; use --force to overwrite")
    folder = dest.parent
    if not folder.is_dir():
        raise EraserError(f"cannot write {dest}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EraserError(f"cannot write {dest}: folder {folder} is not writable")


def check_distinct_outputs(paths: Iterable[Optional[PathLike]]) -> None:
    """EraserError if two of ``paths`` (None entries skipped) name one file, e.g.
    ``-o o.png --save-mask ./o.png``, or through a symlink or hard link."""
    seen: dict[object, Path] = {}
    for path in paths:
        if path is None:
            continue
        path = Path(path)
        key = _identity(path)
        if key in seen:
            raise EraserError(f"{seen[key]} and {path} name the same file; give each output its own path")
        seen[key] = path


def atomic_write(dest: PathLike, write: Callable[[IO[bytes]], None], *, overwrite: bool) -> None:
    """Call ``write(f)`` on a temp file in ``dest``'s folder, fsync it, then publish it.

    Without ``overwrite`` the publish is a hard link, which the kernel refuses
    atomically if ``dest`` exists (EraserError "DEST exists; use --force");
    with ``overwrite`` it is a rename over ``dest``. The temp file is removed
    on every way out, KeyboardInterrupt and SystemExit included. OSErrors become
    one-line EraserErrors; other exceptions from ``write`` propagate unchanged.
    """
    dest = Path(dest)
    folder = dest.parent
    mode = _mode_for(dest, overwrite)
    tmp: Optional[str] = None
    try:
        # The temp file is made and its name kept with the stop signals held:
        # a signal that came meanwhile is raised when the shield ends, with
        # tmp already set for the finally below.
        with SignalShield():
            fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(dest), suffix=".tmp", dir=folder)
            f = os.fdopen(fd, "wb")
        with f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it 0600
        with SignalShield() as held:
            if not held.noted:  # a signal before the publish: publish nothing
                if overwrite:
                    os.replace(tmp, dest)
                else:
                    _publish_new(tmp, dest)
                    os.unlink(tmp)
                tmp = None  # published and the temp name gone, in one held stretch
    except OSError as e:
        raise EraserError(f"cannot write {dest}: {reason(e)}") from None
    finally:
        if tmp is not None:
            with SignalShield(), suppress(FileNotFoundError):
                os.unlink(tmp)
    _fsync_folder(folder)


def reason(e: BaseException) -> str:
    """An exception's message on one line, without errno noise."""
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return " ".join(str(text).split())


# --------------------------------------------------------------------- helpers


def _publish_new(tmp: str, dest: Path) -> None:
    """Make ``tmp`` visible as ``dest`` unless ``dest`` exists, atomically."""
    try:
        os.link(tmp, dest)
        return
    except FileExistsError:
        raise EraserError(f"{dest} exists; use --force to overwrite") from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
            raise
    # No hard links here (FAT, some network shares): O_EXCL still refuses an
    # existing file atomically; the copy is removed again if anything fails.
    try:
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        raise EraserError(f"{dest} exists; use --force to overwrite") from None
    try:
        with os.fdopen(out, "wb") as f, open(tmp, "rb") as src:
            while chunk := src.read(1 << 20):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(dest, stat.S_IMODE(os.stat(tmp).st_mode))
    except BaseException:
        with suppress(OSError):
            os.unlink(dest)
        raise


def _check_name_length(dest: Path) -> None:
    limit = _name_max(dest.parent)
    if len(os.fsencode(dest.name)) > limit:
        raise EraserError(f"{dest.name[:40]}...: file name is longer than this file system allows ({limit} bytes)")


def _name_max(folder: Path) -> int:
    with suppress(OSError, ValueError, AttributeError):
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    return _DEFAULT_NAME_MAX


def _temp_prefix(dest: Path) -> str:
    """``.NAME.`` with NAME shortened so the temp file's name fits the file system."""
    room = max(1, _name_max(dest.parent) - _TEMP_EXTRA)
    name = dest.name
    while len(os.fsencode(name)) > room:
        name = name[:-1]
    return f".{name}."


def _stat(path: Path, *, follow: bool) -> Optional[os.stat_result]:
    try:
        return os.stat(path) if follow else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        if e.errno == errno.ELOOP and follow:  # a symlink loop: no target, the link itself exists
            return None
        raise EraserError(f"cannot write {path}: {reason(e)}") from None


def _is_same(dest: Path, dest_stat: Optional[os.stat_result], source: Path) -> bool:
    try:
        st = os.stat(source)
    except (OSError, ValueError):  # a missing input: compare the names instead
        return os.path.realpath(dest) == os.path.realpath(source)
    if dest_stat is None:
        return False
    return (dest_stat.st_dev, dest_stat.st_ino) == (st.st_dev, st.st_ino)


def _identity(path: Path) -> object:
    """What names one file: device and inode when it exists, else its resolved path."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except (OSError, ValueError):
        return ("path", os.path.realpath(path))


def kind_of(mode: int) -> str:
    """'device', 'FIFO (named pipe)', 'socket' or 'special file', for messages."""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _mode_for(dest: Path, overwrite: bool) -> int:
    """Permissions of the new file: the replaced file's, else what umask allows."""
    if overwrite:
        with suppress(OSError):
            return stat.S_IMODE(os.stat(dest).st_mode)
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    with suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    # Elsewhere the only way to read it is to set it (briefly, so a file another
    # thread creates in between could get mode 0666).
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the new name durable; not possible everywhere (e.g. Windows), so best effort."""
    with suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
