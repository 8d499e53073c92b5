"""How an ``eraser`` run ends: one exit status and at most one line on stderr.

| what happened                      | status   | stderr                                   |
| ---------------------------------- | -------- | ---------------------------------------- |
| success                            | 0        | the command's own summary                |
| a user mistake (EraserError, usage)| 2        | ``error: ...``                           |
| SIGINT / SIGTERM / SIGHUP          | 128 + N  | ``error: interrupted (SIGINT)`` ...      |
| stdout closed early (``| head``)   | 1        | nothing                                  |
| a bug                              | 1        | ``internal error, please report: ...``   |
|                                    |          | (the traceback instead with ``-v``)      |

Only typer's public names are used (``typer.main.get_command``, ``typer.Exit``,
``typer.Abort``, ``typer.BadParameter``): typer 0.2x vendors click under a private
module and a separately installed ``click`` raises other classes than the ones
typer uses, so reaching into either breaks from one release to the next.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from typing import Sequence

# Set by the -v/--verbose option's callback: an internal error then shows its traceback.
verbose = False

_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
_WHAT = {"SIGINT": "interrupted", "SIGTERM": "terminated", "SIGHUP": "hung up"}


class Stopped(SystemExit):
    """Raised by the signal handler in place of KeyboardInterrupt or death by
    signal. A SystemExit, so no ``except Exception`` (ours, typer's or a
    plugin's) swallows it, while every ``finally`` and ``except BaseException``
    on the way out runs: temporary files are removed before the process ends."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def run(args: Sequence[str]) -> int:
    """Run the CLI with ``args``; return the exit status (never raises)."""
    global verbose
    verbose = False
    previous = _catch_signals()
    try:
        code = _run(list(args))
    except Stopped as stop:  # a signal that came while the error line was printed
        code = stop.code
    finally:
        _restore_signals(previous)
    _flush_stdout()
    return code


def _run(args: list[str]) -> int:
    try:
        try:
            import typer

            from eraser.cli.app import app
            from eraser.errors import EraserError

            command = typer.main.get_command(app)
        except Exception as exc:
            return _internal_error(exc)
        # The root of the errors click raises for a user's mistake (click's
        # ClickException, or TyperException where typer vendors click), reached
        # through a public class so that it is the class the running typer raises.
        usage_error = _root_below_exception(typer.BadParameter)
        try:
            result = command.main(args=args, prog_name="eraser", standalone_mode=False)
        except EraserError as exc:
            say(f"error: {exc}")
            return 2
        except typer.Exit as exc:
            return int(getattr(exc, "exit_code", 1))
        except typer.Abort:
            say("error: aborted")
            return 1
        except usage_error as exc:
            say(f"error: {_one_line(exc.format_message())}{_help_hint(exc)}")
            return int(getattr(exc, "exit_code", 2))
        except BrokenPipeError:
            _silence_stdout()
            return 1
        except Exception as exc:
            return _internal_error(exc)
        # Without standalone mode, typer returns typer.Exit's code (--version) or the command's value.
        return result if isinstance(result, int) else 0
    except Stopped as stop:
        name = signal.Signals(stop.signum).name
        say(f"error: {_WHAT.get(name, 'stopped')} ({name})")
        return int(stop.code)
    except KeyboardInterrupt:  # a Ctrl-C off the main thread, where no handler can be installed
        say("error: interrupted (SIGINT)")
        return 130
    except SystemExit as exit_:  # typer itself turns a broken pipe into exit(1)
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)


def _internal_error(exc: Exception) -> int:
    """A bug: the real traceback with -v, else one line naming the exception;
    never the traceback of some other exception raised while reporting it."""
    if verbose:
        try:
            traceback.print_exception(type(exc), exc, exc.__traceback__, chain=False)
        except (OSError, ValueError):
            pass
    else:
        message = _one_line(str(exc))
        say(f"internal error, please report: {type(exc).__name__}" + (f": {message}" if message else ""))
    return 1


def _root_below_exception(cls: type) -> tuple[type, ...]:
    """The most general class of ``cls``'s ancestry that is still below Exception."""
    mro = cls.__mro__
    return (mro[mro.index(Exception) - 1],) if Exception in mro[1:] else (cls,)


def _help_hint(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None)
    return f" (see: {path} --help)" if path else ""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def say(line: str) -> None:
    """One line on stderr; a closed stderr is not worth a traceback."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _on_signal(signum: int, frame) -> None:
    # Later signals while the first one unwinds are ignored: a second Ctrl-C
    # must not cut short the clean-up of a temporary file.
    for name in _SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Stopped(signum)


def _catch_signals() -> dict[int, object]:
    previous: dict[int, object] = {}
    for name in _SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:  # SIGHUP does not exist on Windows
            continue
        try:
            previous[signum] = signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main thread: leave Python's defaults
            pass
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        except (ValueError, OSError, TypeError):
            pass


def _flush_stdout() -> None:
    """Flush now, so that a reader gone away (``eraser plugins | head -c1``)
    is noticed here and not as 'Exception ignored' at interpreter exit."""
    for stream in (sys.stdout, sys.__stdout__):
        try:
            if stream is not None:
                stream.flush()
        except (BrokenPipeError, ValueError):
            _silence_stdout()
            return
        except OSError:
            return


def _silence_stdout() -> None:
    """What Python's documentation advises after EPIPE: point stdout at
    /dev/null so that the interpreter's final flush has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass
