"""信息公开: tabs, period filter, list and detail (blocks, 公示期), elder mode and every size,
driven through the real KioskApp offscreen (`ui` fixture) with real touches. Page images have
test_ui_disclosure_pages.py; shared helpers are in tests/disclosure_support.py."""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import Paragraph
from kiosk import theme
from tests.disclosure_support import (CATEGORIES, CENTRE, NOW, SIZES, TODAY, detail_of,
                                      disclosure, finance_detail, inside_window, line, open_list,
                                      row_titles, settings, tap, touch_path, wait)

pytestmark = pytest.mark.ui


# ---- the list ----------------------------------------------------------------------------------

def test_home_tile_opens_four_tabs_with_every_live_item(ui, demo_view):
    h = ui(settings(), demo_view)
    tap(h, h.home.tile("disclosures"))
    assert h.app.manager.current == "disclosures"
    screen = h.app.manager.get_screen("disclosures")
    assert [t.text for t in screen.tabs.values()] == CATEGORIES
    live = demo_view.items("disclosure", h.app.now())
    counts = {}
    for category, tab in screen.tabs.items():
        tap(h, tab)
        assert tab.selected and screen.category == category
        rows = screen.rows()
        counts[category] = len(rows)
        assert {r.item_id for r in rows} == {i.id for i in live if i.category == category}
        assert screen.panel.ids.count.text == f"共 {len(rows)} 条"
        assert screen.chips()[0].text == "全部" and screen.chips()[0].selected
    assert counts == {"党务公开": 5, "政务公开": 4, "居务公开": 4, "财务公开": 3}
    assert sum(counts.values()) == len(live) == 16


def test_period_chips_narrow_the_list(ui, make_view):
    items = [disclosure(1, period="2026-11"), disclosure(2, period="2026-11", days_ago=2),
             disclosure(3, period="2026-Q3"), disclosure(4, period="2026-H1"),
             disclosure(5, period="2026"), disclosure(6, category="财务公开", period="2026-10")]
    h = ui(settings(), make_view(CENTRE, *items), now=lambda: NOW)
    screen = open_list(h)
    chips = screen.chips()
    assert [c.text for c in chips] == ["全部", "2026年11月", "2026年第3季度", "2026年上半年", "2026年"]
    assert len(screen.rows()) == 5
    tap(h, chips[1])
    assert screen.period == "2026-11" and screen.chips()[1].selected
    assert row_titles(screen) == ["第1条公开", "第2条公开"]
    assert screen.panel.ids.count.text == "共 2 条"
    tap(h, screen.chips()[2])
    assert row_titles(screen) == ["第3条公开"]
    tap(h, screen.chips()[0])
    assert len(screen.rows()) == 5
    tap(h, screen.tabs["财务公开"])  # another tab: its own periods, back to 全部
    assert [c.text for c in screen.chips()] == ["全部", "2026年10月"] and screen.period == ""


def test_newest_first_by_period_then_update_time(ui, make_view):
    items = [disclosure(1, period="2026-Q3", days_ago=1), disclosure(2, period="2026-11", days_ago=5),
             disclosure(3, period="2026-11", days_ago=2), disclosure(4, period="2025-12", days_ago=1),
             disclosure(5, period="2026", days_ago=3), disclosure(6, period="2026-10", days_ago=9)]
    h = ui(settings(), make_view(CENTRE, *items), now=lambda: NOW)
    screen = open_list(h)
    assert [r.item_id for r in screen.rows()] == ["d-3", "d-2", "d-6", "d-1", "d-5", "d-4"]


def test_expired_and_future_items_are_hidden_by_the_terminal_clock(ui, make_view):
    items = [disclosure(1, title="正在公示"),
             disclosure(2, title="已经撤下", publish_at=NOW - dt.timedelta(days=20),
                        expire_at=NOW - dt.timedelta(minutes=1)),
             disclosure(3, title="尚未发布", publish_at=NOW + dt.timedelta(hours=2)),
             disclosure(4, title="公示期已过的存档", valid_from=TODAY - dt.timedelta(days=20),
                        valid_to=TODAY - dt.timedelta(days=1)),
             disclosure(5, title="公示期内", valid_from=TODAY - dt.timedelta(days=2),
                        valid_to=TODAY)]
    h = ui(settings(), make_view(CENTRE, *items), now=lambda: NOW)
    screen = open_list(h)
    assert sorted(row_titles(screen)) == sorted(["正在公示", "公示期已过的存档", "公示期内"])
    rows = {r.title: r for r in screen.rows()}
    archive, current = rows["公示期已过的存档"], rows["公示期内"]
    assert archive.ended and archive.ended_text.text == "公示期已结束"
    assert archive.ended_text.texture is not None
    assert not current.ended and current.ended_text.text == ""  # the last day still counts
    assert current.validity_text.text == "公示期：2026年11月20日至2026年11月22日"
    assert rows["正在公示"].validity_text.texture_size == (0, 0)  # no 公示期: no line


def test_rows_show_title_publisher_period_and_are_finger_sized(ui, demo_view):
    h = ui(settings(), demo_view, size=(800, 480))
    screen = open_list(h)
    tap(h, screen.tabs["财务公开"])
    row = screen.rows()[0]
    item = demo_view.item(row.item_id)
    assert row.title_text.text.replace("\n", "") == item.title
    assert item.publisher in row.meta_text.text and "年" in row.meta_text.text
    assert row.validity_text.text.replace("\n", "").startswith("公示期：")
    for widget in list(screen.tabs.values()) + screen.chips() + screen.rows():
        assert widget.height >= theme.MIN_TOUCH_PX - 0.5, widget


def test_tapping_a_row_opens_its_detail_and_back_keeps_the_tab(ui, demo_view):
    h = ui(settings(), demo_view)
    screen = open_list(h)
    tap(h, screen.tabs["居务公开"])
    row = screen.rows()[1]
    tap(h, row)
    assert h.app.manager.current == "disclosure_detail"
    detail = detail_of(h)
    item = demo_view.item(row.item_id)
    content = detail.content.ids
    assert content.title.text.replace("\n", "") == item.title
    assert content.publisher.text == f"发布单位：{item.publisher}"
    assert content.period.text.startswith("所属期间：")
    assert content.validity.text.replace("\n", "").startswith("公示期：")
    assert h.root.manager.current_screen.navbar.ids.screen_title.text == "居务公开"
    tap(h, detail.navbar.ids.back_button)
    assert h.app.manager.current == "disclosures" and screen.category == "居务公开"


def test_a_reset_returns_to_the_first_tab(ui, demo_view):
    h = ui(settings(), demo_view)
    screen = open_list(h)
    tap(h, screen.tabs["财务公开"])
    screen.reset()
    h.app.go_home()
    screen = open_list(h)
    assert screen.category == "党务公开" and screen.tabs["党务公开"].selected


# ---- the detail --------------------------------------------------------------------------------

def test_finance_table_numbers_are_right_aligned(ui, demo_view):
    h = ui(settings(), demo_view)
    detail = finance_detail(h, demo_view)
    table = detail.blocks.tables()[0]
    assert [label.text for label in table.rows[0].labels] == ["科目", "收入（元）", "支出（元）", "备注"]
    assert table.rows[0].cells[0].header
    for col, align in enumerate(["left", "right", "right", "left"]):
        assert {label.halign for label in table.column_labels(col)} == {align}
    assert table.rows[-1].labels[0].text == "合计"
    assert detail.content.page_count == 0 and "放大查看" not in h.texts()  # no pages, no viewer
    assert table.rows[1].labels[1].text == "30,000.00"
    h.screenshot("disclosure_detail_finance_1080x1920")


def test_a_wide_table_scrolls_sideways_inside_the_scrolling_detail(ui, demo_view):
    """At 800x480 the 8-column 民生微实事 table is wider than the screen."""
    h = ui(settings(), demo_view, size=(800, 480))
    h.app.open_screen("disclosure_detail", item_id="disclosure-projects")
    h.frames(4)
    detail = detail_of(h)
    page = detail.scroll
    table = detail.blocks.tables()[0]
    sideways = table.ids.scroll
    assert table.overflow and table.ids.grid.width > sideways.width
    page.scroll_to(table, animate=False)
    h.settle(page, sideways)
    x, y = sideways.to_window(*sideways.center)
    y = min(max(y, 150), 330)
    assert sideways.collide_point(*sideways.parent.to_widget(x, y))
    page_y = page.scroll_y
    touch_path(h, line((x + 150, y), (x - 100, y)))
    wait(h, 0.5)  # kinetic scrolling runs on real time
    assert sideways.scroll_x > 0.3
    assert page.scroll_y == pytest.approx(page_y, abs=0.002)
    table_x = sideways.scroll_x
    touch_path(h, line((x, y - 60), (x, y + 100)))
    wait(h, 0.5)
    assert page.scroll_y < page_y - 0.02
    assert sideways.scroll_x == pytest.approx(table_x, abs=0.002)
    h.screenshot("disclosure_detail_wide_table_800x480")


def test_markup_like_content_is_shown_literally(ui, make_view):
    item = disclosure(1, title="标题 [b]不是粗体[/b]", blocks=[Paragraph(text="[b]x[/b] 与 [i]y[/i]")],
                      publisher="[color=ff0000]居委会[/color]")
    h = ui(settings(), make_view(CENTRE, item), now=lambda: NOW)
    h.app.open_screen("disclosure_detail", item_id="d-1")
    h.frames(4)
    detail = detail_of(h)
    paragraph = detail.blocks.block_widgets[0]
    assert paragraph.text == "[b]x[/b] 与 [i]y[/i]" and paragraph.markup is False
    assert detail.content.ids.title.text == "标题 [b]不是粗体[/b]"
    assert "[color=ff0000]居委会[/color]" in detail.content.ids.publisher.text


def test_an_item_that_expired_meanwhile_is_refused_calmly(ui, make_view):
    clock = {"now": NOW}
    item = disclosure(1, title="即将撤下", expire_at=NOW + dt.timedelta(minutes=5))
    h = ui(settings(), make_view(CENTRE, item), now=lambda: clock["now"])
    screen = open_list(h)
    assert row_titles(screen) == ["即将撤下"]
    clock["now"] = NOW + dt.timedelta(minutes=6)
    assert h.app.open_screen("disclosure_detail", item_id="d-1") is False  # the row was still shown
    assert h.app.manager.current == "disclosures" and h.root.toast.shown
    assert h.root.toast.plain_text == "该公开信息已过期或已撤下。"
    h.app.open_screen("home")
    screen = open_list(h)
    assert row_titles(screen) == []  # the list follows the clock when shown again
    assert screen.panel.ids.rows.children == [] and screen.panel.empty


def test_an_item_open_when_it_expires_says_so_on_its_page(ui, make_view):
    clock = {"now": NOW}
    item = disclosure(1, title="即将撤下", expire_at=NOW + dt.timedelta(minutes=5))
    h = ui(settings(), make_view(CENTRE, item), now=lambda: clock["now"])
    open_list(h)
    assert h.app.open_screen("disclosure_detail", item_id="d-1")
    h.frames(3)
    clock["now"] = NOW + dt.timedelta(minutes=6)
    detail_of(h).refresh()  # what entering the screen again does
    h.frames(2)
    assert detail_of(h).content.ids.title.text == "该公开信息已过期或已撤下。"


def test_prepare_screenshot_shows_the_newest_finance_item_with_a_table(ui, demo_view):
    h = ui(settings(), demo_view)
    assert h.app.open_screen("disclosure_detail")
    detail = detail_of(h)
    detail.prepare_screenshot()
    h.frames(3)
    assert detail.item.id == "disclosure-finance-last-month"
    assert detail.blocks.tables()


# ---- elder mode and every size ---------------------------------------------------------------
def test_elder_mode_enlarges_list_and_detail_text(ui, demo_view):
    h = ui(settings(), demo_view, size=(800, 480))
    screen = open_list(h)
    row = screen.rows()[0]
    normal_title = row.title_text.font_size
    tap(h, screen.navbar.ids.elder_toggle)
    assert h.app.elder_mode
    assert row.title_text.font_size == pytest.approx(normal_title * theme.ELDER_SCALE)
    for tab in screen.tabs.values():
        assert tab.texture_size[0] <= tab.width + 1 and inside_window(tab, (800, 480))
    detail = finance_detail(h, demo_view)
    paragraph = detail.blocks.block_widgets[0]
    assert paragraph.font_size == pytest.approx(h.app.text_unit * theme.FONT_BODY)
    table = detail.blocks.tables()[0]
    for table_row in table.rows:
        for cell, label in zip(table_row.cells, table_row.labels):
            assert label.texture_size[0] <= cell.width + 1


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_screenshots_of_every_tab_and_detail(ui, demo_view, size, elder):
    h = ui(settings(elder), demo_view, size=size)
    suffix = f"{size[0]}x{size[1]}" + ("_elder" if elder else "")
    screen = open_list(h)
    for n, tab in enumerate(screen.tabs.values()):
        tap(h, tab)
        for widget in list(screen.tabs.values()) + [screen.panel.ids.count]:
            assert inside_window(widget, size), (widget, size)
            assert widget.texture_size[0] <= widget.width + 1
        for row in screen.rows():
            assert row.title_text.texture_size[0] <= row.text_width() + 1
        h.screenshot(f"disclosures_{n + 1}_{suffix}")
    detail = finance_detail(h, demo_view)
    h.screenshot(f"disclosure_detail_finance_{suffix}")
    detail.scroll.scroll_to(detail.blocks.tables()[0], animate=False)
    h.settle(detail.scroll)
    h.screenshot(f"disclosure_detail_finance_table_{suffix}")
    h.app.open_screen("disclosure_detail", item_id="disclosure-public-housing")
    h.frames(4)
    h.screenshot(f"disclosure_detail_pages_{suffix}")
    detail.open_pages(0)
    h.frames(4)
    for name in ("prev", "next", "zoom_in", "reset", "close", "page_label"):
        assert inside_window(detail.viewer.ids[name], size), (name, size)
    h.screenshot(f"disclosure_pages_{suffix}")
