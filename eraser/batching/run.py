"""``eraser.batch(...)``: the batch as a Python call (the CLI is a thin layer on it)."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace
from typing import Callable, Iterable, Optional

from eraser.batching.inputs import find_photos, filesystem
from eraser.batching.jobs import Job, from_mask_folder, from_prompts_file, same_for_all
from eraser.batching.names import check_names
from eraser.batching.report import Report
from eraser.batching.work import Options, Record
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER, DEFAULT_MAX_PIXELS
from eraser.errors import EraserError


def plan(input: str, *, recursive: bool = False, masks: Optional[str] = None, prompts: Optional[str] = None,
         points: Iterable[str] = (), exclude: Iterable[str] = (), boxes: Iterable[str] = (),
         mask: Optional[str] = None) -> list[Job]:
    """The jobs of a batch: INPUT's photos with their prompts (one source of prompts)."""
    points, exclude, boxes = tuple(points), tuple(exclude), tuple(boxes)
    sources = [name for name, given in (("--masks", masks), ("--prompts", prompts),
                                         ("--point/--box/--mask", points or boxes or mask)) if given]
    if len(sources) > 1:
        raise EraserError(f"give one source of prompts, not {' and '.join(sources)}")
    photos = find_photos(str(input), recursive, clips=True)
    if masks:
        if exclude:
            raise EraserError("--exclude goes with --point/--box, or in the prompts file")
        return from_mask_folder(str(masks), photos)
    if prompts:
        return from_prompts_file(str(prompts), photos, str(input))
    return same_for_all(photos, points, exclude, boxes, mask)


def batch(input: str, output: str, *, recursive: bool = False, masks: Optional[str] = None,
          prompts: Optional[str] = None, points: Iterable[str] = (), exclude: Iterable[str] = (),
          boxes: Iterable[str] = (), mask: Optional[str] = None, segmenter: str = "auto", inpainter: str = "auto",
          dilate: int = DEFAULT_DILATE, feather: float = DEFAULT_FEATHER, max_pixels: int = DEFAULT_MAX_PIXELS,
          save_mask: Optional[str] = None, force: bool = False, jobs: Optional[int] = None,
          ray: bool = False, ray_address: Optional[str] = None,
          progress: Optional[Callable[[Record, int, int], None]] = None) -> Report:
    """Erase every photo of ``input`` (a folder or fsspec URL) into ``output``,
    keeping each photo's relative path, name and format; returns the report.

    ``points``, ``exclude`` and ``boxes`` apply to every photo, written as the
    CLI takes them (``["120,80"]``, ``["330,460+440,362"]`` for two clicks on
    one object, ``["10,10,50,50"]``) or as :func:`eraser.remove` takes them
    (``[(120, 80)]``, ``[[(330, 460), (440, 362)]]``, ``[(10, 10, 50, 50)]``).

    A photo whose output exists is skipped unless ``force`` (outputs are
    written whole or not at all, so a rerun does what is left). One bad
    photo is a failed record; the others go on.
    """
    from eraser import arguments as arg
    from eraser import pipeline
    from eraser.refine import check

    input, output = arg.location("input", input), arg.location("output", output)
    masks, prompts = arg.location("masks", masks, optional=True), arg.location("prompts", prompts, optional=True)
    mask, save_mask = arg.location("mask", mask, optional=True), arg.location("save_mask", save_mask, optional=True)
    ray_address = arg.location("ray_address", ray_address, optional=True)
    points, exclude = arg.prompt_strings("points", points, 2), arg.prompt_strings("exclude", exclude, 2)
    boxes = arg.prompt_strings("boxes", boxes, 4)
    recursive, force, ray = arg.flag("recursive", recursive), arg.flag("force", force), arg.flag("ray", ray)
    segmenter, inpainter = arg.name("segmenter", segmenter), arg.name("inpainter", inpainter)
    max_pixels = arg.whole("max_pixels", max_pixels)
    if max_pixels <= 0:
        raise EraserError(f"max_pixels must be a positive whole number, not {max_pixels}")
    progress = arg.function("progress", progress)
    if isinstance(jobs, bool) or (jobs is not None and (not isinstance(jobs, int) or jobs < 1)):
        raise EraserError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    check(dilate, feather)
    pipeline.inpainters(inpainter)  # a bad name fails before any photo
    pipeline.segmenters(segmenter)
    work = plan(str(input), recursive=recursive, masks=masks, prompts=prompts, points=points,
                exclude=exclude, boxes=boxes, mask=mask)
    if not work:
        raise EraserError(f"no photos in {input}" + ("" if recursive else " (-r also looks in sub-folders)"))
    _check_output(str(input), str(output), recursive)
    for name, folder in (("--save-mask", save_mask), ("--masks", masks)):
        if folder and _same_place(str(folder), str(output)):
            raise EraserError(f"{name} and --output name one folder: the files would replace each other")
    if save_mask and (_same_place(str(save_mask), str(input)) or (masks and _same_place(str(save_mask), str(masks)))):
        raise EraserError("--save-mask names a folder of inputs: the masks would land among (or replace) them")
    options = Options(str(output), segmenter, inpainter, int(dilate), float(feather), int(max_pixels),
                      str(save_mask) if save_mask else None, bool(force))
    check_names(work, options)  # before any work: every written file its own name
    _check_segmenter(segmenter, work)
    report = Report()
    total = len(work)

    def done(record: Record) -> None:
        report.records.append(record)
        if progress:
            progress(record, len(report.records), total)

    workers = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    if ray:
        from eraser.batching.cluster import run_ray

        stopped = run_ray(work, options, ray_address, jobs or 0, done)
    else:
        from eraser.batching.local import run_local

        stopped = run_local(work, options, workers, done)
    report.seconds = time.perf_counter() - start
    report.interrupted = stopped is not None
    report.stopped_by = stopped
    report.total = total
    return report


def _same_place(a: str, b: str) -> bool:
    fs_a, path_a = filesystem(a)
    fs_b, path_b = filesystem(b)
    if type(fs_a) is not type(fs_b):
        return False
    if fs_a.protocol in ("file", ("file", "local"), "local"):
        path_a, path_b = os.path.realpath(path_a), os.path.realpath(path_b)
    return path_a.rstrip("/") == path_b.rstrip("/")


def _check_output(input: str, output: str, recursive: bool) -> None:
    """The output folder may not be the input folder (outputs keep the photos'
    names), nor inside it when the input is searched recursively."""
    fs_in, path_in = filesystem(input)
    fs_out, path_out = filesystem(output)
    if type(fs_in) is type(fs_out):
        if fs_in.protocol in ("file", ("file", "local"), "local"):
            path_in, path_out = os.path.realpath(path_in), os.path.realpath(path_out)
        path_in, path_out = path_in.rstrip("/"), path_out.rstrip("/")
        if path_in == path_out:
            raise EraserError("the output folder is the input folder: the outputs would replace the photos")
        if recursive and path_out.startswith(path_in + "/"):
            raise EraserError("with -r the output folder may not be inside the input folder (its outputs would be inputs)")
    if fs_out.exists(path_out) and not fs_out.isdir(path_out):
        raise EraserError(f"{output} is a file, not a folder")


def _check_segmenter(name: str, work: list[Job]) -> None:
    """A named segmenter that cannot take the photos' kind of prompt is a usage
    error before any photo, not one failure per photo (``auto`` picks per photo)."""
    if name == "auto":
        return
    from eraser import pipeline

    for kind in sorted({"mask" if job.mask else "box" if job.boxes else "point" for job in work}):
        pipeline.segmenters(name, SimpleNamespace(kind=kind))  # only the prompt's kind is read
