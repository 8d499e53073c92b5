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
    frames: Optional[int] = None  # a clip's frames, and those the object was erased from
    erased: Optional[int] = None
    notices: list[str] = field(default_factory=list)  # what the session noticed (frames dropped, a fallback, ...)

    def as_dict(self) -> dict:
        return asdict(self)


def output_path(options: Options, relative: str) -> str:
    from eraser.batching.inputs import join

    return join(options.output, relative)


def mask_path(options: Options, relative: str, video: bool = False) -> str:
    """A photo's mask is a PNG named by its stem; a clip's masks are a clip
    named by its stem with the clip's suffix."""
    from eraser.batching.inputs import join

    stem, _, suffix = relative.rpartition(".")
    return join(options.save_mask, (stem or suffix) + (f".{suffix}" if video and stem else ".png"))


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
        if job.photo.video:
            _erase_clip(job, options, target, record)
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


def _erase_clip(job: Job, options: Options, target: str, record: Record) -> None:
    """A clip of the batch, erased as ``eraser video`` erases it (prompts on
    ``job.frame``/``job.at``, else its first frame); a remote clip is copied
    here first, and outputs at a URL are written here and copied there."""
    from eraser.video.erase import erase_video

    masks = mask_path(options, job.photo.relative, video=True) if options.save_mask else None
    with tempfile.TemporaryDirectory() as tmp:
        source = job.photo.source
        if not _local(source):
            fs, path = filesystem(source)
            source = os.path.join(tmp, "in" + os.path.splitext(path)[1])
            fs.get_file(path, source)
        outputs = [target] + ([masks] if masks else [])
        local = [filesystem(url)[1] if _local(url) else os.path.join(tmp, f"out{i}" + os.path.splitext(url)[1])
                 for i, url in enumerate(outputs)]
        for path in local:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        result = erase_video(source, local[0], points=list(job.points) or None, box=list(job.boxes) or None,
                             mask=_mask(job.mask), exclude=list(job.exclude) or None, frame=job.frame, at=job.at,
                             segmenter=options.segmenter, inpainter=options.inpainter, dilate=options.dilate,
                             feather=options.feather, save_mask=local[1] if masks else None, overwrite=options.force)
        for url, path in zip(outputs, local):
            if not _local(url):
                _publish(lambda dest, path=path: _copy(path, dest), url, options.force)
    record.notices = [" ".join(n.split()) for n in result.notices]
    record.status, record.frames, record.erased = "done", result.frames, result.erased


def _copy(source: str, destination: str) -> None:
    import shutil

    shutil.copyfile(source, destination)
