"""``eraser remove``, ``segment`` and ``inpaint``: parse, check every output
path before any work, call the core, print one summary line."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from eraser import defaults
from eraser.cli import paths
from eraser.cli.options import (
    BOX, COMPARE, DILATE, EXCLUDE, FEATHER, FORCE, INPAINTER, MAX_PIXELS, POINT, QUIET, SEGMENTER, VERBOSE, Report,
)

OUTPUT_HELP = "Where to write the result [default: IMAGE.erased.EXT beside the input]."


def auto_help(name: str, text: str) -> str:
    """An --auto option's help: its default is the segmenter's (SAM 2.1's differ from SAM's), else SAM's."""
    value = defaults.EVERYTHING[name]
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f"{text[:-1]} [default: the segmenter's; SAM's {shown}]."


def remove(
    image: Path = typer.Argument(..., metavar="IMAGE", help="The photo to clean."),
    point: List[str] = POINT,
    exclude: List[str] = EXCLUDE,
    box: List[str] = BOX,
    mask: Optional[Path] = typer.Option(None, "--mask", "-m", metavar="MASK", help="A mask image of what to remove (white or opaque = remove)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help=OUTPUT_HELP),
    segmenter: str = SEGMENTER,
    inpainter: str = INPAINTER,
    dilate: int = DILATE,
    feather: float = FEATHER,
    save_mask: Optional[Path] = typer.Option(None, "--save-mask", metavar="PATH", help="Also write the refined mask (PNG)."),
    compare: Optional[Path] = COMPARE,
    force: bool = FORCE,
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Remove the objects under the points, boxes or mask from IMAGE."""
    report = Report(quiet, verbose)
    if image.suffix.lower() in (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"):
        from eraser.errors import EraserError

        raise EraserError(f"{image} is a video: use `eraser video {image} --point X,Y` (see `eraser video --help`)")
    out = _output(image, output)
    paths.check([out, save_mask, compare], image=image, inputs=[mask], force=force)
    paths.check_masks([save_mask])
    session = _open(report, image, max_pixels, segmenter=segmenter, inpainter=inpainter, dilate=dilate, feather=feather)
    session.add(points=point, boxes=box, exclude=exclude, mask=mask)
    objects = len(session.objects)
    result = _erase_and_save(report, session, out, save_mask, compare, force)
    report.done(
        f"erased {objects} object{'s' if objects != 1 else ''} with {'+'.join(result.segmenters)} and "
        f"{result.inpainter}: {100 * result.share:.1f}% of the photo changed -> {out}"
    )


def segment(
    image: Path = typer.Argument(..., metavar="IMAGE", help="The photo."),
    output: Path = typer.Option(..., "--output", "-o", metavar="OUT", help="Where to write the refined mask (PNG); with --auto, a folder."),
    point: List[str] = POINT,
    exclude: List[str] = EXCLUDE,
    box: List[str] = BOX,
    segmenter: str = SEGMENTER,
    dilate: int = DILATE,
    feather: float = FEATHER,
    force: bool = FORCE,
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    auto: bool = typer.Option(False, "--auto", help="Segment everything (the best segmenter that can, e.g. MobileSAM, or the one named by --segmenter): a PNG per mask, masks.json, overlay.png in OUT; --force replaces an earlier run there (its extra masks removed)."),
    points_per_side: Optional[int] = typer.Option(None, "--points-per-side", metavar="N", help=auto_help("points_per_side", "--auto: a grid of N x N points.")),
    points_per_batch: Optional[int] = typer.Option(None, "--points-per-batch", metavar="N", help=auto_help("points_per_batch", "--auto: points decoded per batch.")),
    pred_iou_thresh: Optional[float] = typer.Option(None, "--pred-iou-thresh", metavar="X", help=auto_help("pred_iou_thresh", "--auto: keep masks whose predicted IoU is above X.")),
    stability_score_thresh: Optional[float] = typer.Option(None, "--stability-score-thresh", metavar="X", help=auto_help("stability_score_thresh", "--auto: keep masks at least this stable.")),
    stability_score_offset: Optional[float] = typer.Option(None, "--stability-score-offset", metavar="X", help=auto_help("stability_score_offset", "--auto: logit offset of the stability score.")),
    box_nms_thresh: Optional[float] = typer.Option(None, "--box-nms-thresh", metavar="X", help=auto_help("box_nms_thresh", "--auto: box IoU above which the weaker mask goes.")),
    crop_n_layers: Optional[int] = typer.Option(None, "--crop-n-layers", metavar="N", help=auto_help("crop_n_layers", "--auto: also run on N layers of crops.")),
    crop_nms_thresh: Optional[float] = typer.Option(None, "--crop-nms-thresh", metavar="X", help=auto_help("crop_nms_thresh", "--auto: box IoU between crops' masks.")),
    crop_overlap_ratio: Optional[float] = typer.Option(None, "--crop-overlap-ratio", metavar="X", help=auto_help("crop_overlap_ratio", "--auto: overlap of the crops.")),
    crop_n_points_downscale_factor: Optional[int] = typer.Option(None, "--crop-n-points-downscale-factor", metavar="N", help=auto_help("crop_n_points_downscale_factor", "--auto: fewer points per crop layer.")),
    min_mask_region_area: Optional[int] = typer.Option(None, "--min-mask-region-area", metavar="PX", help=auto_help("min_mask_region_area", "--auto: remove holes and islands smaller than PX.")),
    input_size_percent: Optional[int] = typer.Option(None, "--input-size-percent", metavar="P", help=auto_help("input_size_percent", "--auto: work on the photo scaled to P percent.")),
) -> None:
    """Write the refined mask (255 = replaced, feathered edge, 0 = kept) without inpainting.

    `eraser inpaint IMAGE --mask MASK` then gives remove's hole and blend; with
    --dilate 0 --feather 0 the selection itself, which `eraser remove --mask`
    turns into remove's output byte for byte.
    """
    report = Report(quiet, verbose)
    if auto:
        from eraser.cli.everything import segment_everything

        given = dict(points_per_side=points_per_side, points_per_batch=points_per_batch,
                     pred_iou_thresh=pred_iou_thresh, stability_score_thresh=stability_score_thresh,
                     stability_score_offset=stability_score_offset, box_nms_thresh=box_nms_thresh,
                     crop_n_layers=crop_n_layers, crop_nms_thresh=crop_nms_thresh,
                     crop_overlap_ratio=crop_overlap_ratio,
                     crop_n_points_downscale_factor=crop_n_points_downscale_factor,
                     min_mask_region_area=min_mask_region_area, input_size_percent=input_size_percent)
        # what is not given takes the segmenter's default (SAM 2.1's differ from SAM's)
        options = {k: v for k, v in given.items() if v is not None}
        return segment_everything(report, image, output, options, force, max_pixels, segmenter)
    paths.check([output], image=image, inputs=[], force=force)
    paths.check_masks([output])
    session = _open(report, image, max_pixels, segmenter=segmenter, dilate=dilate, feather=feather)
    session.add(points=point, boxes=box, exclude=exclude)
    preview = session.preview()
    report.stages(preview.timings)
    for note in session.notices + preview.notices:
        report.notice(note)
    report.timed("encode", _save_array, preview.removal_mask(), output, force)
    report.done(f"segmented with {'+'.join(preview.segmenters)}: {100 * preview.share:.1f}% of the photo selected -> {output}")


def inpaint(
    image: Path = typer.Argument(..., metavar="IMAGE", help="The photo."),
    mask: Path = typer.Option(..., "--mask", "-m", metavar="MASK", help="What to fill: white (or opaque) = replace; grey blends."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help=OUTPUT_HELP),
    inpainter: str = INPAINTER,
    dilate: int = typer.Option(0, "--dilate", metavar="PX", min=0, help="Widen the mask by this many pixels."),
    feather: float = typer.Option(0.0, "--feather", metavar="SIGMA", min=0.0, help="Gaussian sigma of a soft edge to add."),
    compare: Optional[Path] = COMPARE,
    force: bool = FORCE,
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Fill the masked part of IMAGE. The mask is used as given unless --dilate/--feather ask for more."""
    report = Report(quiet, verbose)
    out = _output(image, output)
    paths.check([out, compare], image=image, inputs=[mask], force=force)
    session = _open(report, image, max_pixels, segmenter="mask", inpainter=inpainter, dilate=dilate, feather=feather)
    session.add(mask=mask)
    result = _erase_and_save(report, session, out, None, compare, force)
    report.done(f"inpainted with {result.inpainter}: {100 * result.share:.1f}% of the photo changed -> {out}")


def _output(image: Path, output: Optional[Path]) -> Path:
    if output is not None:
        return output
    if not image.name:  # '' or '/': no name to put the default output beside
        from eraser.errors import EraserError

        raise EraserError(f"{str(image)!r} is not an image file name")
    from eraser.io import default_output_path

    return default_output_path(image, "erased")


def _open(report: Report, image: Path, max_pixels: int, **options):
    from eraser.session import Session

    return report.timed("decode", Session, image, max_pixels=max_pixels, **options)


def _save_array(array, path: Path, force: bool) -> None:
    from eraser.io import save_array

    save_array(array, path, overwrite=force)


def _erase_and_save(report: Report, session, out: Path, save_mask: Optional[Path], compare: Optional[Path], force: bool):
    """Erase what the session has marked, report its stages and notes, write every output."""
    result = session.erase()
    report.stages(result.timings)
    for note in result.notices:
        report.notice(note)
    report.timed("encode", session.save, out, overwrite=force)
    if save_mask is not None:
        _save_array(result.removal_mask(), save_mask, force)
    if compare is not None:
        from eraser.compare import compare_image

        _save_array(compare_image(session.loaded.rgb, result.removal_mask(), result.image), compare, force)
    return result
