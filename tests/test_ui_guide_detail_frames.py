"""Guide detail draws its first screenful in the tap's own frame and the rest in the next one
(screens/guide_detail.py, screens/frames.py): the frame that follows the finger lifting must
show a page filled to the bottom, never a half-empty one; one frame later every section and
the QR code are there."""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import CST
from kiosk.config import Display, Settings
from screens.guide_detail import first_screen_count, section_plan

pytestmark = pytest.mark.ui

NOW = dt.datetime(2026, 11, 22, 9, 41, 5, tzinfo=CST)


def tap_and_lift(h, widget) -> None:
    """Touch down, one frame, touch up — and no frame after it."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    h.frames(1)
    touch.touch_up()


def visible_rows(guides) -> list:
    """The rows a finger can reach: their centre inside the list's clipped box (a RecycleView
    also builds the row cut by the bottom edge; a tap there lands on nothing)."""
    box = guides.guide_list
    bottom = box.to_window(*box.pos)[1]
    top = bottom + box.height
    return [row for row in guides.guide_list.rows() if bottom < row.to_window(*row.center)[1] < top]


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)],
                         ids=["portrait", "landscape", "pi7"])
def test_first_frame_fills_the_page_rest_follows_next_frame(ui, demo_view, size):
    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=size, now=lambda: NOW)
    h.tap(h.home.tile("guides"))
    guides = h.screen("guides")
    detail = None
    for index in range(min(4, len(visible_rows(guides)))):
        row = visible_rows(guides)[index]
        tap_and_lift(h, row)
        h.frames(1)  # the frame that answers the tap
        detail = h.screen("guide_detail")
        assert h.current == "guide_detail" and detail.guide_id == row.guide_id
        plan = section_plan(detail.guide)
        column = detail.scroll.ids.column
        assert column.height >= detail.scroll.height, "first frame leaves the page half empty"
        assert len(detail.sections) <= len(plan)
        h.frames(1)  # the next frame builds the rest
        assert detail.section_headings() == [heading for heading, _rows in plan]
        if detail.guide.online_url:
            assert detail.header.qr_texture is not None
        h.app.go_back()
        h.frames(2)
    assert detail is not None


def test_first_screen_estimate_grows_with_the_room():
    plan = [("A", [("GuideText", {"plain_text": "字" * 40})]),
            ("B", [("GuideFactRow", {"label": "时间", "value": "周一至周五"})] * 3),
            ("C", [("GuideText", {"plain_text": "字" * 200})]),
            ("D", [("GuideText", {"plain_text": "字"})])]
    assert first_screen_count(plan, 0, 40, 20) == 2       # never fewer than two
    assert first_screen_count(plan, 400, 40, 20) == 3
    assert first_screen_count(plan, 10_000, 40, 20) == 4  # everything, when it all fits
