"""The attract loop and the session reset on idle, driven through the real KioskApp offscreen:
slides by daypart, the fallback without slides, the touch that wakes the terminal, and
everything about the last resident forgotten. Time is a ManualClock (tests/shell_support.py)."""
from __future__ import annotations

import pytest

from content.schemas import Guide, Notice
from kiosk import theme
from tests.shell_support import (CENTRE_NAME, MONDAY_MORNING, SUNDAY_MORNING, go_idle,  # noqa: F401
                                 settings, shell)

pytestmark = pytest.mark.ui


def test_idle_timeout_opens_the_attract_loop_and_forgets_the_resident(shell):
    h = shell()
    h.tap(h.home.ids.elder_toggle)
    h.app.show_toast("上一位居民的提示")
    h.app.session["id_card"] = {"name": "张*明"}
    assert h.app.elder_mode and h.root.toast.shown
    go_idle(h, h.app.settings.idle_timeout_s - 1)
    assert h.current == "home" and h.app.elder_mode  # not yet
    go_idle(h, 2)
    assert h.current == "attract"
    assert not h.app.elder_mode and not h.root.toast.shown
    assert h.app.session == {}
    go_idle(h)
    assert h.current == "attract"  # stays; fires once per idle period


def test_idle_resets_built_screens(shell):
    h = shell(items=[Guide(id="g1", title="最低生活保障申请", category="民生保障", updated_at=SUNDAY_MORNING),
                     Guide(id="g2", title="党员组织关系转接", category="党务服务", updated_at=SUNDAY_MORNING)])
    guides = h.open("guides")
    guides.select_category("党务服务")
    assert guides.category == "党务服务"
    go_idle(h)
    assert guides.category == ""


def test_attract_plays_only_slides_in_their_daypart_for_their_duration(shell):
    h = shell(now=SUNDAY_MORNING)
    go_idle(h)
    attract = h.screen("attract")
    shown = []
    for _ in range(4):
        shown.append((attract.slide_id, attract.seconds_to_next()))
        attract.advance()
    # Sunday 9:41: the all-day and the weekend slide; not the weekday-morning or evening one
    assert shown == [("slide-all-day", 5), ("slide-weekend", 9),
                     ("slide-all-day", 5), ("slide-weekend", 9)]
    assert attract.ids.slide.texture is not None and attract.showing_slide
    assert attract.ids.fallback.opacity == 0
    h.screenshot("attract_slide_800x480")


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
def test_attract_plays_the_demo_slides_at_every_size(ui, demo_view, manual_clock, size):
    h = ui(settings(), demo_view, size=size, now=lambda: SUNDAY_MORNING, monotonic=manual_clock)
    h.clock = manual_clock
    go_idle(h)
    attract = h.screen("attract")
    assert attract.showing_slide and attract.slide_id == "slide-party"
    image = attract.ids.slide
    assert image.texture is not None and image.texture.size == (1080, 1920)
    drawn_w, drawn_h = image.norm_image_size
    assert drawn_w <= size[0] + 1 and drawn_h <= attract.height + 1  # letterboxed, never cut
    hint = attract.ids.hint
    assert hint.top <= image.center_y - drawn_h / 2 + 1  # the hint covers no part of the slide
    assert hint.height >= theme.MIN_TOUCH_PX * 0.9
    h.screenshot(f"attract_demo_{size[0]}x{size[1]}")
    seen = set()
    for _ in range(8):
        seen.add(attract.slide_id)
        attract.advance()
    weekend = {s.id for s in demo_view.items("slide") if s.in_daypart(SUNDAY_MORNING)}
    assert seen == weekend and "slide-family-doctor" not in seen  # weekday mornings only


def test_attract_follows_the_weekday_dayparts(shell):
    h = shell(now=MONDAY_MORNING)
    go_idle(h)
    attract = h.screen("attract")
    seen = set()
    for _ in range(4):
        seen.add(attract.slide_id)
        attract.advance()
    assert seen == {"slide-all-day", "slide-weekday-morning"}


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
def test_attract_without_slides_shows_the_centre_name(shell, size):
    h = shell(slides=[], size=size)
    go_idle(h)
    attract = h.screen("attract")
    assert not attract.showing_slide and attract.ids.fallback.opacity == 1
    assert attract.ids.centre_name.text.replace("\n", "") == CENTRE_NAME
    assert "轻触屏幕，开始使用" in h.texts(attract)
    assert attract.seconds_to_next() is not None  # it looks again later (a daypart may begin)
    assert attract.ids.centre_name.texture_size[0] <= attract.ids.fallback.width + 1
    path = h.screenshot(f"attract_fallback_{size[0]}x{size[1]}")
    from PIL import Image

    colours = Image.open(path).convert("RGB").resize((108, 108)).getcolors(1_000_000)
    assert len(colours) > 10  # text on red, not a flat screen


def test_a_touch_on_the_attract_loop_returns_home_and_presses_nothing(shell):
    h = shell()
    tile = h.home.tile("guides")
    x, y = tile.to_window(*tile.center)
    go_idle(h)
    assert h.current == "attract"
    h.tap_at(x, y)  # where the 办事指南 tile is on home
    assert h.current == "home"
    h.frames(3)
    assert h.current == "home" and not h.root.toast.shown


def test_the_attract_loop_keeps_no_slide_while_residents_use_the_terminal(shell):
    """A slide is a window-sized texture: let go of it on leaving, decode again next time."""
    h = shell()
    go_idle(h)
    attract = h.screen("attract")
    assert attract.ids.slide.texture is not None
    h.tap_at(10, 10)
    assert h.current == "home"
    h.frames(2)
    assert attract.ids.slide.texture is None and not attract.showing_slide
    go_idle(h)  # the next idle period plays again, from the first playable slide
    assert h.current == "attract" and attract.showing_slide
    assert attract.ids.slide.texture is not None


def test_the_urgent_banner_stays_over_the_attract_loop(shell):
    urgent = Notice(id="u1", title="今晚停水检修", level="urgent", updated_at=SUNDAY_MORNING)
    h = shell(items=[urgent])
    go_idle(h)
    banner = h.root.banner
    assert banner.active and banner.height > 0 and banner.ids.title.text == "今晚停水检修"
    h.tap(banner)  # a touch on the banner also only wakes the terminal
    assert h.current == "home"
