"""The slide and notice forms and the publish check in Debian's Chromium against a real
`kiosk-hub serve` with the demo content: an image uploaded by static/upload.js and its resized
result shown, a notice scheduled in China's time, both published through the check. Screenshots
(1366x768 and a 768 px tablet) in tests/_screenshots/admin-slide-*, admin-notice-*,
admin-publish-check-*.png."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.admin_support import sign_in_chromium
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS, _finger_sized, _no_sideways_scroll, hub_url  # noqa: F401

CENTRE = "demo-centre"


def _picture(path) -> str:
    """A 3000x1500 PNG with a pattern (the hub makes it 2048 wide)."""
    image = Image.new("RGB", (3000, 1500), (20, 110, 60))
    for x in range(0, 3000, 200):
        image.paste((240, 200, 40), (x, 0, x + 100, 1500))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _shots(page, name: str) -> None:
    """The page at 1366x768 and at 768 px wide, each checked for finger-sized controls."""
    for width, height, tag in ((1366, 768, "1366"), (768, 1024, "768")):
        page.set_viewport_size({"width": width, "height": height})
        _no_sideways_scroll(page)
        _finger_sized(page, ".button, select, input:not([type=checkbox]):not([type=hidden])")
        page.screenshot(path=str(SHOTS / f"{name}-{tag}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def _save_and_check(page, item_id: str) -> str:
    """"Save and publish…": the publish check's table as text."""
    page.click("button[name=action][value=publish]:visible")
    page.wait_for_url(f"**/admin/items/{item_id}/publish-check")
    return page.inner_text("table.fields")


def _confirm(page, item_id: str) -> str:
    """The check's confirm button: the item page's text after publishing."""
    page.click("text=确认发布")
    page.wait_for_url(f"**/admin/items/{item_id}")
    return page.inner_text("main")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_a_slide_and_a_scheduled_notice_through_the_check_in_chromium(hub_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    picture = _picture(tmp_path / "poster.png")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            sign_in_chromium(page, hub_url, f"/admin/new-slide?target={CENTRE}")
            assert page.input_value("select[name=target]") == CENTRE

            # the slide: the image goes up as soon as it is chosen, and the resized result is shown
            page.fill("input[name=id]", "slide-browser")
            page.fill("input[name=title]", "冬季防火宣传")
            page.set_input_files("input[data-upload=image]", picture)
            expect(page.locator("[data-upload-status=image]")).to_contain_text("2048")  # the page's CSP: no eval
            assert "已上传" in page.inner_text("[data-upload-status=image]")
            preview = page.locator("img[data-upload-preview=image]")
            expect(preview).to_be_visible()
            expect(preview).to_have_js_property("naturalWidth", 2048)
            sha = page.input_value("input[type=hidden][name=image]")
            assert len(sha) == 64
            page.uncheck("input[name=days][value='7']")
            page.fill("input[name=time_from]", "08:00")
            page.fill("input[name=time_to]", "18:00")
            _shots(page, "admin-slide")
            check = _save_and_check(page, "slide-browser")
            assert "显示秒数" in check and "周一 周二 周三 周四 周五 周六" in check and "周日" not in check
            expect(page.locator("img.check-image")).to_have_js_property("naturalWidth", 2048)
            _shots(page, "admin-publish-check-slide")
            assert "已发布" in _confirm(page, "slide-browser")

            # the notice: scheduled in China's time, published through the check
            page.goto(hub_url + f"/admin/new-notice?target={CENTRE}")
            page.fill("input[name=id]", "notice-browser")
            page.fill("input[name=title]", "元旦假期办公安排")
            page.fill("textarea[name=body]", "1月1日至3日休息。\n\n[图片 1]\n\n## 值班电话\n\n- 0571-12345678")
            page.set_input_files("input[data-upload='images.0.blob']", picture)
            expect(page.locator("[data-upload-status='images.0.blob']")).to_contain_text("2048")
            page.fill("input[name=publish_at]", "2026-12-30T08:00")
            page.fill("input[name=expire_at]", "2027-01-04T00:00")
            _shots(page, "admin-notice")
            check = _save_and_check(page, "notice-browser")
            assert "2026-12-30 08:00" in check and "2027-01-04 00:00" in check and "【值班电话】" in check
            assert "[图片 1]" in check
            expect(page.locator("img.check-image")).to_have_js_property("naturalWidth", 2048)
            _shots(page, "admin-publish-check")
            main = _confirm(page, "notice-browser")
            assert "已发布" in main and "紧急发布（横幅）…" in main
            page.click("text=紧急发布（横幅）…")
            page.wait_for_url("**confirm=urgent")
            assert "现在将此通知作为紧急通知发布吗？" in page.inner_text("main")
            _shots(page, "admin-notice-urgent")
            page.click("text=确认紧急发布")
            page.wait_for_url("**/admin/items/notice-browser")
            main = page.inner_text("main")
            assert "送达情况" in main and "已送达 0 / 0 台终端" in main and "紧急" in main

            # delete, with its confirmation, and the state shown afterwards
            page.click("text=删除…")
            page.wait_for_url("**confirm=delete")
            page.click("text=确认删除")
            page.wait_for_url("**/admin/items/notice-browser")
            assert "已删除：终端不再显示此内容。" in page.inner_text("main")
            _shots(page, "admin-notice-deleted")
        finally:
            browser.close()
    assert not problems, problems
