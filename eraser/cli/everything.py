"""``eraser segment IMAGE --auto -o DIR``: segment everything (see :mod:`eraser.everything`)."""

from __future__ import annotations

from pathlib import Path

from eraser.cli.options import Report


def segment_everything(report: Report, image: Path, folder: Path, options: dict, force: bool, max_pixels: int,
                       segmenter: str = "auto") -> None:
    from eraser.everything.generator import Options, generate, settings_for
    from eraser.everything.output import check_folder, write
    from eraser.io import load_image
    from eraser.everything.segmenter import everything_segmenter

    Options(**options)  # bad options fail before the photo is read
    check_folder(folder, force)  # an earlier run there needs --force, before any work
    loaded = report.timed("decode", load_image, image, max_pixels)
    for note in loaded.notices:
        report.notice(note)
    model = everything_segmenter(segmenter)
    masks = report.timed("segment", generate, model, loaded.rgb, settings_for(model, options))
    records = [{**m.record(), "mask": m.mask} for m in masks]
    report.timed("encode", write, folder, loaded.rgb, records, source=image, overwrite=force)
    report.done(f"found {len(records)} mask{'s' if len(records) != 1 else ''} -> {folder}")
