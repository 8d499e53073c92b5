"""The SAM family segments everything with SamAutomaticMaskGenerator's
defaults (read from the installed segment-anything's source, without
importing it: it needs torch and torchvision), SAM 2.1 with its own."""

import ast
import importlib.util
from dataclasses import fields
from pathlib import Path

import pytest

from eraser.everything.generator import Options, settings_for


def upstream_defaults() -> dict:
    spec = importlib.util.find_spec("segment_anything")
    if spec is None:
        pytest.skip("the reference: pip install segment-anything (the test extra)")
    tree = ast.parse((Path(spec.submodule_search_locations[0]) / "automatic_mask_generator.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SamAutomaticMaskGenerator")
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    names = [a.arg for a in init.args.args][-len(init.args.defaults):]
    # constant expressions such as 512 / 1500
    return {n: eval(compile(ast.Expression(d), "<default>", "eval"), {"__builtins__": {}})
            for n, d in zip(names, init.args.defaults)}


def test_sam_family_uses_sam_automatic_mask_generators_defaults():
    from eraser_mobilesam.segmenter import InstalledSegmenter

    theirs = upstream_defaults()
    ours = settings_for(InstalledSegmenter)
    shared = [f.name for f in fields(Options) if f.name in theirs]
    assert len(shared) == 11 and {n: getattr(ours, n) for n in shared} == {n: theirs[n] for n in shared}
    assert theirs["pred_iou_thresh"] == 0.88


def test_sam2_differs_from_sam_only_where_upstream_does():
    """SAM2AutomaticMaskGenerator's own check against upstream runs in
    plugins/eraser_sam2/tests/test_sam2_upstream.py; here: only pred_iou_thresh
    (0.8 against 0.88) differs from SAM's, as in sam2 1.1.0."""
    from eraser_mobilesam.segmenter import InstalledSegmenter as Sam
    from eraser_sam2.segmenter import InstalledSegmenter as Sam2

    sam, sam2 = settings_for(Sam), settings_for(Sam2)
    differ = {f.name: (getattr(sam, f.name), getattr(sam2, f.name)) for f in fields(Options)
              if getattr(sam, f.name) != getattr(sam2, f.name)}
    assert differ == {"pred_iou_thresh": (0.88, 0.8)}
