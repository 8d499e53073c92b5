"""Stage plan regions: crops around groups of holes, with context."""

import numpy as np

from eraser import regions
from eraser.refine import reach, refine


def plan(sel, pad, **kw):
    """Refine ``sel`` so that parts reach ``pad`` beyond it, then plan the regions."""
    # reach(d, 0) = d + 1: a dilation of pad - 1 with no feather pads by exactly pad.
    refined = refine(sel.astype(np.float32), pad - 1, 0.0)
    return refined, regions.plan(refined, **kw)


def test_plan_regions_separates_far_objects_and_merges_near_ones():
    sel = np.zeros((1000, 1000), bool)
    sel[100:120, 100:120] = True
    sel[800:820, 800:820] = True
    _, far = plan(sel, pad=10)
    assert len(far) == 2
    for region in far:
        assert sel[region.target.slices].sum() == 400  # each region holds one whole object
    sel[130:150, 130:150] = True  # close to the first object
    _, near = plan(sel, pad=10)
    assert len(near) == 2
    assert sum(sel[r.target.slices].sum() for r in near) == sel.sum()


def test_plan_regions_leave_room_for_refinement_and_context():
    sel = np.zeros((500, 500), bool)
    sel[200:260, 200:240] = True
    pad = reach(10, 5.0)
    refined = refine(sel.astype(np.float32), 10, 5.0)
    (region,) = regions.plan(refined, context=0.5, min_context=64)
    inner, outer = region.target, region.outer
    assert (inner.x0, inner.y0, inner.x1, inner.y1) == (200 - pad, 200 - pad, 240 + pad, 260 + pad)
    m = pad + 64
    assert (outer.x0, outer.y0, outer.x1, outer.y1) == (200 - m, 200 - m, 240 + m, 260 + m)
    assert regions.plan(refine(np.zeros((5, 5), np.float32), 3, 0.0)) == []
