"""中心导览, driven through the real KioskApp offscreen (`ui` fixture in conftest)."""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import CST, Centre, Duty, Room
from kiosk.config import Display, Settings

pytestmark = pytest.mark.ui

NOW = dt.datetime(2026, 11, 22, 9, 41, tzinfo=CST)  # a Sunday
SIZES = [(1080, 1920), (1920, 1080), (800, 480)]


def settings(elder: bool = False) -> Settings:
    return Settings(elder_mode_default=elder, display=Display(fullscreen=False))


def tap(h, widget) -> None:
    h.press(widget)


def open_centre(h):
    tap(h, h.home.tile("centre"))
    assert h.app.manager.current == "centre"
    h.frames(3)
    return h.app.manager.get_screen("centre")


def texts(h, widget) -> list[str]:
    return [t.replace("\n", "") for t in h.texts(widget)]


def small_centre(duty=(), rooms=None, **kwargs) -> Centre:
    rooms = rooms if rooms is not None else [
        Room(name="便民服务大厅", floor="一楼", hours="周一至周五 8:30-17:00", description="六个窗口"),
        Room(name="[b]图书室[/b]", floor="二楼")]
    return Centre(id="demo-centre", title="测试中心", name="测试社区党群服务中心", address="测试路1号",
                  phone="0571-86512300", hours=["周一至周五 8:30-17:00"], rooms=rooms,
                  duty=list(duty), updated_at=NOW - dt.timedelta(days=3), **kwargs)


# ---- what is shown ----------------------------------------------------------------------------

def test_demo_centre_shows_address_hours_rooms_and_todays_duty(ui, demo_view):
    h = ui(settings(), demo_view)
    screen = open_centre(h)
    centre = demo_view.centre()
    shown = texts(h, screen)
    assert centre.name in shown
    assert f"地址：{centre.address}" in shown
    assert f"咨询电话：{centre.phone}" in shown
    assert all(line in shown for line in centre.hours)

    cards = screen.room_cards()
    assert len(cards) == len(centre.rooms) == 14
    assert [c.name for c in cards] == [r.name for r in centre.rooms]
    assert "功能室（14个）" in shown
    assert cards[0].floor_text.text == "一楼"
    assert cards[0].hours_text.text.replace("\n", "").startswith("开放时间：周一至周五")
    assert centre.rooms[0].description in shown

    today = h.app.now().date()
    duty = centre.duty_on(today)
    assert duty  # the demo roster covers this week and next
    rows = screen.duty_rows()
    assert [(r.name, r.role, r.phone) for r in rows] == [(d.name, d.role, d.phone) for d in duty]
    for person in duty:
        assert person.name in shown and person.phone in shown
    assert "今日无值班安排" not in shown


def test_only_todays_duty_is_shown_by_the_terminal_clock(ui, make_view):
    duty = [Duty(date=NOW.date(), name="今天值班人", role="值班社工", phone="0571-1"),
            Duty(date=NOW.date() + dt.timedelta(days=1), name="明天值班人", role="值班领导")]
    h = ui(settings(), make_view(small_centre(duty)), now=lambda: NOW)
    screen = open_centre(h)
    assert [r.name for r in screen.duty_rows()] == ["今天值班人"]
    assert "明天值班人" not in texts(h, screen)

    h = ui(settings(), make_view(small_centre(duty)), now=lambda: NOW + dt.timedelta(days=1))
    screen = open_centre(h)
    assert [r.name for r in screen.duty_rows()] == ["明天值班人"]


def test_the_roster_follows_the_date_on_the_next_visit(ui, make_view):
    clock = {"now": NOW}
    duty = [Duty(date=NOW.date(), name="今天值班人", role="值班社工")]
    h = ui(settings(), make_view(small_centre(duty)), now=lambda: clock["now"])
    screen = open_centre(h)
    assert [r.name for r in screen.duty_rows()] == ["今天值班人"]
    tap(h, screen.navbar.ids.home_button)
    clock["now"] = NOW + dt.timedelta(days=1)
    open_centre(h)
    assert screen.duty_rows() == []
    assert "今日无值班安排" in texts(h, screen)


def test_no_duty_today_says_so_calmly(ui, make_view):
    h = ui(settings(), make_view(small_centre()), now=lambda: NOW)
    screen = open_centre(h)
    assert screen.duty_rows() == []
    assert "今日无值班安排" in texts(h, screen)


def test_room_names_are_shown_literally(ui, make_view):
    h = ui(settings(), make_view(small_centre()), now=lambda: NOW)
    screen = open_centre(h)
    name = screen.room_cards()[1].name_text
    assert name.text == "[b]图书室[/b]" and "[b]图书室[/b]" in texts(h, screen)  # drawn as written
    assert screen.room_cards()[1].hours_text.texture_size == (0, 0)  # no hours: no empty line


def test_no_floor_plan_hides_its_card(ui, make_view):
    h = ui(settings(), make_view(small_centre()), now=lambda: NOW)
    screen = open_centre(h)
    assert screen.plan_card.parent is None
    assert "楼层示意图" not in texts(h, screen)


# ---- the floor plan ----------------------------------------------------------------------------

def test_floor_plan_is_drawn_and_opens_larger(ui, demo_view):
    h = ui(settings(), demo_view)
    screen = open_centre(h)
    plan = screen.plan
    # the 1600x1000 plan, no wider than the 1080 px window: 2.9 MB of texture, not 6.1
    assert plan.texture is not None and plan.texture.size == (1080, 675)
    assert plan.height == pytest.approx(plan.width / 1.6, abs=1)
    assert plan.path == str(demo_view.blob_path(demo_view.centre().floor_plan))
    tap(h, plan)
    assert screen.plan_open and screen.viewer in screen.content_area.children
    assert screen.viewer.sources == [plan.path]  # the viewer zooms into the file itself
    assert not screen.scrolls()  # the columns make room for the viewer
    h.screenshot("centre_plan_1080x1920")
    tap(h, screen.viewer.ids.close)
    assert not screen.plan_open and len(screen.scrolls()) == 1


def test_a_plan_is_decoded_no_larger_than_the_window_and_a_broken_file_is_named(kivy_window, tmp_path,
                                                                               caplog):
    """screens.images.fitted_texture: a phone photo of a plan (4000x3000) would be a 48 MB
    texture; a file that is no image gives None and a log line naming it."""
    from PIL import Image

    from screens.images import fitted_texture

    photo = tmp_path / "plan.jpg"
    Image.new("RGB", (4000, 3000), (200, 30, 30)).save(photo, quality=80)
    texture = fitted_texture(photo, 1080, 1920)
    assert texture is not None and texture.size == (1080, 810)
    small = tmp_path / "small.png"
    Image.new("RGB", (300, 200), (0, 0, 0)).save(small)
    assert fitted_texture(small, 1080, 1920).size == (300, 200)  # never scaled up
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"no image here" * 10)
    with caplog.at_level("ERROR"):
        assert fitted_texture(broken, 1080, 1920) is None
    assert "broken.png" in caplog.text


# ---- layout: two columns in landscape, stacked in portrait ----------------------------------

def test_portrait_stacks_and_landscape_has_two_columns(ui, demo_view):
    h = ui(settings(), demo_view, size=(1080, 1920))
    screen = open_centre(h)
    assert len(screen.scrolls()) == 1
    assert screen.rooms_column.y < screen.main_column.y  # rooms under the centre card

    h = ui(settings(), demo_view, size=(1920, 1080))
    screen = open_centre(h)
    left, right = sorted(screen.scrolls(), key=lambda s: s.x)
    assert left.children[0] is screen.main_column and right.children[0] is screen.rooms_column
    assert left.right <= right.x + 1 and left.top == pytest.approx(right.top)
    assert right.width > 600


def _check_fits(screen, size) -> None:
    from screens.text_label import TextLabel as Label

    win_w, _ = size
    for column in (screen.main_column, screen.rooms_column):
        x, _ = column.to_window(column.x, column.y)
        assert x >= -1 and x + column.width <= win_w + 1
    for w in screen.walk(restrict=True):
        if isinstance(w, Label) and w.text and w.opacity > 0 and w.text_size[0]:
            assert w.texture_size[0] <= w.width + 1, (w.text[:20], w.texture_size, w.size)


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_centre_fits_every_size(ui, demo_view, size, elder):
    h = ui(settings(elder), demo_view, size=size)
    screen = open_centre(h)
    assert len(screen.scrolls()) == (2 if size[0] > size[1] else 1)
    _check_fits(screen, size)
    assert len(screen.room_cards()) == 14
    tag = f"{size[0]}x{size[1]}" + ("_elder" if elder else "")
    h.screenshot(f"centre_{tag}")
    if elder:  # the end of the longest column too
        for scroll in screen.scrolls():
            scroll.scroll_y = 0
        h.frames(3)
        h.screenshot(f"centre_{tag}_end")
