"""办事指南: list, category chips and search with the on-screen keyboard — driven by real touches
through the real KioskApp offscreen on the demo centre. The detail has test_ui_guide_detail.py;
shared helpers are in tests/guide_support.py."""
from __future__ import annotations

import pytest

from kiosk import theme
from tests.guide_support import (FACTS, HEADINGS, NOW, SIZE_IDS, SIZES, double_tap, drag,  # noqa: F401
                                 assert_inside, flat, open_guides, open_search, screen, start,
                                 tag, type_keys)

pytestmark = pytest.mark.ui


# ---- list and categories --------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_list_chips_detail_scroll_back_and_home(start, demo_view, size):
    h = start(size)
    guides = open_guides(h)
    assert len(guides.guide_list.data) == 36 == len(demo_view.guides(now=NOW))
    assert "共 36 项办事指南" in h.texts()
    assert [c.text for c in guides.chips()] == ["全部"] + demo_view.guide_categories(now=NOW)
    rows = guides.guide_list.rows()
    assert rows and rows[0].title == "最低生活保障申请"
    assert "到现场1次" in rows[0].meta and "承诺时限：" in rows[0].meta
    h.screenshot(f"guides_{tag(size)}")

    category = demo_view.guide_categories(now=NOW)[1]
    h.tap(guides.chip(category))
    expected = [g.title for g in demo_view.guides(category, now=NOW)]
    assert [d["title"] for d in guides.guide_list.data] == expected
    assert {r.category for r in guides.guide_list.rows()} == {category}
    assert f"共 {len(expected)} 项办事指南" in h.texts()
    assert guides.chip(category).selected and not guides.chip("").selected

    row = guides.guide_list.rows()[0]
    h.tap(row)
    assert h.app.manager.current == "guide_detail"
    detail = screen(h, "guide_detail")
    guide = demo_view.item(row.guide_id, now=NOW)
    assert detail.header.title == guide.title == expected[0]
    shown = flat(h.texts(detail))
    assert guide.title in shown
    for heading in HEADINGS + FACTS:
        assert heading in shown, heading
    for material in guide.materials:
        assert material.name in shown, material.name
    for n, step in enumerate(guide.steps, 1):
        assert step in shown and str(n) in shown
    assert f"问：{guide.faq[0].q}" in shown

    scroll = detail.scroll
    assert scroll.scroll_y == pytest.approx(1)
    assert scroll.ids.column.height > scroll.height  # long content: it has to scroll
    drag(h, scroll, dy=size[1] * 0.3)
    assert scroll.scroll_y < 0.99

    h.tap(detail.navbar.ids.back_button)
    assert h.app.manager.current == "guides"
    assert guides.category == category  # the resident's place in the list is kept
    h.tap(guides.navbar.ids.home_button)
    assert h.app.manager.current == "home"


def test_chips_scroll_sideways_and_all_shows_everything_again(start):
    h = start()
    guides = open_guides(h)
    chip = guides.chip("党务服务")
    chips_scroll = guides.content.ids.chips_scroll
    assert chip.to_window(chip.right, 0)[0] > 1080  # does not fit: beyond the right edge
    assert chips_scroll.more  # the fade says there is more
    drag(h, chips_scroll, dx=-900)
    assert chips_scroll.scroll_x > 0.5 and chip.to_window(chip.right, 0)[0] <= 1080
    h.tap(chip)
    assert chip.selected
    assert len(guides.guide_list.data) == 5
    drag(h, chips_scroll, dx=900)
    assert chips_scroll.scroll_x < 0.01
    h.tap(guides.chip(""))
    assert len(guides.guide_list.data) == 36


def test_the_list_scrolls_to_guides_further_down(start, demo_view):
    h = start((800, 480))
    guides = open_guides(h)
    last = demo_view.guides(now=NOW)[-1]
    assert guides.guide_list.row(last.id) is None  # not built: far below the fold
    guides.guide_list.scroll_y = 0
    h.frames(3)
    assert guides.guide_list.row(last.id) is not None


def test_a_double_tap_on_a_guide_opens_it_once(start):
    h = start()
    guides = open_guides(h)
    row = guides.guide_list.rows()[1]
    double_tap(h, row)
    assert h.app.manager.current == "guide_detail"
    assert screen(h, "guide_detail").guide_id == row.guide_id
    assert h.app._history == ["home", "guides"]  # detail entered once
    h.tap(screen(h, "guide_detail").navbar.ids.back_button)
    assert h.app.manager.current == "guides"


def test_unknown_guide_is_refused_calmly(start):
    h = start()
    open_guides(h)
    assert h.app.open_screen("guide_detail", guide_id="no-such-guide") is False
    assert h.app.manager.current == "guides"
    assert h.root.toast.shown


# ---- search ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_search_with_the_on_screen_keyboard(start, size):
    h = start(size)
    search = open_search(h)
    body = search.content
    assert search.query == "" and search.results() == []
    assert "dbsq" in body.ids.message.text and "低保申请" in flat([body.ids.message.text])[0]
    for key in search.keyboard.keys():
        assert key.width >= theme.MIN_TOUCH_PX - 0.5 and key.height >= theme.MIN_TOUCH_PX - 0.5

    type_keys(h, search, "dbsq")
    assert body.ids.query_bar.ids.query.text == "dbsq"
    assert search.results()[0] == "最低生活保障申请"
    assert search.guide_list.rows()[0].title == "最低生活保障申请"  # drawn, not only data
    assert body.message == ""
    h.screenshot(f"guide_search_{tag(size)}")

    h.tap(search.keyboard.key("backspace"))
    assert search.query == "dbs" and search.results()[0] == "最低生活保障申请"
    h.tap(search.keyboard.key("clear"))
    assert search.query == "" and search.results() == []
    assert "dbsq" in body.ids.message.text

    type_keys(h, search, "yibao")
    assert search.results()[0] == "城乡居民医保参保登记"
    h.tap(search.guide_list.rows()[0])
    assert h.app.manager.current == "guide_detail"
    assert screen(h, "guide_detail").header.title == "城乡居民医保参保登记"
    h.tap(screen(h, "guide_detail").navbar.ids.back_button)
    assert h.app.manager.current == "guide_search" and search.query == "yibao"

    h.tap(search.keyboard.key("clear"))
    type_keys(h, search, "qxzv")
    assert search.results() == []
    assert body.ids.message.text.replace("\n", "") == "未找到相关事项，请换个关键词或咨询窗口工作人员"
    assert body.ids.message.opacity == 1 and search.guide_list.disabled
    h.screenshot(f"guide_search_empty_{tag(size)}")


def test_every_key_updates_the_results(start):
    h = start()
    search = open_search(h)
    counts = []
    for key in "dbsq":
        h.tap(search.keyboard.key(key), frames=1)
        counts.append(len(search.results()))
    assert counts[0] > counts[-1] >= 1  # "d" finds many, "dbsq" exactly the 低保 guide


def test_a_key_delivered_twice_types_once(start):
    h = start()
    search = open_search(h)
    double_tap(h, search.keyboard.key("d"))
    assert search.query == "d"
    double_tap(h, search.keyboard.key("backspace"))
    assert search.query == ""


def test_a_finger_that_slides_off_a_key_types_nothing(start):
    """As with any button: a key acts when the finger lifts on it, not after sliding away."""
    from kivy.tests.common import UnitTestTouch

    h = start()
    search = open_search(h)
    keyboard = search.keyboard
    d, f = keyboard.key("d"), keyboard.key("f")
    touch = UnitTestTouch(*d.to_window(*d.center))
    touch.touch_down()
    h.frames(1)
    assert d.state == "down"
    touch.touch_move(*f.to_window(*f.center))
    touch.touch_up()
    assert h.wait_for(lambda: d.state == "normal", timeout=2)
    h.frames(1)
    assert search.query == "" and keyboard._pressed_fill.a == 0  # nothing typed, nothing pressed
    h.tap(f)
    assert search.query == "f"


def test_digits_on_the_small_panel_are_one_key_away(start):
    h = start((800, 480))
    search = open_search(h)
    assert search.keyboard.key("1") is None
    h.tap(search.keyboard.key("digits"))
    assert search.keyboard.key("1") is not None and search.keyboard.key("q") is None
    h.tap(search.keyboard.key("1"))
    assert search.query == "1"
    h.tap(search.keyboard.key("digits"))
    assert search.keyboard.key("q") is not None


def test_search_starts_empty_for_the_next_resident(start):
    h = start()
    search = open_search(h)
    type_keys(h, search, "dbsq")
    h.tap(search.navbar.ids.home_button)
    guides = open_guides(h)
    h.press(guides.content.ids.search)  # tapped a moment ago: past its double-tap guard
    assert search.query == "" and search.results() == []
    type_keys(h, search, "db")
    search.reset()
    assert search.query == "" and search.content.ids.query_bar.ids.query.text == "请用屏幕键盘输入"


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_elder_mode_list_and_search_fit(start, size):
    h = start(size, elder=True)
    guides = open_guides(h)
    assert_inside(h, guides, size)
    h.screenshot(f"guides_{tag(size, elder=True)}")
    h.tap(guides.content.ids.search)
    search = screen(h, "guide_search")
    type_keys(h, search, "dbsq")
    assert search.results()[0] == "最低生活保障申请"
    assert_inside(h, search, size)
    for key in search.keyboard.keys():
        assert key.height >= theme.MIN_TOUCH_PX - 0.5
        assert key.texture_size[0] <= key.width
    area = search.content.ids.results_area
    assert area.height >= theme.MIN_TOUCH_PX  # at least one result row is visible
    h.screenshot(f"guide_search_{tag(size, elder=True)}")


def test_idle_reset_forgets_the_last_residents_search_and_category(start):
    h = start()
    guides = open_guides(h)
    h.tap(guides.chip(guides.chips()[1].category))
    h.tap(guides.content.ids.search)
    search = screen(h, "guide_search")
    type_keys(h, search, "dbsq")
    assert search.results()
    h.app.reset_session()  # what the idle timeout does
    h.frames(2)
    assert search.query == "" and search.results() == []
    assert guides.category == "" and len(guides.guide_list.data) == 36


def test_elder_toggle_enlarges_the_rows_on_screen(start):
    h = start()
    guides = open_guides(h)
    row = guides.guide_list.rows()[0]
    normal = row.title_text.font_size
    h.tap(guides.navbar.ids.elder_toggle)
    h.frames(3)
    row = guides.guide_list.rows()[0]
    assert row.title_text.font_size == pytest.approx(normal * theme.ELDER_SCALE)
    assert row.height >= theme.MIN_TOUCH_PX * theme.ELDER_SCALE


def test_the_title_bar_toggle_still_looks_like_a_button_when_on(start):
    """On the red title bar an "on" pill filled with the same red showed as bare text: it is
    darker and outlined in white there (on light backgrounds it stays red)."""
    from kivy.graphics import Color

    def colours(toggle):
        return [tuple(i.rgba) for i in toggle.canvas.before.children if isinstance(i, Color)][:2]

    h = start(elder=True)
    guides = open_guides(h)
    fill, outline = colours(guides.navbar.ids.elder_toggle)
    assert fill != tuple(theme.RED) and outline == tuple(theme.ON_RED)
    h.tap(guides.navbar.ids.elder_toggle)  # off: the white pill with a red outline
    assert not h.app.elder_mode
    assert colours(guides.navbar.ids.elder_toggle) == [tuple(theme.SURFACE), tuple(theme.RED)]
    h.app.go_home()
    h.frames(2)
    h.tap(h.home.ids.elder_toggle)  # home's toggle sits on the light footer: red when on
    assert colours(h.home.ids.elder_toggle)[0] == tuple(theme.RED)
