"""The hooks a plugin can implement.

A plugin is any module or object with functions decorated by
``eraser.hookimpl`` and named like the specs below. Built-in backends and
third-party ones are found the same way: through the ``eraser`` entry-point
group. A hook implementation may take fewer arguments than its spec names
(pluggy passes only those it asks for), so specs can grow without breaking
plugins.
"""

import pluggy

hookspec = pluggy.HookspecMarker("eraser")
hookimpl = pluggy.HookimplMarker("eraser")


@hookspec
def register_segmenters(register):
    """Register segmenters: call ``register(name, factory, ...)`` once for each.

    ``factory()`` is called only when a user picks the backend, so import heavy
    modules inside it. The object it returns must satisfy
    :class:`eraser.backends.Segmenter`. Keyword arguments of ``register``:
    ``prompts`` (which prompt kinds it accepts, a subset of
    ``{"point", "box", "mask"}``), ``description``, ``priority`` (``auto``
    picks the highest-priority available backend) and ``available`` (a
    callable returning ``None`` when usable, else a one-line reason).
    """


@hookspec
def register_inpainters(register):
    """Register inpainters: call ``register(name, factory, ...)`` once for each.

    ``factory()`` returns an object satisfying
    :class:`eraser.backends.Inpainter`. Keyword arguments of ``register``:
    ``working_size`` (the longest side, in pixels, of the crop the backend
    should be given; the pipeline downscales larger crops and scales the fill
    back; ``None`` means full resolution), ``detail`` (default True: give a
    downscaled fill the photo's fine detail back; diffusion fills, which have
    no texture to match, say False), ``description``, ``priority`` and
    ``available`` as for segmenters.
    """
