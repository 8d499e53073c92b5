"""Property-based tests (hypothesis) of the promises under random input: only
EraserError for a caller's mistake, no pixel outside the hole changes, no NaN.

The budget is fixed and derandomized so CI runs the same cases in seconds;
`tests/fuzz_api.py` runs such calls for minutes.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eraser
from eraser import EraserError

BUDGET = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

finite = st.floats(min_value=-50, max_value=250, allow_nan=False)
any_float = st.floats(allow_nan=True, allow_infinity=True)
huge = st.sampled_from([10**400, -(10**400)])  # beyond a float: float() raises OverflowError
number = st.one_of(st.integers(-10, 300), finite, any_float, st.integers(-(2**70), 2**70), huge)
point = st.one_of(
    st.tuples(number, number),
    st.lists(number, max_size=3),
    st.builds(lambda x, y: np.array([x, y]), finite, finite),
    st.builds(lambda x, y: f"{x},{y}", finite, finite),
    st.text(max_size=8),
    st.none(),
)
points = st.one_of(st.none(), point, st.lists(st.one_of(point, st.lists(point, max_size=3)), max_size=3))
box = st.one_of(st.none(), st.tuples(number, number, number, number), st.lists(number, max_size=5), st.text(max_size=12))


@st.composite
def photo(draw):
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@st.composite
def photo_and_mask(draw):
    image = draw(photo())
    height, width = image.shape[:2]
    y0, x0 = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
    y1, x1 = draw(st.integers(y0 + 1, height)), draw(st.integers(x0 + 1, width))
    mask = np.zeros((height, width), bool)
    mask[y0:y1, x0:x1] = True
    return image, mask


def check_result(image, out, removal):
    assert isinstance(out, np.ndarray) and out.shape == image.shape and out.dtype == np.uint8
    untouched = removal == 0
    assert np.array_equal(out[untouched], image[untouched])


@BUDGET
@given(photo_and_mask(), st.integers(0, 6), st.floats(0, 4), st.sampled_from(["telea", "ns"]))
def test_only_the_hole_changes(data, dilate, feather, inpainter):
    image, mask = data
    out, removal = eraser.remove(image, mask=mask, dilate=dilate, feather=feather, inpainter=inpainter, return_mask=True)
    check_result(image, out, removal)
    assert removal[mask].min() > 0  # the marked pixels are in the hole


@BUDGET
@given(photo(), points, box, points, st.one_of(st.integers(-3, 12), any_float, st.none(), huge), st.one_of(st.floats(-1, 6), any_float, huge))
def test_any_prompt_is_a_result_or_an_eraser_error(image, pts, bx, exclude, dilate, feather):
    try:
        out, removal = eraser.remove(image, points=pts, box=bx, exclude=exclude, dilate=dilate, feather=feather,
                                     inpainter="telea", return_mask=True)
    except EraserError as exc:
        assert "\n" not in str(exc)
        return
    check_result(image, out, removal)


ODD_IMAGES = [
    np.zeros((10, 10), np.float32),
    np.full((10, 10, 3), np.nan, np.float32),
    np.zeros((10, 10, 3), np.uint16),
    np.zeros((10, 10), bool),
    np.zeros((10, 10, 2), np.uint8),
    np.zeros((0, 10, 3), np.uint8),
    np.zeros((10, 10, 5), np.uint8),
    np.zeros((2, 2, 2, 2), np.uint8),
    b"not an image",
    None,
    42,
    "",
]


@pytest.mark.parametrize("image", ODD_IMAGES, ids=lambda v: type(v).__name__ + str(getattr(v, "dtype", "")) + str(getattr(v, "shape", "")))
def test_odd_images_are_a_result_or_an_eraser_error(image):
    try:
        out = eraser.remove(image, box=(0, 0, 5, 5), inpainter="telea", segmenter="grabcut")
    except EraserError as exc:
        assert "\n" not in str(exc)
        return
    assert np.asarray(out).shape[:2] == np.asarray(image).shape[:2]


# ------------------------------------------------- since the reliability follow-up (issue 21)

@BUDGET
@given(st.lists(st.sampled_from(["a.jpg", "a.png", "a.JPG", "b.png", "b.jpeg", "sub/a.png", "c.tif"]), min_size=1,
                max_size=5, unique=True), st.booleans())
def test_a_batch_writes_one_file_per_name_or_nothing(tmp_path_factory, names, force):
    """Every mask and output a batch writes has a name of its own, or the run
    is refused before anything is written."""
    from PIL import Image

    root = tmp_path_factory.mktemp("names")
    for name in names:
        (root / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(root / "in" / name, format="PNG")
    stems = [n.rsplit(".", 1)[0] for n in names]
    try:
        report = eraser.batch(root / "in", root / "out", recursive=True, save_mask=root / "masks", boxes=["1,1,4,4"],
                              inpainter="telea", force=force, jobs=1)
    except EraserError as exc:
        assert "\n" not in str(exc) and len(set(stems)) < len(stems)
        assert not (root / "out").exists() and not (root / "masks").exists()
        return
    assert len(set(stems)) == len(stems)
    assert [r.status for r in report.records] == ["done"] * len(names)
    assert len(list((root / "masks").rglob("*.png"))) == len(names)


class _Everywhere:
    """An everything segmenter (eraser.backends.EverythingSegmenter) whose every mask covers the whole crop."""

    def embed(self, crop):
        return None

    def decode(self, embedding, crop_shape, points):
        return np.full((len(points), 3, 8, 8), 8.0, np.float32), np.full((len(points), 3), 0.97, np.float32)

    def upscale(self, logits, crop_shape):
        import cv2

        return cv2.resize(logits.astype(np.float32), (crop_shape[1], crop_shape[0]), interpolation=cv2.INTER_LINEAR)


@BUDGET
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 6))
def test_segment_everything_gives_no_duplicate_masks(height, width, side):
    from eraser.everything.generator import Options, generate

    image = np.zeros((height, width, 3), np.uint8)
    masks = generate(_Everywhere(), image, Options(points_per_side=side))
    packed = [np.packbits(m.mask).tobytes() for m in masks]
    assert len(packed) == len(set(packed)) == 1


@BUDGET
@given(st.sampled_from(["input", "output", "save_mask", "points", "boxes", "force", "recursive", "max_pixels",
                        "segmenter", "progress"]),
       st.sampled_from([None, 3, 2.5, b"x", ["a"], "", 10**400, object()]))
def test_batch_arguments_of_a_wrong_type_are_one_line_and_write_nothing(tmp_path_factory, name, value):
    import os

    root = tmp_path_factory.mktemp("types")
    (root / "in").mkdir()
    from PIL import Image

    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(root / "in" / "a.png")
    args = {"input": root / "in", "output": root / "out", "boxes": ["1,1,4,4"], "inpainter": "telea", name: value}
    here = os.getcwd()
    os.chdir(root)
    try:
        eraser.batch(args.pop("input"), args.pop("output"), **args)
    except EraserError as exc:
        assert "\n" not in str(exc)
        assert sorted(os.listdir(root)) == ["in"]
    else:  # only values the CLI could give too are taken
        assert (name, value) in {("save_mask", None), ("progress", None)}
    finally:
        os.chdir(here)
