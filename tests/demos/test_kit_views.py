"""The kit's line builders for pictures on the plane: polylines with the pen lifted between
pieces, and arrows (a shaft and a two-stroke head each)."""

import math

import numpy as np

from workers.kit.views import arrows, polylines


def test_polylines_lift_the_pen_between_pieces() -> None:
    series = polylines("paths", [[[0, 0], [1, 1]], np.array([[2, 0], [3, 1], [4, 0]])])
    assert series.x == [0, 1, 1, 2, 3, 4, 4]
    assert series.y == [0, 1, None, 0, 1, 0, None]


def test_an_arrow_is_a_shaft_and_a_head_at_its_tip() -> None:
    series = arrows("field", [[1.0, 1.0]], [[2.0, 0.0]], head=0.25, head_angle=math.radians(30))
    # the shaft from (1, 1) to (3, 1), then the head: two strokes of 0.25 × 2 meeting at the tip
    back, side = 0.5 * math.cos(math.radians(30)), 0.5 * math.sin(math.radians(30))
    expected_x = [1, 3, 3, 3 - back, 3, 3 - back, 3 - back]
    expected_y = [1, 1, None, 1 + side, 1, 1 - side, None]
    assert series.x == [round(x, 4) for x in expected_x]
    assert [y if y is None else round(y, 4) for y in series.y] == [
        y if y is None else round(y, 4) for y in expected_y
    ]


def test_no_arrows_draw_nothing() -> None:
    series = arrows("field", np.empty((0, 2)), np.empty((0, 2)))
    assert series.x == [] and series.y == []
