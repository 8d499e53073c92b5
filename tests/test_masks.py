import numpy as np

from eraser import masks


def disk(shape, center, radius):
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (xx - center[0]) ** 2 + (yy - center[1]) ** 2 <= radius**2


def test_refine_dilates_and_feathers_inside_the_hole_only():
    selection = disk((100, 100), (50, 50), 15).astype(np.float32)
    hole, keep = masks.refine(selection, dilate_px=6, feather=3.0)
    assert hole.sum() == masks.dilate(selection > 0.5, 6).sum()
    assert hole[50, 50 + 15 + 6] and not hole[50, 50 + 15 + 8]
    # Outside the hole the original is kept exactly; inside it mostly replaced.
    assert (keep[~hole] == 1.0).all()
    assert (keep[hole] < 0.6).all()  # about 0.5 at the edge, more on convex corners
    assert keep[50, 50] < 1e-4
    # The feather makes a gradient in the outer ring of the hole.
    ring = keep[50, 50 + 15 : 50 + 22]
    assert np.all(np.diff(ring) >= 0) and ring[-1] > 0.3


def test_refine_uses_a_given_soft_mask_as_is():
    soft = np.zeros((10, 10), np.float32)
    soft[2:5, 2:5] = 1.0
    soft[5, 2:5] = 0.25
    hole, keep = masks.refine(soft, 0, 0)
    assert hole.sum() == 12
    np.testing.assert_allclose(keep, 1.0 - soft)


def test_composite_is_exact_where_keep_is_one():
    rng = np.random.default_rng(1)
    original = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    fill = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    keep = np.ones((40, 50), np.float32)
    keep[10:20, 10:30] = rng.random((10, 20)).astype(np.float32)
    keep[12:15, 12:15] = 0.0
    out = masks.composite(original, fill, keep)
    untouched = keep == 1.0
    assert np.array_equal(out[untouched], original[untouched])
    assert np.array_equal(out[12:15, 12:15], fill[12:15, 12:15])
    expected = np.rint(original * keep[..., None] + fill * (1 - keep[..., None]))
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_plan_regions_separates_far_objects_and_merges_near_ones():
    sel = np.zeros((1000, 1000), bool)
    sel[100:120, 100:120] = True
    sel[800:820, 800:820] = True
    far = masks.plan_regions(sel, pad=10)
    assert len(far) == 2
    for region in far:
        assert sel[region.inner.slices].sum() == 400  # each region holds one whole object
    sel[130:150, 130:150] = True  # close to the first object
    near = masks.plan_regions(sel, pad=10)
    assert len(near) == 2
    assert sum(sel[r.inner.slices].sum() for r in near) == sel.sum()


def test_plan_regions_leave_room_for_refinement_and_context():
    sel = np.zeros((500, 500), bool)
    sel[200:260, 200:240] = True
    (region,) = masks.plan_regions(sel, pad=masks.reach(10, 5.0), context=0.5, min_context=64)
    pad = masks.reach(10, 5.0)
    inner, outer = region.inner, region.outer
    assert (inner.x0, inner.y0, inner.x1, inner.y1) == (200 - pad, 200 - pad, 240 + pad, 260 + pad)
    m = pad + 64
    assert (outer.x0, outer.y0, outer.x1, outer.y1) == (200 - m, 200 - m, 240 + m, 260 + m)
    assert masks.plan_regions(np.zeros((5, 5), bool), pad=3) == []
