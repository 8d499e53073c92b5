"""Test helpers for eraser and for authors of eraser plugins.

``InpainterContract``, ``SegmenterContract`` and ``TrackerContract`` are test classes to subclass
with a backend's name: the contract every backend must keep. Installed as a
pytest plugin (the ``pytest11`` entry point), eraser also provides the
``image_snapshot`` fixture: before/after snapshot tests of image edits with a
stated per-pixel tolerance, a diff image on failure and ``--force-regen`` to
update. The snapshot files are managed by pytest-regressions. ``iou`` scores
a predicted mask against a true one.
"""

from eraser.testing.contracts import InpainterContract, SegmenterContract, TrackerContract
from eraser.testing.metrics import iou
from eraser.testing.snapshot import Comparison, Tolerance, compare_images, diff_image

__all__ = ["Comparison", "InpainterContract", "SegmenterContract", "Tolerance", "TrackerContract", "compare_images", "diff_image", "iou"]
