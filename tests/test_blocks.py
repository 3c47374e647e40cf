"""screens.blocks: the block renderer of disclosures and notices, in the real app offscreen.

A BlockView is mounted in a vertical ScrollView over the running app (as the detail screens do)
and driven with real touches: a wide table scrolls sideways while the page scrolls vertically.
"""
from __future__ import annotations

import datetime as dt

import pytest

from content.schemas import Centre, Heading, ImageBlock, ListBlock, Paragraph, Table
from kiosk import theme
from kiosk.config import Display, Settings
from screens.blocks import column_alignments, fit_columns, is_number

NOW = dt.datetime(2026, 11, 22, 10, 0)
CENTRE = Centre(id="demo-centre", title="幸福里社区党群服务中心", name="幸福里社区党群服务中心",
                address="幸福里路88号", updated_at=NOW)

FINANCE = Table(caption="2026年10月收支明细表", columns=["科目", "收入（元）", "支出（元）", "备注"],
                rows=[["上级拨付社区工作经费", "30,000.00", "", "街道按月拨付"],
                      ["民生微实事：3幢非机动车棚充电桩", "", "28,400.00", "验收合格后一次性支付"],
                      ["合计", "30,000.00", "28,400.00", ""]],
                align=["left", "right", "right", "left"])
WIDE = Table(caption="民生微实事项目实施情况",
             columns=["序号", "项目名称", "实施地点", "预算（元）", "实际支出（元）", "实施单位", "联系电话",
                      "完成时间", "状态"],
             rows=[[str(n), f"{n}幢非机动车棚充电桩改造工程", "幸福里一区3幢北侧", "29,800.00", "28,400.00",
                    "丰乐电力安装有限公司", "0571-86512311", "2026年10月", "已验收"] for n in range(1, 7)])


# ---- pure helpers -------------------------------------------------------------------------------

def test_numbers_are_recognised():
    for text in ("1,630", "28,400.00", "-12.5", "96.2%", "0", "¥1,200"):
        assert is_number(text), text
    for text in ("不低于700", "80周岁", "2026年10月", "0571-86512311", "", "合计"):
        assert not is_number(text), text


def test_numeric_columns_are_detected_when_the_table_has_no_align():
    table = Table(columns=["科目", "金额", "占比", "说明"],
                  rows=[["走访慰问", "12,800.00", "32.0%", "慰问32户"], ["合计", "40,030.00", "100.0%", ""]])
    assert column_alignments(table) == ["left", "right", "right", "left"]
    assert column_alignments(FINANCE) == ["left", "right", "right", "left"]  # its own align wins


def test_fit_columns_fills_shrinks_then_overflows():
    # a text column, a number column whose header is wider than its numbers, a text column
    natural, minimum, grows = [300, 160, 200], [100, 120, 100], [True, False, True]
    wide = fit_columns(natural, minimum, grows, 1000)
    assert sum(wide) == pytest.approx(1000) and wide[1] == 160  # spare room to text columns
    assert wide[0] / wide[2] == pytest.approx(300 / 200)
    tight = fit_columns(natural, minimum, grows, 500)  # text columns wrap first
    assert sum(tight) == pytest.approx(500) and tight[1] == 160
    assert all(m <= t < n for t, m, n in zip(tight[::2], minimum[::2], natural[::2]))
    tighter = fit_columns(natural, minimum, grows, 330)  # then number headers wrap
    assert tighter == pytest.approx([100, 130, 100])
    too_narrow = fit_columns(natural, minimum, grows, 250)
    assert too_narrow == [100, 120, 100]  # wider than the room: the table scrolls sideways


# ---- in the running app ----------------------------------------------------------------------------

@pytest.fixture
def mount(ui, make_view):
    """mount(blocks, size=(1080, 1920), elder=False, view=None) -> (ui handle, page ScrollView, BlockView)."""
    def run(blocks, size=(1080, 1920), elder=False, view=None):
        from kivy.uix.scrollview import ScrollView

        from screens.blocks import BlockView

        view = view or make_view(CENTRE)
        h = ui(Settings(elder_mode_default=elder, display=Display(fullscreen=False)), view,
               size=size, now=lambda: NOW)
        page = ScrollView(do_scroll_x=False, size_hint=(1, 1))
        block_view = BlockView(blocks=blocks, blob_path=view.blob_path)
        page.add_widget(block_view)
        h.root.add_widget(page)
        h.frames(6)
        return h, page, block_view
    return run


def drag(h, x, y, dx, dy, steps=10):
    h.drag(x, y, dx, dy, steps)


def test_markup_like_text_is_shown_literally(mount):
    h, _page, view = mount([Paragraph(text="请注意 [b]x[/b] 与 [color=ff0000]红[/color] 原样显示")])
    label = view.block_widgets[0]
    assert label.markup is False
    assert "[b]x[/b]" in label.text and "[color=ff0000]红[/color]" in label.text


def test_headings_are_larger_than_paragraphs_and_ordered_by_level(mount):
    h, _page, view = mount([Heading(text="一级", level=1), Heading(text="二级", level=2),
                            Heading(text="三级", level=3), Paragraph(text="正文")])
    h1, h2, h3, body = view.block_widgets
    assert h1.font_size > h2.font_size > h3.font_size > body.font_size
    assert body.font_size == pytest.approx(h.app.text_unit * theme.FONT_BODY)
    assert h1.outline_width >= 1  # bold
    assert [w.text for w in view.block_widgets] == ["一级", "二级", "三级", "正文"]


def test_lists_have_bullets_or_numbers_and_a_hanging_indent(mount):
    long_item = "在二区7幢、12幢北侧空地各建一处集中充电棚，共60个充电口，建设资金由民生微实事项目列支" * 2
    h, _page, view = mount([ListBlock(items=["应到35名", long_item]),
                            ListBlock(items=[f"第{n}项" for n in range(1, 11)], ordered=True)],
                           size=(800, 480))
    bullets, numbers = view.block_widgets
    rows = list(reversed(bullets.children))
    assert [r.ids.marker.text for r in rows] == ["•", "•"]
    assert rows[1].ids.body.text.count("\n") >= 1  # the long item wraps...
    body_x = {round(r.ids.body.x) for r in rows}
    assert len(body_x) == 1 and body_x.pop() > rows[0].ids.marker.x  # ...beside the bullet column
    numbered = list(reversed(numbers.children))
    assert [r.ids.marker.text for r in numbered][:2] == ["1.", "2."] and numbered[-1].ids.marker.text == "10."
    assert len({round(r.ids.body.x) for r in numbered}) == 1
    for row in numbered:  # "10." fits its column
        assert row.ids.marker.texture_size[0] <= row.ids.marker.width + 1


def test_the_marker_of_a_wrapped_item_sits_at_its_first_line(mount):
    long_item = "在二区7幢、12幢北侧空地各建一处集中充电棚，共60个充电口，建设资金由民生微实事项目列支" * 2
    h, _page, view = mount([ListBlock(items=[long_item]), ListBlock(items=[long_item], ordered=True)],
                           size=(800, 480), elder=True)
    for block in view.block_widgets:
        row = block.children[0]
        marker, body = row.ids.marker, row.ids.body
        assert len(body.lines) >= 3, body.lines  # wraps over several lines
        first_line = body.height / len(body.lines)
        _x, marker_top = marker.to_window(marker.x, marker.top)
        _x, body_top = body.to_window(body.x, body.top)
        assert abs(marker_top - body_top) <= 1, (marker.text, marker_top, body_top)
        assert marker.height <= first_line + 1  # one line tall: it marks the first line only


def test_table_header_is_shaded_and_numbers_are_right_aligned(mount):
    h, _page, view = mount([FINANCE])
    table = view.tables()[0]
    assert table.ids.caption.text == "2026年10月收支明细表"
    header = table.rows[0]
    assert all(cell.header for cell in header.cells) and not any(c.header for c in table.rows[1].cells)
    assert [label.text for label in header.labels] == FINANCE.columns
    for col, align in enumerate(["left", "right", "right", "left"]):
        assert {label.halign for label in table.column_labels(col)} == {align}
    assert table.rows[2].labels[0].text.replace("\n", "") == "民生微实事：3幢非机动车棚充电桩"
    assert not table.overflow  # four columns fit a portrait screen
    assert table.ids.grid.width <= table.width + 1
    for row in table.rows:  # every cell is as tall as its row, every text inside its cell
        for cell, label in zip(row.cells, row.labels):
            assert cell.height == pytest.approx(row.height)
            assert label.texture_size[0] <= cell.width + 1 and label.height <= cell.height + 1


def test_auto_detected_numbers_are_right_aligned(mount):
    table = Table(columns=["用途", "金额（元）", "占比"], rows=[["党员志愿服务", "9,650.00", "24.1%"]])
    h, _page, view = mount([table])
    shown = view.tables()[0]
    assert [shown.column_labels(c)[1].halign for c in range(3)] == ["left", "right", "right"]


def settle(h, seconds=0.8):
    """Let kinetic scrolling and the overscroll spring finish (they run on real time)."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        h.frames(1)
        time.sleep(0.01)


def test_a_wide_table_scrolls_sideways_while_the_page_scrolls_vertically(mount):
    blocks = [Paragraph(text="前言。" * 80), WIDE, Paragraph(text="结语。" * 200)]
    h, page, view = mount(blocks, size=(800, 480))
    table = view.tables()[0]
    sideways = table.ids.scroll
    assert table.overflow and table.ids.grid.width > 800
    assert table.ids.hint.text == "表格较宽，请左右滑动查看"
    # bring the table into view, then swipe left on it: the table moves, the page does not
    page.scroll_to(table, animate=False)
    h.settle(page)
    assert 0 < page.scroll_y < 1
    x, y = sideways.to_window(*sideways.center)
    assert 0 < y < 480
    page_y = page.scroll_y
    assert sideways.scroll_x == 0
    drag(h, x + 150, y, -120, 0)
    settle(h)
    assert 0.5 < sideways.scroll_x <= 1.0001
    assert page.scroll_y == pytest.approx(page_y, abs=0.002)
    # swipe up on the same table: the page scrolls, the table stays where it was
    page_y, table_x = page.scroll_y, sideways.scroll_x
    drag(h, x, y - 60, 0, 160)
    settle(h)
    assert page.scroll_y < page_y - 0.02
    assert sideways.scroll_x == pytest.approx(table_x, abs=0.002)
    # and a swipe down on it scrolls the page back
    page_y = page.scroll_y
    x, y = sideways.to_window(*sideways.center)
    drag(h, x, min(y + 60, 400), 0, -120)
    settle(h)
    assert page.scroll_y > page_y + 0.02
    h.screenshot("blocks_wide_table_800x480")


def test_image_blocks_fit_the_width_with_their_caption(mount, demo_view):
    fund = demo_view.item("disclosure-party-service-fund")
    image_block = next(b for b in fund.blocks if isinstance(b, ImageBlock))
    h, _page, view = mount([image_block], view=demo_view)
    shown = view.block_widgets[0]
    image = shown.ids.image
    assert image.texture is not None
    assert image.width == pytest.approx(view.width)
    assert image.height == pytest.approx(image.width * 660 / 1200, rel=0.01)
    assert shown.ids.caption.text.replace("\n", "") == image_block.caption


def test_elder_mode_enlarges_text_and_refits_tables(mount):
    h, _page, view = mount([Paragraph(text="正文"), FINANCE])
    body, table = view.block_widgets
    normal_text, normal_cell = body.font_size, table.rows[1].labels[1].font_size
    normal_number_col = table.rows[1].cells[1].width
    h.app.elder_mode = True
    h.frames(6)
    assert body.font_size == pytest.approx(normal_text * theme.ELDER_SCALE)
    assert table.rows[1].labels[1].font_size == pytest.approx(normal_cell * theme.ELDER_SCALE)
    assert table.rows[1].cells[1].width > normal_number_col  # the number column grew with its text
    for row in table.rows:
        for cell, label in zip(row.cells, row.labels):
            assert label.texture_size[0] <= cell.width + 1


def test_setting_blocks_again_replaces_the_content(mount):
    h, _page, view = mount([Paragraph(text="第一版")])
    view.blocks = [{"type": "heading", "text": "第二版", "level": 1}, {"type": "paragraph", "text": "新正文"}]
    h.frames(3)
    assert [w.text for w in view.block_widgets] == ["第二版", "新正文"]
    assert view.height == pytest.approx(view.minimum_height)
