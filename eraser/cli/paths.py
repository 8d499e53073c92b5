"""Output paths checked before any work: no two outputs name one file, no
output is an input (image or mask, through links too), each is writable."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence


def check(outputs: Sequence[Optional[Path]], *, image: Path, inputs: Sequence[Optional[Path]], force: bool) -> None:
    from eraser.io import check_output
    from eraser.io.files import check_distinct_outputs

    check_distinct_outputs(outputs)
    for path in outputs:
        if path is not None:
            check_output(path, source=image, inputs=inputs, overwrite=force)
