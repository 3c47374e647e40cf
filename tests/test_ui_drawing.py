"""Cheaper drawing that must still look right (pixels read back from GL):

- the on-screen keyboard is one cached picture (screens/layer.py): typing never redraws its
  forty keys, the key under the finger is drawn on top of it, elder mode redraws it bigger;
- list rows are outlines on the page colour, filled only while pressed — and no pressed fill
  stays behind once the finger has lifted;
- a long page draws only the sections near the view (screens/cull.py), and whatever is
  scrolled into view is drawn;
- a table draws one background per row and its column lines once, and still shows them."""
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
    h.tap(search.navbar.ids.elder_toggle)  # 长辈模式
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


def ink_in(window, widget) -> int:
    """How many sampled pixels inside `widget`'s visible part differ from the page colour."""
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels

    window.dispatch("on_draw")
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(window.width, int(x1)), min(window.height - 200, int(y1))  # below the bars
    if x1 <= x0 or y1 <= y0:
        return 0
    data = glReadPixels(x0, y0, x1 - x0, y1 - y0, GL_RGBA, GL_UNSIGNED_BYTE)
    page = rgb(theme.PAGE)
    stride = (x1 - x0) * 4
    return sum(1 for y in range(0, y1 - y0, 4) for x in range(0, x1 - x0, 4)
               if not close(tuple(data[y * stride + x * 4:y * stride + x * 4 + 3]), page, 8))


def test_a_long_page_draws_what_is_in_view(ui, demo_view):
    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: NOW)
    detail = h.open("guide_detail", frames=4)
    assert detail.show_guide("guide-dibao")
    h.frames(3)
    column = detail.scroll.ids.column
    first, last = detail.sections[0], detail.sections[-1]
    assert first not in column.hidden and last in column.hidden  # the page is long
    assert ink_in(h.window, first) > 0
    detail.scroll.scroll_y = 0  # to the end
    h.frames(2)
    assert last not in column.hidden and first in column.hidden
    assert ink_in(h.window, last) > 0, "the section scrolled into view is not drawn"
    detail.scroll.scroll_y = 1
    h.frames(2)
    assert first not in column.hidden and ink_in(h.window, first) > 0
    # a new guide replaces hidden sections without error, and shows its top
    assert detail.show_guide("guide-medical-insurance")
    h.frames(3)
    assert detail.sections[0] not in column.hidden and ink_in(h.window, detail.sections[0]) > 0


def test_table_rows_and_column_lines_drawn_once_per_table(ui, demo_view):
    from screens import blocks

    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: NOW)
    detail = h.open("disclosure_detail", frames=4)
    table = detail.blocks.tables()[0]
    h.frames(2)
    header, plain, striped = table.rows[0], table.rows[1], table.rows[2]
    cell = plain.cells[0]
    middle_y = plain.center_y
    between = plain.to_window(cell.right + 0.5, middle_y)
    assert close(pixel(h.window, *between), rgb(theme.BORDER))  # the line between columns
    inside = plain.to_window(cell.right - 3, middle_y)
    assert close(pixel(h.window, *inside), rgb(theme.SURFACE))
    stripe = striped.cells[0]
    assert close(pixel(h.window, *striped.to_window(stripe.right - 3, striped.center_y)),
                 rgb(blocks.STRIPE_BG))
    head = header.cells[1]
    assert close(pixel(h.window, *header.to_window(head.x + 3, header.center_y)),
                 rgb(blocks.HEADER_BG))
    # the rows draw their cells' texts themselves: dark strokes inside each cell's text box
    for row in (header, plain, striped):
        for cell in (c for c in row.cells if c.text):  # (a blank cell draws nothing)
            x, y = cell._rect.pos
            width, height = cell.texture_size
            assert cell.x <= x and x + width <= cell.right and row.y <= y <= row.top - height
            dark = [pixel(h.window, *row.to_window(x + width * i / 12, y + height * j / 6))
                    for i in range(1, 12) for j in range(1, 6)]
            assert any(sum(p) < 250 for p in dark), (cell.text, dark)


def test_centre_rooms_scrolled_into_view_are_drawn(ui, demo_view):
    from screens.centre import RoomCard

    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: NOW)
    centre = h.open("centre", frames=4)
    rooms = [w for w in centre.walk(restrict=True) if isinstance(w, RoomCard)]
    assert len(rooms) >= 10
    entries = rooms[-1].parent
    assert rooms[-1] in entries.hidden  # far below the fold: not drawn
    for scroll in centre.scrolls():
        scroll.scroll_y = 0
    h.frames(3)
    assert rooms[-1] not in entries.hidden and ink_in(h.window, rooms[-1]) > 0


def test_chips_are_one_picture_that_follows_taps_and_scrolling(ui, demo_view):
    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: NOW)
    h.tap(h.home.tile("guides"))
    guides = h.screen("guides")
    chips = guides.chips()
    first, second, last = chips[0], chips[1], chips[-1]

    def fill(chip):  # inside the chip, left of its text
        return pixel(h.window, *chip.to_window(chip.x + chip.height * 0.3, chip.center_y))

    assert close(fill(first), rgb(theme.RED)) and close(fill(second), rgb(theme.SURFACE))
    h.tap(second)
    h.frames(2)
    assert guides.category == second.category
    assert close(fill(second), rgb(theme.RED)) and close(fill(first), rgb(theme.SURFACE))
    scroll = guides.content.ids.chips_scroll
    assert last.right > scroll.right  # the last chip starts out of view
    scroll.scroll_x = 1
    h.frames(3)
    assert close(fill(last), rgb(theme.SURFACE)), "the chips scrolled into view are not drawn"
