"""The staff pages in Debian's Chromium against a REAL `kiosk-hub serve` with the demo content
(`kiosk-hub import-demo`): sign in, the content list, one item, at 1366x768 and on a tablet.
Screenshots go to tests/_screenshots/admin-*.png for a person to look at."""
from __future__ import annotations

from pathlib import Path

import pytest

from hub import cli
from tests.hub_api_support import PASSWORD, init_hub
from tests.test_hub_wire_support import start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "_screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def hub_url(tmp_path):
    settings = init_hub(tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path / "pw")
    assert cli.main(["import-demo", "--data-dir", str(settings.data_dir), "--database", settings.database]) == 0
    proc, port = start_server(settings, tmp_path / "serve.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


def _finger_sized(page, selector: str) -> None:
    for handle in page.query_selector_all(selector):
        if handle.is_visible():
            box = handle.bounding_box()
            assert box["height"] >= 44, (selector, handle.inner_text(), box)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_sign_in_list_and_item_in_chromium(hub_url):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = context.new_page()
            page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(hub_url + "/admin/items")
            assert page.url.endswith("/admin/login?next=/admin/items")
            page.fill("input[name=user]", "admin")
            page.fill("input[name=password]", "wrong password!")
            page.click("button[type=submit]")
            assert "用户名或密码错误" in page.inner_text("main")
            page.screenshot(path=str(SHOTS / "admin-login.png"))
            _finger_sized(page, "button, input")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/admin/items")
            assert "办事指南" in page.inner_text("table") and "已发布" in page.inner_text("table")
            _finger_sized(page, ".button, select, input, .nav a")
            _no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / "admin-items.png"), full_page=False)
            page.select_option("select[name=kind]", "notice")
            page.click("form.filters button")
            assert "kind=notice" in page.url
            page.click("table.list tbody tr:first-child td:nth-child(2)")  # the row, not the link: admin.js
            page.wait_for_url("**/admin/items/*")
            assert "通知公告" in page.inner_text("main") and "已发布" in page.inner_text("main")
            page.screenshot(path=str(SHOTS / "admin-item.png"), full_page=True)
            page.goto(hub_url + "/admin/items/notice-anti-fraud/edit")
            assert "## " in page.input_value("textarea") and "- " in page.input_value("textarea")
            page.fill("input[name=title]", "守好“钱袋子”（已更新）")
            _finger_sized(page, ".button, select, input")
            page.screenshot(path=str(SHOTS / "admin-edit.png"))
            page.click("form.editor button[type=submit]:visible >> nth=0")  # 保存草稿
            page.wait_for_url("**/admin/items/notice-anti-fraud")
            assert "有修改" in page.inner_text("main") and "（已更新）" in page.inner_text("main")
            page.screenshot(path=str(SHOTS / "admin-item-changed.png"))
            page.click("text=发布草稿")  # the publish check first (pages_publish), then the confirm button
            page.wait_for_url("**/admin/items/notice-anti-fraud/publish-check")
            page.click("text=确认发布")
            page.wait_for_url("**/admin/items/notice-anti-fraud")
            assert "有修改" not in page.inner_text("main") and "已发布" in page.inner_text("main")
            page.set_viewport_size({"width": 768, "height": 1024})
            page.goto(hub_url + "/admin/items")
            _no_sideways_scroll(page)
            _finger_sized(page, ".button, select, input, .nav a")
            page.screenshot(path=str(SHOTS / "admin-items-tablet.png"))
            page.click("header .who button")  # sign out
            page.wait_for_url("**/admin/login")
            assert "登录" in page.inner_text("main")
        finally:
            browser.close()
    expected = [f"401 {hub_url}/admin/login"]  # the wrong password, once
    assert [p for p in problems if not p.startswith("Failed to load resource")] == expected, problems
