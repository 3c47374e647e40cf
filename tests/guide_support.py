"""Shared by the 办事指南 UI tests (test_ui_guides, test_ui_guide_detail): the `start` fixture
(the real KioskApp on the demo centre) and the moves a resident makes (open the list, search,
type on the on-screen keyboard, drag, double taps), plus a fit check for every label."""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import CST
from kiosk.config import Display, Settings

NOW = dt.datetime(2026, 11, 22, 9, 41, 5, tzinfo=CST)
SIZES = [(1080, 1920), (1920, 1080), (800, 480)]
SIZE_IDS = ["portrait", "landscape", "pi7"]
HEADINGS = ["事项简介", "办理信息", "办理条件", "所需材料", "办理流程", "办理依据", "常见问题"]
FACTS = ["办理地点/窗口", "办理时间", "承诺时限", "到现场次数", "收费标准", "咨询电话", "投诉电话"]


@pytest.fixture
def start(ui, demo_view):
    def run(size=(1080, 1920), elder=False):
        settings = Settings(elder_mode_default=elder, display=Display(fullscreen=False))
        return ui(settings, demo_view, size=size, now=lambda: NOW)
    return run


def tag(size, elder=False) -> str:
    return f"{size[0]}x{size[1]}" + ("_elder" if elder else "")


def flat(texts) -> list[str]:
    """Label texts with the CJK wrapping undone."""
    return [t.replace("\n", "") for t in texts]


def screen(h, name):
    return h.app.manager.get_screen(name)


def open_guides(h):
    h.press(h.home.tile("guides"), frames=3)  # a deliberate tap: past the tile's double-tap guard
    assert h.app.manager.current == "guides"
    return screen(h, "guides")


def open_search(h):
    guides = open_guides(h)
    h.press(guides.content.ids.search, frames=3)
    assert h.app.manager.current == "guide_search"
    return screen(h, "guide_search")


def type_keys(h, search, keys: str) -> None:
    for key in keys:
        h.tap(search.keyboard.key(key), frames=1)
    h.frames(2)


def double_tap(h, widget) -> None:
    """One finger seen twice (SDL mouse emulation + mtdev on the Pi): two overlapping touches."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    first, second = UnitTestTouch(x, y), UnitTestTouch(x, y)
    first.touch_down()
    second.touch_down()
    h.frames(1)
    first.touch_up()
    second.touch_up()
    h.frames(3)


def drag(h, widget, dy: float = 0, dx: float = 0, steps: int = 8) -> None:
    """A finger drag by (dx, dy) px (dy > 0 = upwards) starting at the centre of `widget`."""
    h.drag(*widget.to_window(*widget.center), dx, dy, steps)


def assert_inside(h, root, size) -> None:
    """Every visible label's text fits its widget, and no widget leaves the window sideways
    (the content of a sideways-scrolling view, the category chips, may: it scrolls)."""
    from screens.text_label import TextLabel as Label
    from kivy.uix.scrollview import ScrollView

    width = size[0]
    pending = [root]
    while pending:
        w = pending.pop()
        if w.opacity == 0 or w.width <= 0:
            continue
        x0, _ = w.to_window(w.x, w.y)
        assert x0 >= -1 and x0 + w.width <= width + 1, (type(w).__name__, x0, w.width)
        if isinstance(w, Label) and w.text and not w.shorten:
            assert w.texture_size[0] <= w.width + 2, (w.text, w.texture_size, w.width)
        if not (isinstance(w, ScrollView) and w.do_scroll_x):
            pending.extend(w.children)


def open_detail(h, guide_id):
    open_guides(h)
    assert h.app.open_screen("guide_detail", guide_id=guide_id)
    h.frames(3)
    return screen(h, "guide_detail")
