"""Every file a batch writes has a name of its own, decided before any work.

The outputs keep each photo's relative path, so they cannot collide; the
masks of ``--save-mask`` are named by stem (``a.png``, so that ``--masks``
finds them again), and ``a.jpg`` and ``a.png``, or ``b.jpg`` and ``b.JPG``,
would share one. A mask folder inside the output folder can also meet an
output. Such a run is a usage error before anything is written: otherwise
one photo was reported failed after its output was written (and a rerun
skipped it for good), or with ``--force`` one mask silently replaced another.
"""

from __future__ import annotations

import posixpath

from eraser.batching.inputs import filesystem
from eraser.batching.jobs import Job
from eraser.batching.work import Options, mask_path, output_path
from eraser.errors import EraserError


def check_names(work: list[Job], options: Options) -> None:
    """EraserError naming the first two photos whose written files would share a name."""
    taken: dict[str, tuple[str, str]] = {}  # a written file's key -> (photo, what it is)
    for job in work:
        relative = job.photo.relative
        written = [("output", output_path(options, relative))]
        if options.save_mask:
            written.append(("mask", mask_path(options, relative, job.photo.video)))
        for what, url in written:
            key = _key(url)
            if key in taken:
                other, other_what = taken[key]
                raise EraserError(
                    f"{other} and {relative} would both write {url} (the {other_what} of one, the {what} of the "
                    f"other): rename one of them" + (" or leave out --save-mask" if "mask" in (what, other_what) else "")
                )
            taken[key] = (relative, what)


def _key(url: str) -> str:
    """One file, one key: the file system's class and its normalized path."""
    fs, path = filesystem(url)
    return f"{type(fs).__name__}:{posixpath.normpath(path)}"
