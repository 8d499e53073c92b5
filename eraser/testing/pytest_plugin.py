"""The pytest plugin eraser installs (entry point ``pytest11``)."""

import pytest


@pytest.fixture
def image_snapshot(request, tmp_path):
    """Before/after snapshot checks of images; see :class:`ImageSnapshot`."""
    from eraser.testing.snapshot import ImageSnapshot

    # pytest-regressions writes obtained files under datadir; a per-test temp
    # folder keeps them out of the source tree.
    return ImageSnapshot(request, tmp_path, tmp_path)
