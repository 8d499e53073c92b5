"""One photo of a batch, erased exactly as ``eraser remove`` erases it."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

from eraser.batching.inputs import filesystem
from eraser.batching.jobs import Job
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER, DEFAULT_MAX_PIXELS
from eraser.errors import EraserError


@dataclass(frozen=True)
class Options:
    output: str  # the output folder (a path or an fsspec URL)
    segmenter: str = "auto"
    inpainter: str = "auto"
    dilate: int = DEFAULT_DILATE
    feather: float = DEFAULT_FEATHER
    max_pixels: int = DEFAULT_MAX_PIXELS
    save_mask: Optional[str] = None  # a folder for the refined masks
    force: bool = False


@dataclass
class Record:
    photo: str
    status: str  # done, skipped or failed
    output: Optional[str] = None
    error: Optional[str] = None
    seconds: float = 0.0
    changed: Optional[float] = None  # share of the photo's pixels that changed
    notices: list[str] = field(default_factory=list)  # what the session noticed (frames dropped, a fallback, ...)

    def as_dict(self) -> dict:
        return asdict(self)


def output_path(options: Options, relative: str) -> str:
    from eraser.batching.inputs import join

    return join(options.output, relative)


def mask_path(options: Options, relative: str) -> str:
    from eraser.batching.inputs import join

    return join(options.save_mask, relative.rsplit(".", 1)[0] + ".png")


def _local(url: str) -> bool:
    fs, _ = filesystem(url)
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def _readable(url: Optional[str]):
    """A local path as it is (the same code path as the CLI), a URL's bytes otherwise."""
    if url is None or _local(url):
        return url
    fs, path = filesystem(url)
    with fs.open(path, "rb") as f:
        return f.read()


def _mask(url: Optional[str]):
    data = _readable(url)
    if isinstance(data, bytes):
        import io

        from PIL import Image

        return Image.open(io.BytesIO(data))
    return data


def _publish(write, target: str, force: bool) -> None:
    """``write(local_path)`` straight into a local target (atomic, no-clobber
    unless ``force``), or into a temporary file copied to a URL."""
    if _local(target):
        _, path = filesystem(target)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        write(path)
        return
    fs, path = filesystem(target)
    if fs.exists(path) and not force:
        raise EraserError(f"{target} exists; use --force to replace it")
    suffix = os.path.splitext(path)[1]
    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, "out" + suffix)
        write(local)
        parent = path.rsplit("/", 1)[0]
        if parent:
            fs.makedirs(parent, exist_ok=True)
        fs.put_file(local, path)


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    return fs.exists(path)


def process(job: Job, options: Options) -> Record:
    """Erase ``job``'s photo and write its output; a failure is a record, not an exception."""
    from eraser.session import Session

    start = time.perf_counter()
    relative = job.photo.relative
    target = output_path(options, relative)
    record = Record(relative, "failed", target)
    try:
        if job.problem:
            raise EraserError(job.problem)
        if not options.force and exists(target):
            record.status = "skipped"
            return record
        session = Session(_readable(job.photo.source), segmenter=options.segmenter, inpainter=options.inpainter,
                          dilate=options.dilate, feather=options.feather, max_pixels=options.max_pixels)
        session.add(points=list(job.points), boxes=list(job.boxes), exclude=list(job.exclude),
                    mask=_mask(job.mask))
        result = session.erase()
        record.notices = [" ".join(n.split()) for n in result.notices]
        try:
            _publish(lambda path: session.save(path, overwrite=options.force), target, options.force)
        except EraserError:
            if not options.force and exists(target):  # another batch wrote it meanwhile: no-clobber kept it
                record.status = "skipped"
                return record
            raise
        if options.save_mask:
            from eraser.io import save_array

            _publish(lambda path: save_array(result.removal_mask(), path, overwrite=options.force),
                     mask_path(options, relative), options.force)
        record.status, record.changed = "done", round(float(result.share), 6)
    except EraserError as exc:
        record.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    except (OSError, MemoryError) as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a backend's bug: this photo fails, the batch goes on
        record.error = f"internal error: {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        record.seconds = round(time.perf_counter() - start, 3)
    return record
