"""Cheaper drawing that must still look right (pixels read back from GL):

- the on-screen keyboard is one cached picture (screens/layer.py): typing never redraws its
  forty keys, the key under the finger is drawn on top of it, elder mode redraws it bigger;
- list rows are outlines on the page colour, filled only while pressed — and no pressed fill
  stays behind once the finger has lifted."""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import CST
from kiosk import theme
from kiosk.config import Display, Settings

pytestmark = pytest.mark.ui

NOW = dt.datetime(2026, 11, 22, 9, 41, 5, tzinfo=CST)


def pixel(window, x: float, y: float) -> tuple[int, int, int]:
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels

    window.dispatch("on_draw")
    return tuple(glReadPixels(int(x), int(y), 1, 1, GL_RGBA, GL_UNSIGNED_BYTE)[:3])


def rgb(colour) -> tuple[int, int, int]:
    return tuple(round(c * 255) for c in colour[:3])


def close(a, b, tolerance=3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


@pytest.mark.parametrize("size", [(1080, 1920), (800, 480)], ids=["portrait", "pi7"])
def test_typing_draws_the_pressed_key_and_never_the_others(ui, demo_view, size):
    from kivy.tests.common import UnitTestTouch

    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=size, now=lambda: NOW)
    assert h.app.open_screen("guide_search")
    search = h.screen("guide_search")
    keyboard = search.keyboard
    h.frames(2)
    drawn = keyboard.renders
    assert drawn >= 1
    key = keyboard.key("d")
    # the window shows the keyboard: a white key, the tray between keys
    assert close(pixel(h.window, *key.to_window(key.x + 4, key.center_y)), rgb(theme.SURFACE))
    gap_x = key.x - keyboard.gap / 2
    assert close(pixel(h.window, *key.to_window(gap_x, key.center_y)), rgb(theme.KEYBOARD_BG))

    touch = UnitTestTouch(*key.to_window(*key.center))
    touch.touch_down()
    h.frames(1)
    assert keyboard._pressed_key.pos == pytest.approx(tuple(key.pos), abs=0.01)
    assert close(pixel(h.window, *key.to_window(key.x + 4, key.center_y)),
                 rgb(theme.SURFACE_PRESSED))
    touch.touch_up()
    assert h.wait_for(lambda: key.state == "normal", timeout=2)  # Kivy keeps 'down' >= 35 ms
    h.frames(1)
    assert search.content.ids.query_bar.ids.query.text == "d"
    assert close(pixel(h.window, *key.to_window(key.x + 4, key.center_y)), rgb(theme.SURFACE))
    for letter in "bsq":
        h.tap(keyboard.key(letter), frames=1)
    h.frames(2)
    assert search.content.ids.query_bar.ids.query.text == "dbsq"
    assert keyboard.renders == drawn, "typing redrew the whole keyboard"


def test_elder_mode_redraws_the_keyboard_bigger(ui, demo_view):
    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: NOW)
    search = h.open("guide_search")
    keyboard = search.keyboard
    before, height = keyboard.renders, keyboard.height
    h.tap(search.ids.elder_toggle)  # 长辈模式
    assert h.app.elder_mode
    h.frames(3)
    assert keyboard.height > height * 1.3
    assert keyboard.renders > before
    assert tuple(keyboard.fbo.size) == (round(keyboard.width), round(keyboard.height))


def test_a_pressed_row_is_filled_and_clean_after(ui, demo_view):
    from kivy.tests.common import UnitTestTouch

    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: NOW)
    h.tap(h.home.tile("guides"))
    guides = h.screen("guides")
    row = guides.guide_list.rows()[1]
    inside = row.to_window(row.x + row.width * 0.6, row.y + 6)  # clear of text and badge
    assert close(pixel(h.window, *inside), rgb(theme.PAGE))
    touch = UnitTestTouch(*row.to_window(*row.center))
    touch.touch_down()
    # the list holds a touch back briefly (is it a scroll?) before the row sees it
    assert h.wait_for(lambda: row.state == "down", timeout=2)
    h.frames(1)
    assert close(pixel(h.window, *inside), rgb(theme.SURFACE_PRESSED))
    touch.touch_up()
    h.frames(2)
    assert h.current == "guide_detail"
    h.app.go_back()
    h.frames(3)
    assert h.current == "guides"
    assert close(pixel(h.window, *inside), rgb(theme.PAGE))
