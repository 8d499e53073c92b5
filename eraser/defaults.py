"""Defaults shared by the core and the CLI, in a module with no heavy imports
so that ``eraser --help`` can show them without loading numpy or OpenCV."""

DEFAULT_DILATE = 10  # pixels the selection is widened by
DEFAULT_FEATHER = 5.0  # Gaussian sigma of the soft edge (the seed app's blur)
DEFAULT_MAX_PIXELS = 100_000_000  # decompression-bomb guard; --max-pixels raises it
DEFAULT_HISTORY = 8  # undo steps an editing session keeps
DEFAULT_SERVE_PHOTOS = 8  # photos each browser tab keeps open in `eraser serve`
DEFAULT_SERVE_UPLOAD_MB = 64  # the largest upload `eraser serve` accepts

# Segment everything: SamAutomaticMaskGenerator's options and defaults (names as
# the seed has them); eraser.everything.generator.Options and `segment --auto` take them from here.
EVERYTHING = {
    "points_per_side": 32,
    "points_per_batch": 64,
    "pred_iou_thresh": 0.88,
    "stability_score_thresh": 0.95,
    "stability_score_offset": 1.0,
    "box_nms_thresh": 0.7,
    "crop_n_layers": 0,
    "crop_nms_thresh": 0.7,
    "crop_overlap_ratio": 512 / 1500,
    "crop_n_points_downscale_factor": 1,
    "min_mask_region_area": 0,
    "input_size_percent": 100,
}
