"""``eraser --help`` answers without typer (fast), with exactly typer's text."""

import subprocess
import sys

import pytest

import eraser

from eraser.cli import exits, fast


@pytest.mark.parametrize("columns", ["80", "120", "300"])
def test_the_fast_help_is_what_typer_prints(monkeypatch, capsys, columns):
    monkeypatch.setenv("COLUMNS", columns)
    assert exits.run(["--help"]) == 0
    assert capsys.readouterr().out == fast.HELP


def test_a_narrow_terminal_gets_typer_itself(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    assert fast.answer(["--help"]) is False
    assert fast.answer(["remove", "--help"]) is False


def test_help_and_version_load_neither_typer_nor_numpy():
    code = (
        "import sys\n"
        "from eraser.cli import main\n"
        "for args in (['--help'], [], ['--version']):\n"
        "    main(args)\n"
        "print('LOADED', sorted(m for m in ('typer', 'click', 'numpy', 'PIL', 'cv2') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"COLUMNS": "100"})
    assert "LOADED []" in proc.stdout
    assert proc.stdout.count("Usage: eraser [OPTIONS] COMMAND [ARGS]...") == 2 and f"eraser {eraser.__version__}" in proc.stdout
