"""通知公告: the list and one notice, driven through the real KioskApp offscreen (`ui` fixture)."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from content.schemas import CST, Centre, Heading, ListBlock, Notice, Paragraph
from kiosk import theme
from kiosk.config import Display, Settings

pytestmark = pytest.mark.ui

NOW = dt.datetime(2026, 11, 22, 9, 41, tzinfo=CST)
SIZES = [(1080, 1920), (1920, 1080), (800, 480)]


def settings(elder: bool = False) -> Settings:
    return Settings(elder_mode_default=elder, display=Display(fullscreen=False))


def notice(n: int, title: str = "", level: str = "normal", days_ago: int = 1, **kwargs) -> Notice:
    published = NOW - dt.timedelta(days=days_ago)
    return Notice(id=f"n-{n}", title=title or f"第{n}条通知", level=level, updated_at=published,
                  publish_at=published, **kwargs)


@pytest.fixture
def notices_view(make_view):
    """notices_view(*notices) -> a real ContentView with a centre and exactly these notices."""
    centre = Centre(id="demo-centre", title="测试社区党群服务中心", name="测试社区党群服务中心",
                    address="测试路1号", updated_at=NOW - dt.timedelta(days=30))
    return lambda *notices: make_view(centre, *notices)


def wait(h, seconds: float = 0.3) -> None:
    """Step frames for `seconds` of real time: a ScrollView hands a tap to its children only
    after it has decided the touch is not a scroll (it re-sends the release 0.2 s later)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        h.frames(1)


def tap(h, widget) -> None:
    h.press(widget)


def open_list(h):
    assert h.app.open_screen("notices")
    h.frames(3)
    return h.app.manager.get_screen("notices")


def shown_texts(h, widget=None) -> list[str]:
    return [t.replace("\n", "") for t in h.texts(widget)]


# ---- the list ----------------------------------------------------------------------------------

def test_home_tile_opens_the_list_of_every_live_notice_urgent_first(ui, demo_view):
    h = ui(settings(), demo_view)
    tap(h, h.home.tile("notices"))
    assert h.app.manager.current == "notices"
    screen = h.app.manager.get_screen("notices")
    live = demo_view.items("notice", h.app.now())
    rows = screen.rows()
    assert len(rows) == len(live) == 8
    assert [r.urgent for r in rows] == [True] + [False] * 7
    assert rows[0].tag_text.text == "紧急" and rows[0].tag_text.texture is not None
    assert all(r.tag_text.text == "" and r.tag_text.texture is None for r in rows[1:])
    assert rows[0].title == demo_view.urgent_notices(h.app.now())[0].title
    by_id = {n.id: n for n in live}
    times = [by_id[r.notice_id].publish_at or by_id[r.notice_id].updated_at for r in rows[1:]]
    assert times == sorted(times, reverse=True)  # newest first after the urgent one
    assert "共 8 条通知公告" in shown_texts(h)
    assert all(r.date.endswith("发布") and "年" in r.date for r in rows)


def test_expired_and_future_notices_are_hidden_by_the_terminal_clock(ui, notices_view):
    view = notices_view(
        notice(1, "仍在有效期的通知"),
        notice(2, "已经过期的通知", expire_at=NOW - dt.timedelta(minutes=1)),
        notice(3, "明天才发布的通知", days_ago=-1),
        notice(4, "今天中午过期的通知", expire_at=NOW + dt.timedelta(hours=3)))
    h = ui(settings(), view, now=lambda: NOW)
    titles = [r.title for r in open_list(h).rows()]
    assert titles == ["仍在有效期的通知", "今天中午过期的通知"]

    later = NOW + dt.timedelta(hours=4)  # same content, the clock moved on
    h = ui(settings(), view, now=lambda: later)
    assert [r.title for r in open_list(h).rows()] == ["仍在有效期的通知"]


def test_urgent_notices_first_then_newest(ui, notices_view):
    view = notices_view(notice(1, "旧通知", days_ago=9), notice(2, "新通知", days_ago=1),
                     notice(3, "旧的紧急通知", level="urgent", days_ago=5),
                     notice(4, "中间的通知", days_ago=4))
    h = ui(settings(), view, now=lambda: NOW)
    screen = open_list(h)
    assert [r.title for r in screen.rows()] == ["旧的紧急通知", "新通知", "中间的通知", "旧通知"]
    assert screen.rows()[1].date == "2026年11月21日发布"


def test_no_notices_says_so_calmly(ui, notices_view):
    h = ui(settings(), notices_view(), now=lambda: NOW)
    screen = open_list(h)
    assert screen.rows() == []
    assert "目前没有通知公告。" in shown_texts(h)


def test_markup_like_text_is_shown_literally(ui, notices_view):
    title = "[b]加粗[/b]与[color=ff0000]红字[/color]都不是标记"
    body = "正文 [i]斜体[/i] [size=80]大字[/size] &bl; 原样显示"
    view = notices_view(notice(1, title, blocks=[Paragraph(text=body)]))
    h = ui(settings(), view, now=lambda: NOW)
    row = open_list(h).rows()[0]
    assert row.title_text.text.replace("\n", "") == title  # drawn as written (no markup)
    tap(h, row)
    detail = h.app.manager.get_screen("notice_detail")
    assert detail.content.ids.title.text.replace("\n", "") == title
    assert body in [t.replace("\n", "") for t in detail.block_texts()]


# ---- one notice --------------------------------------------------------------------------------

def test_tapping_a_row_opens_the_notice_with_its_blocks(ui, demo_view):
    h = ui(settings(), demo_view)
    screen = open_list(h)
    row = screen.rows()[2]
    item = demo_view.item(row.notice_id, h.app.now())
    tap(h, row)
    assert h.app.manager.current == "notice_detail"
    detail = h.app.manager.get_screen("notice_detail")
    assert detail.notice_id == item.id
    assert detail.content.ids.title.text.replace("\n", "") == item.title
    assert detail.content.ids.tag.opacity == 0  # not urgent
    texts = [t.replace("\n", "") for t in detail.block_texts()]
    for block in item.blocks:
        if isinstance(block, (Paragraph, Heading)):
            assert block.text in texts
        elif isinstance(block, ListBlock):
            assert all(entry in texts for entry in block.items)
    h.screenshot("notice_detail_normal_1080x1920")
    tap(h, detail.navbar.ids.back_button)
    assert h.app.manager.current == "notices"


def test_banner_opens_the_urgent_notice_itself(ui, demo_view):
    h = ui(settings(), demo_view)
    urgent = demo_view.urgent_notices(h.app.now())
    assert len(urgent) == 1
    h.tap(h.root.banner)
    assert h.app.manager.current == "notice_detail"
    detail = h.app.manager.get_screen("notice_detail")
    assert detail.notice_id == urgent[0].id
    assert detail.content.ids.tag.opacity == 1 and detail.content.ids.tag.text == "紧急"
    assert "停水范围" in [t.replace("\n", "") for t in detail.block_texts()]
    # the banner works from any screen, and back returns where the resident was
    tap(h, detail.navbar.ids.home_button)
    open_list(h)
    tap(h, h.root.banner)
    assert h.app.manager.current == "notice_detail"
    tap(h, detail.navbar.ids.back_button)
    assert h.app.manager.current == "notices"


def test_banner_with_several_urgent_notices_opens_the_list(ui, notices_view):
    view = notices_view(notice(1, "紧急一", level="urgent"), notice(2, "紧急二", level="urgent"),
                     notice(3, "普通"))
    h = ui(settings(), view, now=lambda: NOW)
    h.tap(h.root.banner)
    assert h.app.manager.current == "notices"
    rows = h.app.manager.get_screen("notices").rows()
    assert [r.urgent for r in rows] == [True, True, False]


def test_a_notice_that_expired_while_the_list_was_open_is_not_opened(ui, notices_view):
    clock = {"now": NOW}
    view = notices_view(notice(1, "快过期的通知", expire_at=NOW + dt.timedelta(minutes=5)))
    h = ui(settings(), view, now=lambda: clock["now"])
    row = open_list(h).rows()[0]
    clock["now"] = NOW + dt.timedelta(minutes=6)
    tap(h, row)
    assert h.app.manager.current == "notices"
    assert h.root.toast.shown and h.root.toast.text == "该通知已过期或已撤下。"


def test_a_double_delivered_tap_opens_once(ui, notices_view):
    view = notices_view(notice(1, "一条通知"))
    h = ui(settings(), view, now=lambda: NOW)
    row = open_list(h).rows()[0]
    h.tap(row, frames=0)
    h.tap(row, frames=0)  # the same finger seen by a second input provider
    wait(h)
    assert h.app.manager.current == "notice_detail"
    tap(h, h.app.manager.get_screen("notice_detail").navbar.ids.back_button)
    assert h.app.manager.current == "notices"  # one entry in the history, not two


# ---- every size, elder mode: inside the window, finger-sized, nothing clipped -----------------

def _check_inside(h, widgets, size) -> None:
    win_w, win_h = size
    for w in widgets:
        x, y = w.to_window(w.x, w.y)
        assert x >= -1 and x + w.width <= win_w + 1, (w, x, w.width)


def _labels_fit(root) -> None:
    from screens.text_label import TextLabel as Label

    for w in root.walk(restrict=True):
        if isinstance(w, Label) and w.text and w.opacity > 0 and w.text_size[0]:
            assert w.texture_size[0] <= w.width + 1, (w.text[:20], w.texture_size, w.size)


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_screens_fit_every_size(ui, demo_view, size, elder):
    h = ui(settings(elder), demo_view, size=size)
    tag = f"{size[0]}x{size[1]}" + ("_elder" if elder else "")
    screen = open_list(h)
    rows = screen.rows()
    assert len(rows) == 8
    min_px = 9 / 25.4 * 160
    for row in rows:
        assert row.height >= min_px and row.width >= min_px
        assert row.texts_height <= row.height + 1
    _check_inside(h, rows, size)
    _labels_fit(screen)
    h.screenshot(f"notices_{tag}")

    tap(h, rows[0])
    detail = h.app.manager.get_screen("notice_detail")
    assert h.app.manager.current == "notice_detail"
    column = detail.content.ids.column
    _check_inside(h, [column], size)
    _labels_fit(detail)
    scroll = detail.content.ids.scroll
    if size == (800, 480) or elder:
        assert column.height > scroll.height  # the water-cut notice is long: it scrolls
    h.screenshot(f"notice_detail_{tag}")
    if elder:  # the end of the notice too
        scroll.scroll_y = 0
        h.frames(3)
        h.screenshot(f"notice_detail_{tag}_end")
    if elder:
        assert rows[0].title_text.font_size == pytest.approx(
            h.app.ui_unit * theme.ELDER_SCALE * 36)


def test_prepare_screenshot_shows_the_first_notice(ui, demo_view):
    h = ui(settings(), demo_view)
    assert h.app.open_screen("notice_detail")
    detail = h.app.manager.get_screen("notice_detail")
    detail.prepare_screenshot()
    h.frames(3)
    assert detail.notice_id == demo_view.urgent_notices(h.app.now())[0].id
    assert detail.block_texts()


def test_banner_of_a_new_content_version_opens_that_notice(ui, notices_view):
    """A new version arrives while the resident reads something else: the banner shows its
    urgent notice at once, and tapping the banner opens it (from the new version)."""
    h = ui(settings(), notices_view(notice(1, "旧版本的普通通知")), now=lambda: NOW)
    screen = open_list(h)
    tap(h, screen.rows()[0])
    assert h.app.manager.current == "notice_detail" and not h.root.banner.active
    h.app.content_changed(notices_view(notice(1, "旧版本的普通通知"),
                                       notice(2, "新版本的紧急通知", level="urgent")))
    h.frames(2)
    assert h.root.banner.active and h.root.banner.ids.title.text == "新版本的紧急通知"
    h.tap(h.root.banner)
    detail = h.app.manager.get_screen("notice_detail")
    assert h.app.manager.current == "notice_detail" and detail.notice_id == "n-2"
    assert detail.content.ids.title.text == "新版本的紧急通知"
