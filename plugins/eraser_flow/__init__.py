"""Built-in video tracker ``flow``: dense optical flow (OpenCV DIS) carries the
mask from frame to frame, the photo segmenter re-fits it on a box around it."""

from eraser.hookspecs import hookimpl


def _flow():
    from eraser_flow.tracker import FlowTracker

    return FlowTracker()


@hookimpl
def register_trackers(register):
    register(
        "flow",
        _flow,
        priority=10,
        description="OpenCV DIS optical flow warps the mask, the photo segmenter re-fits it each frame; stops on drift",
    )
