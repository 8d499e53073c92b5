"""How an ``eraser`` run ends: one exit status and at most one line on stderr.

| what happened                      | status   | stderr                                   |
| ---------------------------------- | -------- | ---------------------------------------- |
| success                            | 0        | the command's own summary                |
| a user mistake (EraserError, usage)| 2        | ``error: ...``                           |
| SIGINT / SIGTERM / SIGHUP          | 128 + N  | ``error: interrupted (SIGINT)`` ...      |
| stdout closed early (``| head``)   | 1        | nothing                                  |
| a warning (e.g. a plugin skipped)  |          | ``warning: ...``, one line each          |
| a bug                              | 1        | ``internal error, please report: ...``   |
|                                    |          | (the traceback instead with ``-v``)      |

Only typer's public names are used (``typer.main.get_command``, ``typer.Exit``,
``typer.Abort``, ``typer.BadParameter``): typer 0.2x vendors click under a private
module and a separately installed ``click`` raises other classes than the ones
typer uses, so reaching into either breaks from one release to the next.
Signals become an exception while a command runs: see ``signals``.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from typing import Sequence

from eraser.cli import signals, state
from eraser.errors import show_warning
from eraser.text import one_line


def run(args: Sequence[str]) -> int:
    """Run the CLI with ``args``; return the exit status (never raises)."""
    state.verbose = False
    try:
        with signals.catching(), warnings.catch_warnings():
            # Warnings (a plugin skipped, a frame dropped) as one 'warning: ...' line each.
            warnings.showwarning = show_warning
            # Deprecations concern developers, not the person running eraser (typer
            # 0.19-0.25 emit some under click 8.5 when imported).
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            code = _run(list(args))
            signum = signals.received()
            if signum is not None and code != 128 + signum:
                # The signal's exception was swallowed (a plugin catching SystemExit):
                # the run went on, but its status still tells that it was stopped.
                code = _stopped(signals.Stopped(signum))
    except signals.Stopped as stop:  # the first signal came after the command ended
        code = _stopped(stop)
    _flush_stdout()
    return code


def _stopped(stop: "signals.Stopped") -> int:
    say(stop.line())
    return int(stop.code)


def _run(args: list[str]) -> int:
    try:
        try:
            import typer

            from eraser.errors import EraserError

            command = _command()
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
            say(f"error: {one_line(exc.format_message())}{_help_hint(exc)}")
            return int(getattr(exc, "exit_code", 2))
        except BrokenPipeError:
            _silence_stdout()
            return 1
        except Exception as exc:
            return _internal_error(exc)
        # Without standalone mode, typer returns typer.Exit's code (--version) or the command's value.
        return result if isinstance(result, int) else 0
    except signals.Stopped as stop:
        return _stopped(stop)
    except KeyboardInterrupt:  # a Ctrl-C off the main thread, where no handler can be installed
        say("error: interrupted (SIGINT)")
        return 130
    except SystemExit as exit_:  # typer itself turns a broken pipe into exit(1)
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)


_built: list = []


def _command():
    """The click command that typer builds from the app, once per process:
    building it reads every command's signature and type hints (about 20 ms),
    paid on every call by a process that calls ``main`` many times (the
    tests). The app is complete once imported; nothing adds to it later."""
    if not _built:
        import typer

        from eraser.cli.app import app

        _built.append(typer.main.get_command(app))
    return _built[0]


def _internal_error(exc: Exception) -> int:
    """A bug: the real traceback with -v, else one line naming the exception;
    never the traceback of some other exception raised while reporting it."""
    if state.verbose:
        try:
            traceback.print_exception(type(exc), exc, exc.__traceback__, chain=False)
        except (OSError, ValueError):
            pass
    else:
        message = one_line(str(exc))
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


def say(line: str) -> None:
    """One line on stderr; a closed stderr is not worth a traceback."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
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
