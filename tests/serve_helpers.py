"""The real-server helper (eraser.testing.server) with the tests' default photo."""

from pathlib import Path

from eraser.testing.server import Server as _Server

ROOT = Path(__file__).resolve().parents[1]
SPOON = ROOT / "samples" / "coffee_spoon" / "photo.jpg"


class Server(_Server):
    def open(self, path=SPOON, name=None):
        return super().open(path, name)
