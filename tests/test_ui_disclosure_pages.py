"""信息公开 page images (renders of an uploaded PDF): thumbnails in the detail, the viewer with
pinch-zoom, pan, 上一页/下一页 and 返回正文 — driven through the real KioskApp offscreen with real
touches (one and two fingers). Shared helpers are in tests/disclosure_support.py."""
from __future__ import annotations

import pytest

from kiosk import theme
from tests.disclosure_support import (NOW, detail_of, line, paged_view, settings, tap,
                                      touch_path)

pytestmark = pytest.mark.ui


@pytest.fixture
def two_pages(tmp_path):
    view = paged_view(tmp_path, pages=2)
    yield view
    view.close()


@pytest.fixture
def one_page(tmp_path):
    view = paged_view(tmp_path, pages=1)
    yield view
    view.close()


def open_pages(h):
    h.app.open_screen("disclosure_detail", item_id="d-1")
    h.frames(4)
    detail = detail_of(h)
    assert detail.content.page_count == 2
    assert "原件（共2页）" in h.texts() and "放大查看" in h.texts()
    assert [t.caption for t in reversed(detail.content.ids.pages.children)] == ["第1页/共2页", "第2页/共2页"]
    tap(h, detail.content.ids.zoom_button)
    assert detail.viewer_open and detail.viewer in detail.ids.body.children
    assert detail.scroll not in detail.ids.body.children
    h.frames(3)
    return detail, detail.viewer


def test_pages_pinch_zoom_pan_and_reset(ui, two_pages):
    h = ui(settings(), two_pages, size=(1080, 1920), now=lambda: NOW)
    _detail, viewer = open_pages(h)
    area, scatter = viewer.area, viewer.area.scatter
    assert viewer.ids.page_label.text == "第1页/共2页"
    assert scatter.scale == pytest.approx(1)
    assert scatter.width <= area.width + 1 and scatter.height <= area.height + 1  # whole page
    cx, cy = area.to_window(*area.center)
    # pinch: two fingers, one moves away from the other
    touch_path(h, [(cx - 60, cy)] * 9, line((cx + 60, cy), (cx + 260, cy)))
    assert scatter.scale > 1.5
    assert scatter.do_rotation is False and scatter.rotation == pytest.approx(0, abs=0.01)
    # the zoomed page still covers the area: no gap at any edge
    (bx, by), (bw, bh) = scatter.bbox
    assert bx <= area.x + 0.5 and bx + bw >= area.right - 0.5
    # pan: one finger drags the page
    before = tuple(scatter.pos)
    touch_path(h, line((cx, cy), (cx + 80, cy + 120)))
    assert tuple(scatter.pos) != before
    # pan far beyond the edge: it stops at the edge
    touch_path(h, line((cx, cy), (cx + 2000, cy - 2000)))
    (bx, by), (bw, bh) = scatter.bbox
    assert bx == pytest.approx(area.x, abs=1) and by + bh >= area.top - 1
    # zooming out below 1 is impossible
    touch_path(h, [(cx - 300, cy)] * 9, line((cx + 300, cy), (cx - 250, cy)))
    assert scatter.scale >= 1 - 1e-6
    tap(h, viewer.ids.zoom_in)
    tap(h, viewer.ids.reset)
    assert scatter.scale == pytest.approx(1)
    assert scatter.center_x == pytest.approx(area.center_x, abs=1)
    h.screenshot("disclosure_pages_viewer_1080x1920")


def test_pages_next_previous_and_back_to_the_text(ui, two_pages):
    h = ui(settings(), two_pages, size=(800, 480), now=lambda: NOW)
    detail, viewer = open_pages(h)
    assert viewer.ids.prev.disabled and not viewer.ids.next.disabled
    # a disabled button reads muted (and faded), an enabled one in its own colour
    assert tuple(viewer.ids.prev.color) == tuple(theme.TEXT_MUTED) and viewer.ids.prev.opacity < 1
    assert tuple(viewer.ids.next.color) != tuple(theme.TEXT_MUTED)
    tap(h, viewer.ids.zoom_in)
    assert viewer.scale > 1.5
    tap(h, viewer.ids.next)
    assert viewer.index == 1 and viewer.ids.page_label.text == "第2页/共2页"
    assert viewer.scale == pytest.approx(1)  # a new page starts whole
    assert viewer.ids.next.disabled
    tap(h, viewer.ids.prev)
    assert viewer.index == 0
    for button in ("prev", "next", "zoom_in", "reset", "close"):
        widget = viewer.ids[button]
        x, y = widget.to_window(widget.x, widget.y)
        assert widget.height >= theme.MIN_TOUCH_PX - 0.5
        assert x >= -0.5 and x + widget.width <= 800.5, button  # nothing off the screen
    tap(h, viewer.ids.close)
    assert not detail.viewer_open and detail.scroll in detail.ids.body.children


def test_tapping_a_page_opens_the_viewer_on_that_page(ui, two_pages):
    h = ui(settings(), two_pages, size=(1080, 1920), now=lambda: NOW)
    h.app.open_screen("disclosure_detail", item_id="d-1")
    h.frames(4)
    detail = detail_of(h)
    second = list(reversed(detail.content.ids.pages.children))[1]
    detail.scroll.scroll_to(second, animate=False)
    h.settle(detail.scroll)
    tap(h, second)
    assert detail.viewer_open and detail.viewer.index == 1
    detail.reset()
    assert not detail.viewer_open


@pytest.mark.parametrize("size", [(1080, 1920), (800, 480)], ids=["portrait", "pi7"])
def test_a_single_page_has_no_paging(ui, one_page, size):
    h = ui(settings(), one_page, size=size, now=lambda: NOW)
    h.app.open_screen("disclosure_detail", item_id="d-1")
    h.frames(4)
    detail = detail_of(h)
    assert detail.content.page_count == 1 and "原件（共1页）" in h.texts()
    assert not any("第1页" in t for t in h.texts(detail.content))  # no 第1页/共1页 caption
    tap(h, detail.content.ids.zoom_button)
    viewer = detail.viewer
    assert detail.viewer_open and not viewer.paged
    nav = viewer.ids.nav
    assert nav.opacity == 0 and nav.height == 0 and nav.disabled
    assert not any("第1页" in t or "共1页" in t for t in h.texts(viewer))
    h.screenshot(f"disclosure_single_page_{size[0]}x{size[1]}")
    h.tap(viewer.ids.next, frames=2)  # where 下一页 would be: nothing happens
    assert viewer.index == 0 and detail.viewer_open
    for name in ("zoom_in", "reset", "close"):  # zoom and 返回正文 stay
        button = viewer.ids[name]
        assert button.opacity == 1 and button.height >= theme.MIN_TOUCH_PX - 0.5
    tap(h, viewer.ids.zoom_in)
    assert viewer.scale > 1.5
    tap(h, viewer.ids.close)
    assert not detail.viewer_open
