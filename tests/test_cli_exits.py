"""How the CLI ends under attack: signals (real subprocesses), a reader that
went away, bugs, and numbers typer must parse without a traceback."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

SPOON = Path(__file__).resolve().parent.parent / "samples" / "coffee_spoon"
ERASER = [sys.executable, "-m", "eraser.cli"]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A noisy 6 MP photo (slow to encode as PNG: several seconds of work to
    interrupt) and a mask of about 5%."""
    folder = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    height, width = 2000, 3000
    Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(folder / "big.jpg", quality=90)
    mask = np.zeros((height, width), np.uint8)
    mask[500:1050, 500:1050] = 255
    Image.fromarray(mask).save(folder / "mask.png")
    return folder


def _start(big, out):
    args = [*ERASER, "inpaint", big / "big.jpg", "--mask", big / "mask.png", "-i", "telea", "-o", out]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_temp_file(folder: Path, name: str, proc, limit=60.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if any(n.startswith(f".{name}.") and n.endswith(".tmp") for n in os.listdir(folder)):
            return True
        time.sleep(0.005)
    return False


def _wait_for_working(proc, limit=60.0) -> bool:
    """Until the run has loaded OpenCV (imported only when the work starts,
    after start-up): a fixed sleep found it still starting on a busy machine."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        with open(f"/proc/{proc.pid}/maps") as maps:
            if "cv2" in maps.read():
                return True
        time.sleep(0.01)
    return False


def test_ctrl_c_while_the_cli_starts_is_one_line(tmp_path):
    """Ctrl-C while Python imports the CLI (before its handlers are set, a
    wide window on a busy machine): one line and 130, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    # A module that the CLI imports at start-up, slowed down here by a Ctrl-C of its own.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Finder:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'eraser.cli.exits':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Finder())\n"
    )
    done = subprocess.run([*ERASER, "plugins"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == ["error: interrupted (SIGINT)"]


SIGNALS = [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
if hasattr(signal, "SIGHUP"):
    SIGNALS.append(("SIGHUP", 129, "hung up"))


@pytest.mark.parametrize("name, code, word", SIGNALS, ids=[s[0] for s in SIGNALS])
def test_a_signal_during_the_write_leaves_nothing_behind(big, tmp_path, name, code, word):
    out = tmp_path / "out.png"
    proc = _start(big, out)
    assert _wait_for_temp_file(tmp_path, "out.png", proc), "the output was never being written"
    proc.send_signal(getattr(signal, name))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert stderr.splitlines() == [f"error: {word} ({name})"]
    assert stdout == ""
    assert os.listdir(tmp_path) == []  # no output, no .out.png.XXXX.tmp


def test_a_signal_while_the_temp_file_is_created_leaves_nothing(eraser_cli, monkeypatch, tmp_path):
    """The narrowest window: the temp file exists, its name not yet returned."""
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made = real(*args, **kwargs)
        signal.raise_signal(signal.SIGTERM)
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-q")
    assert code == 143 and err.splitlines() == ["error: terminated (SIGTERM)"]
    assert os.listdir(tmp_path) == []


def test_a_signal_another_thread_takes_while_the_temp_file_is_created_leaves_nothing(eraser_cli, monkeypatch, tmp_path):
    """A Ctrl-C or a kill goes to any thread of the process that does not block
    it (OpenCV and BLAS keep workers): Python then runs the handler in the main
    thread at its next bytecode, wherever that is. Forced here to be inside
    mkstemp, the file made and its name not yet returned (a busy machine found
    this window in CI)."""
    idle = threading.Event()
    worker = threading.Thread(target=idle.wait, daemon=True)  # like a pool thread, made before any write
    worker.start()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made = real(*args, **kwargs)
        signal.pthread_kill(worker.ident, signal.SIGTERM)
        os.read(wake_r, 1)  # the C-level handler ran in the worker: Python's runs at our next bytecode
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    previous = signal.set_wakeup_fd(wake_w)
    try:
        code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-q")
    finally:
        signal.set_wakeup_fd(previous)
        idle.set()
        os.close(wake_r)
        os.close(wake_w)
    assert code == 143 and err.splitlines() == ["error: terminated (SIGTERM)"]
    assert os.listdir(tmp_path) == []


def test_a_signal_just_before_the_publish_publishes_nothing(eraser_cli, monkeypatch, tmp_path):
    from eraser.io import signal_shield

    def inside_a_shield():
        if any(tmp_path.iterdir()):  # the shield around the publish: the temp file is written
            signal.raise_signal(signal.SIGINT)  # handled in this thread, inside the shield

    monkeypatch.setattr(signal_shield, "_inside_hook", inside_a_shield)
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-q")
    assert code == 130 and err.splitlines() == ["error: interrupted (SIGINT)"]
    assert os.listdir(tmp_path) == []


def test_ctrl_c_while_working_exits_130_with_one_line(big, tmp_path):
    out = tmp_path / "out.png"
    proc = _start(big, out)
    assert _wait_for_working(proc), "finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == ["error: interrupted (SIGINT)"]
    assert stdout == "" and os.listdir(tmp_path) == []


class _SignalInDel:
    """An object whose finalizer gets the signal: Python drops an exception
    raised there ("Exception ignored"), as it does in the import system's
    weakref callbacks, where a real Ctrl-C once landed."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


def test_a_signal_dropped_inside_a_finalizer_is_delivered_again(eraser_cli, monkeypatch, tmp_path):
    from eraser.cli import options

    monkeypatch.setattr(options.Report, "stages", lambda self, timings: _SignalInDel())
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-q")
    assert code == 130
    assert err.splitlines() == ["error: interrupted (SIGINT)"]  # no "Exception ignored"
    assert os.listdir(tmp_path) == []


def test_a_signal_swallowed_by_other_code_still_sets_the_status(eraser_cli, monkeypatch, tmp_path):
    from eraser.cli import options

    def swallow(self, timings):
        try:
            signal.raise_signal(signal.SIGTERM)
            time.sleep(0.01)
        except SystemExit:  # what a careless plugin might do
            pass

    monkeypatch.setattr(options.Report, "stages", swallow)
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-q")
    assert code == 143 and err.splitlines() == ["error: terminated (SIGTERM)"]


def test_signal_handlers_are_restored_after_a_run(eraser_cli):
    before = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]
    eraser_cli("plugins")
    assert [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)] == before


@pytest.mark.parametrize("args", [["plugins", "--json"], ["plugins"], ["models", "list"], ["--version"], ["--help"], ["remove", "--help"]])
def test_a_closed_stdout_exits_quietly(args):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte, as with `| head -c0`
    proc = subprocess.run([*ERASER, *args], stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(write)
    assert proc.stderr == ""  # no traceback, no "Exception ignored"
    assert proc.returncode == 1


def test_head_reads_one_byte_and_nothing_is_said():
    proc = subprocess.run(
        f"{' '.join(map(repr, ERASER))} plugins --json | head -c1", shell=True, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout == "[" and proc.stderr == ""


def _bug(*args, **kwargs):
    try:
        {}["inner"]
    except KeyError as e:
        raise RuntimeError("boom") from e


def test_a_bug_is_one_line_without_verbose(eraser_cli, monkeypatch, tmp_path):
    from eraser.cli import options

    monkeypatch.setattr(options.Report, "done", _bug)
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png")
    assert code == 1
    assert err.splitlines()[-1] == "internal error, please report: RuntimeError: boom"
    assert "Traceback" not in err and "KeyError" not in err


def test_a_bug_shows_its_own_traceback_with_verbose(eraser_cli, monkeypatch, tmp_path):
    from eraser.cli import options

    monkeypatch.setattr(options.Report, "done", _bug)
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-v")
    assert code == 1
    assert err.count("Traceback") == 1 and err.strip().splitlines()[-1] == "RuntimeError: boom"
    assert "During handling" not in err and "direct cause" not in err and "_bug" in err


def test_warnings_are_one_line_each(eraser_cli, monkeypatch, tmp_path):
    import warnings

    from eraser.cli import options
    from eraser.errors import PluginWarning

    def warn(self, timings):
        warnings.warn("eraser plugin 'x' (fake-x):\n  skipped", PluginWarning)
        warnings.warn("something else", RuntimeWarning)

    monkeypatch.setattr(options.Report, "stages", warn)
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", "--box", "10,10,50,50", "-i", "telea", "-o", tmp_path / "o.png", "-q")
    assert code == 0
    assert err.splitlines() == ["warning: eraser plugin 'x' (fake-x): skipped", "warning: something else"]


def test_usage_mistakes_are_one_line_and_exit_2_in_a_real_process():
    cases = [["remove", "--bogus"], ["remove"], ["nope"], ["models", "nope"], ["remove", "x.jpg", "--dilate"],
             ["remove", "", "--box", "1,1,5,5"], ["inpaint", "/", "--mask", "m.png"]]  # found by fuzzing
    for args in cases:
        proc = subprocess.run([*ERASER, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("error: ") and len(proc.stderr.splitlines()) == 1, (args, proc.stderr)
        assert proc.stdout == ""


def test_no_command_prints_help_and_exits_0(eraser_cli):
    for args in ([], ["models"]):
        code, out, err = eraser_cli(*args)
        assert code == 0 and out.startswith("Usage: eraser") and "Commands:" in out, (args, err)


# Numbers typer parses, then the core bounds: never a traceback, never a huge allocation.
# The bounds themselves are the core's (eraser.refine.check, through the session).
BAD_NUMBERS = [
    ["--dilate", "99999999999999999999"],
    ["--dilate", "100000"],
    ["--dilate", "abc"],
    ["--dilate", "1.5"],
    ["--dilate", "-1"],
    ["--feather", "inf"],
    ["--feather", "-inf"],
    ["--feather", "nan"],  # typer 0.29 refuses it, click's FloatRange lets it pass
    ["--feather", "1e9"],
    ["--feather", "1e400"],
    ["--feather", "-1"],
    ["--feather", "0x10"],
    ["--max-pixels", "1e9"],
    ["--max-pixels", "0"],
    ["--max-pixels", "-5"],
    ["--point", "nan,nan"],
    ["--point", "inf,3"],
    ["--point", "99999999999999999999,1"],
    ["--box", "0,0,1e999,5"],
    ["--box", "nan,0,5,5"],
]


@pytest.mark.parametrize("args", BAD_NUMBERS, ids=lambda a: " ".join(a))
def test_bad_numbers_are_one_line_errors(eraser_cli, tmp_path, args):
    prompt = [] if args[0] in ("--point", "--box") else ["--box", "10,10,50,50"]
    code, out, err = eraser_cli("remove", SPOON / "photo.jpg", *prompt, "-i", "telea", "-o", tmp_path / "o.png", *args)
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert os.listdir(tmp_path) == []
