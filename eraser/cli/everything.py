"""``eraser segment IMAGE --auto -o DIR``: segment everything (see :mod:`eraser.everything`)."""

from __future__ import annotations

from pathlib import Path

from eraser.cli.options import Report


def segment_everything(report: Report, image: Path, folder: Path, options: dict, force: bool, max_pixels: int,
                       segmenter: str = "auto") -> None:
    from eraser.everything.generator import Options, generate
    from eraser.everything.output import write
    from eraser.io import load_image
    from eraser.everything.segmenter import everything_segmenter

    settings = Options(**options)  # bad options fail before the photo is read
    if folder.exists() and not folder.is_dir():
        from eraser.errors import EraserError

        raise EraserError(f"{folder} is a file, not a folder (with --auto, -o names a folder)")
    loaded = report.timed("decode", load_image, image, max_pixels)
    model = everything_segmenter(segmenter)
    masks = report.timed("segment", generate, model, loaded.rgb, settings)
    records = [{**m.record(), "mask": m.mask} for m in masks]
    report.timed("encode", write, folder, loaded.rgb, records, source=image, overwrite=force)
    report.done(f"found {len(records)} mask{'s' if len(records) != 1 else ''} -> {folder}")
