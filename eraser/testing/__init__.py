"""Test helpers for eraser and for authors of eraser plugins.

``InpainterContract``, ``SegmenterContract`` and ``TrackerContract`` are test classes to subclass
with a backend's name: the contract every backend must keep. Installed as a
pytest plugin (the ``pytest11`` entry point), eraser also provides the
``image_snapshot`` fixture: before/after snapshot tests of image edits that
judge the edited region and the rest of the photo apart (``Tolerance``), a
diff image on failure and ``--force-regen`` to update; the snapshot files are
managed by pytest-regressions (docs/testing.md). ``iou`` scores a predicted
mask against a true one; ``largest_blob`` and ``ssim_map`` are the snapshot
judgement's measures, ``eraser.testing.defects`` the defects its defaults
were chosen against. Two modules are imported on their own:
``eraser.testing.random_weights`` (random, well-scaled weights for a model of
the real architecture; needs torch) and ``eraser.testing.server`` (a real
``eraser serve`` process and an HTTP client to it; needs httpx).
"""

from eraser.testing.contracts import InpainterContract, SegmenterContract, TrackerContract
from eraser.testing.compare import Comparison, compare_images
from eraser.testing.diffimage import diff_image
from eraser.testing.metrics import iou, largest_blob, ssim_map
from eraser.testing.region import edit_region
from eraser.testing.tolerance import Tolerance

__all__ = ["Comparison", "InpainterContract", "SegmenterContract", "Tolerance", "TrackerContract", "compare_images",
           "diff_image", "edit_region", "iou", "largest_blob", "ssim_map"]
