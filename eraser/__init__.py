"""eraser: point at an object in a photo and it disappears.

``import eraser`` stays light: the pipeline and its heavy imports load on
first use of :func:`eraser.remove` or :class:`eraser.Session`.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "remove", "erase_video", "batch", "segment_everything", "Session", "EraserError", "hookimpl", "Prompt"]


def __getattr__(name: str):
    if name == "remove":
        from eraser.api import remove

        return remove
    if name == "erase_video":
        from eraser.video.erase import erase_video

        return erase_video
    if name == "batch":
        from eraser.batching.run import batch

        return batch
    if name == "segment_everything":
        from eraser.everything.run import segment_everything

        return segment_everything
    if name == "Session":
        from eraser.session import Session

        return Session
    if name == "EraserError":
        from eraser.errors import EraserError

        return EraserError
    if name == "hookimpl":
        from eraser.hookspecs import hookimpl

        return hookimpl
    if name == "Prompt":
        from eraser.prompts import Prompt

        return Prompt
    raise AttributeError(f"module 'eraser' has no attribute {name!r}")
