"""办事指南: list, category chips, search with the on-screen keyboard, detail — driven by real
touches through the real KioskApp offscreen on the demo centre (fixtures in conftest)."""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import CST
from kiosk import theme
from kiosk.config import Display, Settings

pytestmark = pytest.mark.ui

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
    h.tap(h.home.tile("guides"))
    assert h.app.manager.current == "guides"
    return screen(h, "guides")


def open_search(h):
    guides = open_guides(h)
    h.tap(guides.content.ids.search)
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
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    h.frames(1)
    for i in range(1, steps + 1):
        touch.touch_move(x + dx * i / steps, y + dy * i / steps)
        h.frames(1)
    touch.touch_up()
    h.frames(3)


def assert_inside(h, root, size) -> None:
    """Every visible label's text fits its widget, and no widget leaves the window sideways
    (the content of a sideways-scrolling view, the category chips, may: it scrolls)."""
    from kivy.uix.label import Label
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

    h.tap(detail.ids.back_button)
    assert h.app.manager.current == "guides"
    assert guides.category == category  # the resident's place in the list is kept
    h.tap(guides.ids.home_button)
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
    h.tap(screen(h, "guide_detail").ids.back_button)
    assert h.app.manager.current == "guides"


def test_unknown_guide_is_refused_calmly(start):
    from screens.guides import open_guide

    h = start()
    open_guides(h)
    assert open_guide(h.app, "no-such-guide") is False
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
    h.tap(screen(h, "guide_detail").ids.back_button)
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
    h.tap(search.ids.home_button)
    guides = open_guides(h)
    h.tap(guides.content.ids.search)
    assert search.query == "" and search.results() == []
    type_keys(h, search, "db")
    search.reset()
    assert search.query == "" and search.content.ids.query_bar.ids.query.text == "请用屏幕键盘输入"


# ---- detail ---------------------------------------------------------------------------------

def open_detail(h, guide_id):
    from screens.guides import open_guide

    open_guides(h)
    assert open_guide(h.app, guide_id)
    h.frames(3)
    return screen(h, "guide_detail")


def test_qr_code_only_where_an_online_url_exists(start, demo_view):
    h = start()
    detail = open_detail(h, "guide-dibao")
    assert demo_view.item("guide-dibao").online_url
    header = detail.header
    assert header.qr_texture is not None and header.ids.qr_box.width >= 130
    assert header.ids.qr.texture is header.qr_texture
    assert "扫码在线办理" in h.texts(detail)

    assert demo_view.item("guide-senior-card").online_url is None
    h.tap(detail.ids.back_button)
    h.tap(screen(h, "guides").chip("老龄服务"))
    h.tap(screen(h, "guides").guide_list.row("guide-senior-card"))
    assert h.app.manager.current == "guide_detail"
    assert detail.header.qr_texture is None and detail.header.ids.qr_box.width == 0
    assert "扫码在线办理" not in h.texts(detail)
    assert detail.header.title == "老年人优待证"


def test_qr_code_decodes_to_the_online_url(start, demo_view):
    """The texture holds a real QR code: compare it with a fresh one of the same URL."""
    import qrcode

    h = start()
    detail = open_detail(h, "guide-dibao")
    texture = detail.header.qr_texture
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=2)
    code.add_data(demo_view.item("guide-dibao").online_url)
    code.make(fit=True)
    modules = len(code.get_matrix())
    assert texture.width == texture.height == modules * 8


def test_materials_read_as_a_checklist(start, demo_view):
    h = start()
    detail = open_detail(h, "guide-dibao")
    guide = demo_view.item("guide-dibao")
    section = detail.sections[detail.section_headings().index("所需材料")]
    rows = list(reversed(section.ids.rows.children))
    assert [r.name for r in rows] == [m.name for m in guide.materials]
    assert rows[0].detail == "1份 · 原件" and rows[0].note == "窗口提供格式，可代为填写"
    assert rows[1].detail == "1份 · 原件及复印件" and rows[1].ids.note.height == 0
    assert rows[4].detail == "1份 · 复印件"
    assert all(r.ids.box.width > 0 for r in rows)  # the tick box of each line
    visits = detail.sections[detail.section_headings().index("办理信息")]
    facts = {r.label: r.value for r in visits.ids.rows.children}
    assert facts["到现场次数"] == "到现场1次" and facts["收费标准"] == "不收费"


def test_no_visit_wording(start):
    h = start()
    detail = open_detail(h, "guide-medical-insurance")  # visits = 0
    assert detail.header.visits == "无需到现场"


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_elder_mode_enlarges_the_detail_and_it_still_fits(start, size):
    h = start(size)
    detail = open_detail(h, "guide-dibao")
    assert_inside(h, detail, size)
    h.screenshot(f"guide_detail_{tag(size)}")
    heading = detail.sections[0].ids.heading
    body = detail.sections[0].ids.rows.children[0]
    sizes = heading.font_size, body.font_size, detail.header.ids.title.font_size
    h.tap(detail.ids.elder_toggle)
    h.frames(4)
    assert h.app.elder_mode
    assert heading.font_size == pytest.approx(sizes[0] * theme.ELDER_SCALE)
    assert body.font_size == pytest.approx(sizes[1] * theme.ELDER_SCALE)
    assert detail.header.ids.title.font_size == pytest.approx(sizes[2] * theme.ELDER_SCALE)
    assert_inside(h, detail, size)
    h.screenshot(f"guide_detail_{tag(size, elder=True)}")
    detail.scroll.scroll_y = 0
    h.frames(3)
    h.screenshot(f"guide_detail_end_{tag(size, elder=True)}")
    assert "常见问题" in h.texts(detail)


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


def test_content_text_is_never_markup(start, make_view, ui):
    from content.schemas import FAQ, Centre, Guide, Material

    tricky = "[b]不是标记[/b] 申请"
    guide = Guide(id="g-markup", title=tricky, category="便民服务", summary=tricky,
                  materials=[Material(name=tricky)], faq=[FAQ(q=tricky, a=tricky)],
                  updated_at=NOW)
    centre = Centre(id="demo-centre", title="中心", name="中心", address="路 1 号", updated_at=NOW)
    h = ui(Settings(display=Display(fullscreen=False)), make_view(centre, guide),
           size=(1080, 1920), now=lambda: NOW)
    guides = open_guides(h)
    assert guides.guide_list.rows()[0].ids.title.text == tricky
    h.tap(guides.guide_list.rows()[0])
    detail = screen(h, "guide_detail")
    shown = flat(h.texts(detail))
    assert tricky in shown
    from kivy.uix.label import Label
    assert not any(w.markup for w in detail.walk() if isinstance(w, Label) and "[b]" in w.text)


def test_prepare_screenshot_shows_the_first_guide(start, demo_view):
    h = start()
    h.app.open_screen("guide_detail")
    detail = screen(h, "guide_detail")
    detail.prepare_screenshot()
    h.frames(2)
    assert detail.header.title == demo_view.guides(now=NOW)[0].title


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
    normal = row.ids.title.font_size
    h.tap(guides.ids.elder_toggle)
    h.frames(3)
    row = guides.guide_list.rows()[0]
    assert row.ids.title.font_size == pytest.approx(normal * theme.ELDER_SCALE)
    assert row.height >= theme.MIN_TOUCH_PX * theme.ELDER_SCALE
