"""The hooks a plugin can implement.

A plugin is any module or object with functions decorated by
``eraser.hookimpl`` and named like the specs below. Built-in backends and
third-party ones are found the same way: through the ``eraser`` entry-point
group. The registry (:mod:`eraser.registry`) calls each hook once per plugin
with the spec's arguments by name; an implementation may take fewer arguments
than its spec names (it gets only those it asks for), so specs can grow
without breaking plugins.

``register`` checks its arguments: a bad registration (a name that is not a
string, ``priority="high"``, a factory that is not callable...) is skipped
with one warning naming the plugin, and a name already registered keeps the
first registration (eraser's built-in plugins win).
"""

import pluggy

hookspec = pluggy.HookspecMarker("eraser")
hookimpl = pluggy.HookimplMarker("eraser")


@hookspec
def register_segmenters(register):
    """Register segmenters: call ``register(name, factory, ...)`` once for each.

    ``register`` is an :class:`eraser.registration.RegisterBackend`.
    ``factory()`` is called only when a user picks the backend, so import heavy
    modules inside it. The object it returns must satisfy
    :class:`eraser.backends.Segmenter`. Keyword arguments of ``register``:
    ``prompts`` (which prompt kinds it accepts, a subset of
    ``{"point", "box", "mask"}``), ``description``, ``priority`` (``auto``
    picks the highest-priority available backend), ``available`` (a
    callable returning ``None`` when usable, else a one-line reason) and
    ``capabilities`` (``("everything",)``: it can segment everything, and
    its object is an :class:`eraser.backends.EverythingSegmenter` too).
    """


@hookspec
def register_inpainters(register):
    """Register inpainters: call ``register(name, factory, ...)`` once for each.

    ``register`` is an :class:`eraser.registration.RegisterBackend`.
    ``factory()`` returns an object satisfying
    :class:`eraser.backends.Inpainter`. Keyword arguments of ``register``:
    ``working_size`` (the longest side, in pixels, of the crop the backend
    should be given; the pipeline downscales larger crops and scales the fill
    back; ``None`` means full resolution), ``detail`` (default True: give a
    downscaled fill the photo's fine detail back; diffusion fills, which have
    no texture to match, say False), ``description``, ``priority`` and
    ``available`` as for segmenters.
    """


@hookspec
def register_trackers(register):
    """Register video trackers: call ``register(name, factory, ...)`` once for each.

    ``register`` is an :class:`eraser.registration.RegisterBackend`.
    ``factory()`` returns an object satisfying :class:`eraser.backends.Tracker`:
    given the key frame and then the frames to follow (forwards or
    backwards) and the key frame's mask, it yields one mask per frame after
    the key frame, or a
    :class:`eraser.backends.TrackLost` where the object left the view, was
    hidden or the track drifted, and then stops. Keyword arguments of
    ``register``: ``description``, ``priority`` and ``available`` as for
    segmenters.
    """


@hookspec
def register_models(register):
    """Register models for ``eraser models`` (list, install, verify).

    Call ``register(name, *, description, filename, converter, url=None,
    md5=None, license="", files=(), installer=None, coreml=None, extras=None)`` (an
    :class:`eraser.registration.RegisterModel`) once for each: ``filename`` is
    the checkpoint's file name, ``url`` and ``md5`` where to download it and
    its checksum, ``converter(checkpoint, out_dir)`` turns a checkpoint into
    the files the backend runs and returns their paths (import heavy modules
    inside it; ``eraser models convert``), ``files`` names the paths (relative
    to the installed model's folder) a usable install must hold. Optional:
    ``installer(checkpoint, out_dir)``, the same without torch (what
    ``eraser models install`` runs when given), and ``coreml(checkpoint,
    out_dir)``, which writes only CoreML packages (run by install on macOS,
    or with ``--coreml``), and ``extras``, a mapping of names to more
    exports of the same form that ``eraser models convert`` runs when asked
    (``--seed-ios-decoder`` runs the extra named ``seed-ios-decoder``).
    """
