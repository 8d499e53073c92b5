"""What the SAM family's plugin and SAM 2.1's register the same way: a
member's availability (installed or not, and how to install it), its
segmenter built only when first used, and its model steps. Light: the
plugins import it when eraser loads them, so nothing heavy at the top."""

from __future__ import annotations

import importlib


def available(name: str):
    """None once model ``name`` is installed, else one line saying how to install it."""

    def check():
        from eraser.modelstore import missing_reason

        return missing_reason(name)

    return check


def segmenter(target: str, name: str):
    """The factory of ``"package.module:Class"(name)``, imported when eraser first builds it."""
    module, _, attribute = target.partition(":")

    def build():
        return getattr(importlib.import_module(module), attribute)(name)

    return build


def steps(name: str, converter: str, installer: str, coreml: str) -> dict:
    """``register_models``' converter (torch), torch-free installer and CoreML
    step of model ``name``, each imported when it runs."""
    from eraser.modelstore import step

    return dict(converter=step(converter, "torch", "onnx", "coremltools", name=name),
                installer=step(installer, "onnx", name=name),  # no torch
                coreml=step(coreml, "torch", "coremltools", name=name))


def register_members(register, members: dict, target: str) -> None:
    """Each member of ``members`` (name -> an object with ``priority`` and
    ``description``) as a segmenter of points and boxes that can segment
    everything (its factory's object is an eraser.backends.EverythingSegmenter)."""
    for name, member in members.items():
        register(name, segmenter(target, name), prompts=("point", "box"), priority=member.priority,
                 available=available(name), description=member.description, capabilities=("everything",))
