"""A finger on a rotated panel lands on what is drawn under it (issue #16, "rotation with the
touch rotated to match").

The panel reports a touch the way SDL does on a Pi: in its own pixels, y from the top, as a
mouse press (kiosk.window keeps SDL's mouse as the one input source). Kivy's mouse provider
and `Window.rotation` (set by kiosk.window.set_rotation from `[display] rotation`) turn it into
app coordinates. The test finds where a tile is drawn on the panel (screens.clip's mapping,
itself checked against the framebuffer's pixels in tests/test_clip.py), presses the panel
there, and the tile's screen must open -- at every rotation.
"""
from __future__ import annotations

import pytest

from kiosk.config import Display, Settings
from screens.clip import window_to_framebuffer

pytestmark = pytest.mark.ui

PANEL = {0: (540, 960), 90: (960, 540), 180: (540, 960), 270: (960, 540)}  # physical pixels


@pytest.fixture
def panel_mouse(kivy_window):
    """Kivy's own SDL mouse provider, as `kiosk run` has it (the ui fixture starts none)."""
    from kivy.base import EventLoop
    from kivy.input.providers.mouse import MouseMotionEventProvider

    provider = MouseMotionEventProvider("mouse", "disable_multitouch")
    EventLoop.add_input_provider(provider)
    provider.start()
    yield provider
    provider.stop()
    EventLoop.remove_input_provider(provider)


def press_panel(h, x: int, y_from_top: int) -> None:
    """A finger down and up at panel pixel (x, y): what SDL hands Kivy's window on a Pi."""
    h.window.dispatch("on_mouse_down", x, y_from_top, "left", {})
    h.frames(2)
    h.window.dispatch("on_mouse_up", x, y_from_top, "left", {})
    h.frames(4)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_a_touch_on_the_rotated_panel_opens_the_tile_drawn_under_it(ui, demo_view, panel_mouse, rotation):
    settings = Settings(display=Display(rotation=rotation, fullscreen=False))
    h = ui(settings, demo_view, size=PANEL[rotation])
    assert tuple(h.window.system_size) == PANEL[rotation]
    assert tuple(h.window.size) == (540, 960)  # the app is portrait on every panel
    tiles = {name: h.home.tile(name) for name in ("guides", "disclosures")}
    assert all(tiles.values()), tiles
    for name, tile in tiles.items():
        # where the tile is drawn on the panel: its rectangle's centre, framebuffer pixels (y up)
        left, bottom, width, height = window_to_framebuffer(*tile.to_window(*tile.pos), *tile.size, rotation,
                                                            tuple(h.window.size))
        fx, fy = left + width / 2, bottom + height / 2
        assert 0 <= fx < PANEL[rotation][0] and 0 <= fy < PANEL[rotation][1]
        press_panel(h, round(fx), round(PANEL[rotation][1] - 1 - fy))
        assert h.current == name, (rotation, name, h.current)
        h.app.go_home()
        h.frames(3)
        assert h.current == "home"
