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


def _merge_by_every_pair(items):
    """The plain reference: compare every pair, merge, start again."""
    items = list(items)
    merged = True
    while merged:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if items[i][0].overlaps(items[j][0]):
                    rect, payload = items.pop(j)
                    items[i] = (items[i][0].union(rect), items[i][1] + payload)
                    merged = True
                    break
            if merged:
                break
    return items


def test_merge_overlapping_equals_comparing_every_pair():
    import numpy as np

    from eraser.geometry import Rect, merge_overlapping

    rng = np.random.default_rng(0)
    for trial in range(200):
        n = int(rng.integers(0, 60))
        size = int(rng.integers(5, 200))
        rects = []
        for _ in range(n):
            x0, y0 = (int(v) for v in rng.integers(0, 300, 2))
            w, h = (int(v) for v in rng.integers(0, size, 2))  # empty ones too
            rects.append(Rect(x0, y0, x0 + w, y0 + h))
        items = [(r, [k]) for k, r in enumerate(rects)]
        ours, reference = merge_overlapping(items), _merge_by_every_pair(items)
        assert [r for r, _ in ours] == [r for r, _ in reference], trial
        assert [sorted(p) for _, p in ours] == [sorted(p) for _, p in reference], trial
    # touching is not overlapping
    a, b = Rect(0, 0, 10, 10), Rect(10, 0, 20, 10)
    assert len(merge_overlapping([(a, [0]), (b, [1])])) == 2


def test_a_mask_of_many_specks_is_refined_in_reasonable_work():
    """30,000 isolated specks (each its own group): the groups are found
    through a grid, not by comparing every pair (minutes before)."""

    from eraser.geometry import Rect, merge_overlapping

    items = [(Rect(x, y, x + 5, y + 5), [k]) for k, (y, x) in enumerate(
        (y, x) for y in range(0, 3000, 17) for x in range(0, 3400, 20))]
    assert len(merge_overlapping(items)) == len(items)
