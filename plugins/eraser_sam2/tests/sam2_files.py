"""Files the SAM 2.1 tests share."""

import hashlib
from pathlib import Path

SPOON = Path(__file__).resolve().parents[3] / "samples" / "coffee_spoon" / "photo.jpg"


def md5(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()
