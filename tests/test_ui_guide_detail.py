"""办事指南 detail: every section, the QR code to the online version, materials as a checklist,
elder mode at every size, content never read as markup — driven by real touches through the
real KioskApp offscreen. Shared helpers are in tests/guide_support.py."""
from __future__ import annotations

import pytest

from kiosk import theme
from kiosk.config import Display, Settings
from tests.guide_support import (NOW, SIZE_IDS, SIZES, assert_inside, flat, open_detail,  # noqa: F401
                                 open_guides, screen, start, tag)

pytestmark = pytest.mark.ui


def test_qr_code_only_where_an_online_url_exists(start, demo_view):
    h = start()
    detail = open_detail(h, "guide-dibao")
    assert demo_view.item("guide-dibao").online_url
    header = detail.header
    assert header.qr_texture is not None and header.ids.qr_box.width >= 130
    assert header.ids.qr.texture is header.qr_texture
    assert "扫码在线办理" in h.texts(detail)

    assert demo_view.item("guide-senior-card").online_url is None
    h.tap(detail.navbar.ids.back_button)
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
    assert rows[1].detail == "1份 · 原件及复印件" and rows[1].note_text.texture_size == (0, 0)
    assert rows[4].detail == "1份 · 复印件"
    assert all(r.tick_box.rectangle[2] > 10 for r in rows)  # the tick box of each line
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
    h.tap(detail.navbar.ids.elder_toggle)
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
    assert guides.guide_list.rows()[0].title_text.text == tricky
    h.tap(guides.guide_list.rows()[0])
    detail = screen(h, "guide_detail")
    shown = flat(h.texts(detail))
    assert tricky in shown
    from screens.text_label import TextLabel as Label
    assert not any(w.markup for w in detail.walk() if isinstance(w, Label) and "[b]" in w.text)


def test_prepare_screenshot_shows_the_first_guide(start, demo_view):
    h = start()
    h.app.open_screen("guide_detail")
    detail = screen(h, "guide_detail")
    detail.prepare_screenshot()
    h.frames(2)
    assert detail.header.title == demo_view.guides(now=NOW)[0].title


def test_the_next_guide_reuses_the_texts_it_shares_with_the_last(start):
    """Section headings and fact labels are the same words in every guide: the pooled widget
    already showing one is taken for it, so its text is not rendered again."""
    h = start()
    detail = open_detail(h, "guide-dibao")

    def textures():
        found = {}
        for section in detail.sections:
            found[section.heading] = section.ids.heading.texture
            for row in section.ids.rows.children:
                if type(row).__name__ == "GuideFactRow":
                    found[row.label] = row.label_text.texture
        return found

    first = textures()
    assert {"办理信息", "办理地点/窗口", "承诺时限"} <= set(first)
    assert h.app.open_screen("guide_detail", guide_id="guide-senior-card")
    h.frames(3)
    assert detail.header.title == "老年人优待证"
    second = textures()
    shared = set(first) & set(second)
    assert {"办理信息", "办理地点/窗口"} <= shared
    assert all(second[text] is first[text] for text in shared), shared
