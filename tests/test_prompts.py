import pytest

from eraser.errors import EraserError
from eraser.prompts import build_prompts, parse_box, parse_point_group


def test_each_point_option_is_one_object_and_plus_joins_clicks():
    prompts = build_prompts(100, 80, points=["10,20", "30,40+35.5,41"], exclude=["50,50"])
    assert len(prompts) == 2
    assert prompts[0].points == ((10.0, 20.0), (50.0, 50.0))
    assert prompts[0].labels == (1, 0)
    assert prompts[1].positive_points == [(30.0, 40.0), (35.5, 41.0)]
    assert prompts[1].negative_points == [(50.0, 50.0)]


def test_boxes_are_objects_and_carry_the_exclusions():
    (prompt,) = build_prompts(100, 80, boxes=["10,10,50,60"], exclude=[(5, 5)])
    assert prompt.box == (10, 10, 50, 60)
    assert prompt.kind == "box"
    assert prompt.negative_points == [(5.0, 5.0)]


def test_api_style_tuples_are_accepted():
    prompts = build_prompts(100, 80, points=[(1, 2), [(3, 4), (5, 6)]], boxes=[(0, 0, 100, 80)])
    assert [p.kind for p in prompts] == ["point", "point", "box"]
    assert prompts[1].positive_points == [(3.0, 4.0), (5.0, 6.0)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"points": ["10"]}, "bad point '10'"),
        ({"points": ["a,b"]}, "bad point 'a,b'"),
        ({"points": ["nan,3"]}, "bad point"),
        ({"points": ["100,5"]}, "outside the 100x80 image"),
        ({"points": ["-1,5"]}, "outside"),
        ({"exclude": ["5,80"]}, "outside"),
        ({"boxes": ["1,2,3"]}, "bad box"),
        ({"boxes": ["10,10,5,20"]}, "is empty"),
        ({"boxes": ["0,0,101,80"]}, "outside the 100x80 image"),
    ],
)
def test_bad_prompts_raise_one_line_errors(kwargs, message):
    with pytest.raises(EraserError) as err:
        build_prompts(100, 80, **kwargs)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_parsers():
    assert parse_point_group(" 1,2 + 3,4") == [(1.0, 2.0), (3.0, 4.0)]
    assert parse_box("0,0,10.4,9.6") == (0, 0, 10, 10)
