"""Defaults shared by the core and the CLI, in a module with no heavy imports
so that ``eraser --help`` can show them without loading numpy or OpenCV."""

DEFAULT_DILATE = 10  # pixels the selection is widened by
DEFAULT_FEATHER = 5.0  # Gaussian sigma of the soft edge (the seed app's blur)
DEFAULT_MAX_PIXELS = 100_000_000  # decompression-bomb guard; --max-pixels raises it
DEFAULT_HISTORY = 8  # undo steps an editing session keeps
DEFAULT_SERVE_PHOTOS = 8  # photos each browser tab keeps open in `eraser serve`
DEFAULT_SERVE_UPLOAD_MB = 64  # the largest upload `eraser serve` accepts
