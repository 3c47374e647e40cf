"""Shared by the 信息公开 UI tests (test_ui_disclosures, test_ui_disclosure_pages): real settings
and items, content versions with page images built with the real store, and the moves a
resident makes (taps that wait for the ScrollView, one- and two-finger paths)."""
from __future__ import annotations

import datetime as dt
import io
import time

from content.schemas import CST, Centre, Disclosure, Paragraph
from kiosk.config import Display, Settings

NOW = dt.datetime(2026, 11, 22, 9, 41, tzinfo=CST)
TODAY = NOW.date()
SIZES = [(1080, 1920), (1920, 1080), (800, 480)]
CATEGORIES = ["党务公开", "政务公开", "居务公开", "财务公开"]
CENTRE = Centre(id="demo-centre", title="测试社区党群服务中心", name="测试社区党群服务中心",
                address="测试路1号", updated_at=NOW - dt.timedelta(days=30))


def settings(elder: bool = False) -> Settings:
    return Settings(elder_mode_default=elder, display=Display(fullscreen=False))


def disclosure(n: int, category: str = "党务公开", period: str = "2026-11", days_ago: int = 1,
               **kwargs) -> Disclosure:
    kwargs.setdefault("publisher", "测试社区居民委员会")
    kwargs.setdefault("title", f"第{n}条公开")
    return Disclosure(id=f"d-{n}", category=category, period=period,
                      updated_at=NOW - dt.timedelta(days=days_ago), **kwargs)


def wait(h, seconds: float = 0.3) -> None:
    """Step frames for `seconds` of real time: a ScrollView hands a tap to its children only
    after it has decided the touch is not a scroll (it re-sends the release 0.2 s later)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        h.frames(1)
        time.sleep(0.005)


def tap(h, widget) -> None:
    h.press(widget)


def touch_path(h, points_a, points_b=None) -> None:
    """One finger (or two) pressed at the first point(s), moved along, then lifted."""
    from kivy.tests.common import UnitTestTouch

    fingers = [UnitTestTouch(*points_a[0])] + ([UnitTestTouch(*points_b[0])] if points_b else [])
    for finger in fingers:
        finger.touch_down()
        h.frames(1)
    paths = [points_a] + ([points_b] if points_b else [])
    for step in range(1, len(points_a)):
        for finger, path in zip(fingers, paths):
            finger.touch_move(*path[step])
        h.frames(1)
    for finger in fingers:
        finger.touch_up()
    h.frames(2)


def line(start, end, steps: int = 8):
    return [(start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
            for i in range(steps + 1)]


def open_list(h):
    assert h.app.open_screen("disclosures")
    h.frames(3)
    return h.app.manager.get_screen("disclosures")


def row_titles(screen) -> list[str]:
    return [r.title for r in screen.rows()]


def detail_of(h):
    return h.app.manager.get_screen("disclosure_detail")


def finance_detail(h, demo_view):
    h.app.open_screen("disclosure_detail", item_id="disclosure-finance-last-month")
    h.frames(4)
    return detail_of(h)


def inside_window(widget, size) -> bool:
    x, y = widget.to_window(widget.x, widget.y)
    return x >= -1 and y >= -1 and x + widget.width <= size[0] + 1 and y + widget.height <= size[1] + 1


def page_png(number: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (620, 877), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 580, 837), outline="black", width=4)
    draw.text((60, 60), f"page {number}", fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def paged_view(tmp_path, pages: int = 2):
    """A real content version with one disclosure (d-1) of `pages` page images (blobs)."""
    from content.bundle import BundleWriter
    from content.store import build_version, open_current

    writer = BundleWriter(centre="demo-centre")
    writer.add_item(CENTRE)
    blobs = [writer.add_blob(page_png(n), "image/png") for n in range(1, pages + 1)]
    writer.add_item(disclosure(1, title="公共租赁住房保障资格审核结果公示", category="政务公开",
                               blocks=[Paragraph(text="名单见原件。")], pages=blobs,
                               valid_from=TODAY, valid_to=TODAY + dt.timedelta(days=6)))
    root = tmp_path / f"paged-{pages}"
    writer.write_dir(root / "bundle")
    build_version(root / "bundle", root / "data")
    return open_current(root / "data")
