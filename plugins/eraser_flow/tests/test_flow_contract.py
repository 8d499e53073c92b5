"""The flow tracker keeps the tracker contract."""

from eraser.testing import TrackerContract


class TestFlowTracker(TrackerContract):
    tracker = "flow"
