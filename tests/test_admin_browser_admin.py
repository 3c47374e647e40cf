"""The admin-only staff pages (用户, 审计) in Debian's Chromium against a real `kiosk-hub serve`:
an admin creates an editor, the editor signs in and sees neither page's link nor the page, and the
audit log shows who did what. Screenshots in tests/_screenshots/admin-users*.png, admin-audit*.png."""
from __future__ import annotations

import pytest

from tests.admin_support import sign_in_chromium
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS, _finger_sized, _no_sideways_scroll, hub_url  # noqa: F401

NEW_PASSWORD = "街道编辑的密码 2026"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_users_and_audit_pages_in_chromium(hub_url):  # noqa: F811
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
            sign_in_chromium(page, hub_url)
            assert "用户" in page.inner_text("header") and "审计" in page.inner_text("header")
            page.click("header >> text=用户")
            page.wait_for_url("**/admin/users")
            form = page.locator("#new-user")
            form.locator("input[name=name]").fill("jd-editor")
            form.locator("input[name=password]").fill(NEW_PASSWORD)
            form.locator("input[name=again]").fill(NEW_PASSWORD)
            form.locator("select[name=role]").select_option("editor")
            form.locator("select[name=node]").select_option("demo-centre")
            form.locator("button[type=submit]").click()
            page.wait_for_load_state()
            row = page.locator("#user-jd-editor")
            assert "demo-centre" in row.inner_text() and "编辑" in row.inner_text()
            _finger_sized(page, ".button, select, input")
            _no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / "admin-users.png"), full_page=True)
            page.click("header >> text=审计")
            page.wait_for_url("**/admin/audit*")
            text = page.inner_text("main")
            assert "jd-editor" in text and "admin" in text
            _no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / "admin-audit.png"))
            page.set_viewport_size({"width": 768, "height": 1024})
            page.reload()
            _no_sideways_scroll(page)
            _finger_sized(page, ".button, select, input, .nav a")
            page.screenshot(path=str(SHOTS / "admin-audit-tablet.png"))
            page.goto(hub_url + "/admin/users")
            _no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / "admin-users-tablet.png"))

            editor = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
            sign_in_chromium(editor, hub_url, user="jd-editor", password=NEW_PASSWORD)
            header = editor.inner_text("header")
            assert "审计" not in header and "用户" not in header.replace("jd-editor", "")
            for path in ("/admin/users", "/admin/audit"):
                answer = editor.goto(hub_url + path)
                assert answer.status == 403 and "仅限管理员" in editor.inner_text("main")
        finally:
            browser.close()
    assert [p for p in problems if not p.startswith("Failed to load resource")] == [], problems
