"""screens/clip.py: a scroll view clipped by a scissor rectangle shows its content inside its
own rectangle only — checked on the pixels the GL framebuffer holds, at every display rotation
(the scissor works in framebuffer pixels, the widgets in rotated window coordinates). Also
kiosk.app.set_rotation: 180 degrees really turns the picture (Kivy alone does not, from 0)."""
from __future__ import annotations

import pytest

from screens.clip import window_to_framebuffer

pytestmark = pytest.mark.ui

RED = (255, 0, 0)


def red_box(window):
    """Bounding box (x0, y0, x1, y1), framebuffer pixels with y up, of the pure red pixels."""
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels

    width, height = window.system_size
    window.dispatch("on_draw")
    data = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    xs, ys = [], []
    for y in range(0, height, 2):
        row = data[y * width * 4:(y + 1) * width * 4]
        for x in range(0, width, 2):
            if tuple(row[x * 4:x * 4 + 3]) == RED:
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs) + 1, max(ys) + 1) if xs else None


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_content_is_clipped_to_the_view_at_every_rotation(kivy_window, rotation):
    from kivy.base import EventLoop
    from kivy.graphics import Color, Rectangle
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.widget import Widget

    from kiosk.app import set_rotation
    from screens.clip import ScissorClip

    class ClippedScroll(ScissorClip, ScrollView):
        """What the screens' lists and pages are: a ScrollView clipped by scissor."""

    window = kivy_window
    window.size = (600, 400)
    set_rotation(window, rotation)
    scroll = ClippedScroll(size_hint=(None, None), pos=(100, 60), size=(200, 120),
                           do_scroll_x=False, bar_width=0)
    content = Widget(size_hint=(1, None), height=2000)  # far taller than the view
    with content.canvas:
        Color(1, 0, 0, 1)
        rect = Rectangle(pos=content.pos, size=content.size)
    content.bind(pos=lambda w, v: setattr(rect, "pos", v),
                 size=lambda w, v: setattr(rect, "size", v))
    scroll.add_widget(content)
    window.add_widget(scroll)
    try:
        for _ in range(3):
            EventLoop.idle()
        expected = window_to_framebuffer(100, 60, 200, 120, rotation, window.size)
        box = red_box(window)
        assert box is not None, "nothing drawn"
        x, y, w, h = expected
        # sampled every 2nd pixel: within 2 px of the scissor rectangle, never outside it
        assert x <= box[0] <= x + 2 and y <= box[1] <= y + 2
        assert x + w - 2 <= box[2] <= x + w and y + h - 2 <= box[3] <= y + h
    finally:
        window.remove_widget(scroll)
        set_rotation(window, 0)


def test_window_to_framebuffer_round_numbers():
    size = (600, 400)  # logical window at 90/270 is the framebuffer turned
    assert window_to_framebuffer(10, 20, 30, 40, 0, size) == (10, 20, 30, 40)
    assert window_to_framebuffer(10, 20, 30, 40, 180, size) == (560, 340, 30, 40)
    assert window_to_framebuffer(10, 20, 30, 40, 90, size) == (340, 10, 40, 30)
    assert window_to_framebuffer(10, 20, 30, 40, 270, size) == (20, 560, 40, 30)


def test_rotation_180_turns_the_picture(kivy_window):
    from kivy.base import EventLoop
    from kivy.graphics import Color, Rectangle
    from kivy.uix.widget import Widget

    from kiosk.app import set_rotation

    window = kivy_window
    window.size = (600, 400)
    set_rotation(window, 0)
    marker = Widget()
    with marker.canvas:
        Color(1, 0, 0, 1)
        Rectangle(pos=(100, 60), size=(200, 120))
    window.add_widget(marker)
    try:
        set_rotation(window, 180)
        for _ in range(3):
            EventLoop.idle()
        box = red_box(window)  # sampled every 2nd pixel
        assert box[:2] == (300, 220) and 498 <= box[2] <= 500 and 338 <= box[3] <= 340
    finally:
        window.remove_widget(marker)
        set_rotation(window, 0)
