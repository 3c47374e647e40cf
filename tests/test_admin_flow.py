"""Issue #14's whole staff journey in Debian's Chromium against a REAL `kiosk-hub serve` (demo
content imported) and a REAL terminal: the `kiosk demo` app running offscreen, enrolled with the real
`kiosk enroll` and reporting with `kiosk sync heartbeat`.

Sign in; create a guide with materials and steps, scheduled; preview it as the terminal shows it;
publish it through the publish check; edit the 财务公开 table; upload a PDF disclosure and see its
pages; create an enrolment code, enrol the terminal, watch it appear in the fleet list; request its
screenshot and see it; revoke it; read all of it in the audit log. Screenshots of each step go to
tests/_screenshots/admin-flow-*.png."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.admin_support import sign_in_chromium
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS, hub_url  # noqa: F401  (fixture)
from tests.upload_support import pdf_pages

ROOT = Path(__file__).resolve().parents[1]
FINANCE = "disclosure-finance-last-month"  # the demo centre's 财务公开


def _kiosk_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    (tmp_path / "kiosk.toml").write_text("", encoding="utf-8")
    env.update(SDL_VIDEODRIVER="offscreen", KIVY_HOME=str(tmp_path / "kivy"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               KIOSK_CONFIG=str(tmp_path / "kiosk.toml"),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    return env


def _kiosk(env: dict, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _until(check, seconds: float, what: str):
    """Poll `check` (the pages' CSP refuses Playwright's wait_for_function)."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.25)


def _image_shown(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_the_whole_staff_journey(hub_url, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    env = _kiosk_env(tmp_path)
    data = tmp_path / "terminal"
    app_log = open(tmp_path / "app.log", "wb")  # noqa: SIM115  (closed below)
    app = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--size", "800x480", "--data-dir", str(data)],
                           cwd=ROOT, env=env, stdout=app_log, stderr=subprocess.STDOUT)
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
                page.set_default_timeout(60_000)

                sign_in_chromium(page, hub_url)

                # a new guide with materials and steps, scheduled, from the list's 新建 menu
                page.goto(hub_url + "/admin/new-guide?target=demo-centre")
                page.fill("input[name=id]", "guide-flow-test")
                page.fill("input[name=title]", "老年人优待证办理")
                page.fill("textarea[name=summary]", "年满60周岁的本市户籍居民可申领。")
                page.fill("input[name='materials.0.name']", "居民身份证")
                page.fill("input[name='materials.1.name']", "近期一寸照片")
                page.fill("textarea[name='steps.0']", "窗口提交材料")
                page.fill("textarea[name='steps.1']", "当场审核发证")
                page.fill("input[name=expire_at]", "2027-12-31T18:00")
                page.screenshot(path=str(SHOTS / "admin-flow-guide.png"), full_page=True)
                page.click("button[name=action][value=publish]:visible")
                page.wait_for_url("**/admin/items/guide-flow-test/publish-check")
                check = page.inner_text("main")
                assert "老年人优待证办理" in check and "居民身份证" in check and "2027-12-31 18:00" in check
                page.screenshot(path=str(SHOTS / "admin-flow-publish-check.png"), full_page=True)

                # preview: the terminal's own renderer, before publishing
                page.goto(hub_url + "/admin/items/guide-flow-test")
                first = "section.preview img"
                page.locator(first).first.scroll_into_view_if_needed()
                _until(lambda: _image_shown(page, first), 90, "the portrait preview")
                page.locator(first).last.scroll_into_view_if_needed()
                _until(lambda: page.eval_on_selector_all(first, "imgs => imgs.every(i => i.complete && i.naturalWidth)"),
                       90, "the landscape preview")
                page.screenshot(path=str(SHOTS / "admin-flow-preview.png"), full_page=True)

                page.goto(hub_url + "/admin/items/guide-flow-test/publish-check")
                page.click("text=确认发布")
                page.wait_for_url("**/admin/items/guide-flow-test")
                assert "已发布" in page.inner_text("main")

                # the 财务公开 table: one more row, the totals checked in the page
                page.goto(hub_url + f"/admin/items/{FINANCE}/edit-disclosure")
                grid = "table.grid[data-grid='1']"
                rows = page.locator(f"{grid} tbody tr").count()
                page.click("button[name=op][value='addrow:1']")
                new = rows - 1  # inserted above the 合计 row
                page.fill(f"{grid} input[name='blocks.1.c.{new}.0']", "应急物资采购")
                page.fill(f"{grid} input[name='blocks.1.c.{new}.2']", "1,234.50")
                expect(page.locator(".cell-error")).to_have_count(1)
                assert "应为" in page.locator(".cell-error").inner_text()
                page.screenshot(path=str(SHOTS / "admin-flow-finance.png"))

                # a PDF disclosure: its pages shown, saved as the draft
                page.goto(hub_url + "/admin/new-disclosure?target=demo-centre&category=党务公开")
                page.fill("input[name=id]", "disclosure-flow-pdf")
                page.fill("input[name=title]", "2026年11月党费收缴情况")
                page.fill("input[name=period]", "2026-11")
                page.fill("input[name=publisher]", "幸福里社区党支部")
                pdf = tmp_path / "party.pdf"
                pdf.write_bytes(pdf_pages(2))
                page.set_input_files("input[data-upload=pdf]", str(pdf))
                expect(page.locator("[data-upload-pages-preview=pages] img")).to_have_count(2)
                page.screenshot(path=str(SHOTS / "admin-flow-pdf.png"), full_page=True)
                page.click("button[name=action][value=save]:visible")
                page.wait_for_url("**/admin/items/disclosure-flow-pdf")
                assert "草稿" in page.inner_text("main")

                # an enrolment code; the real `kiosk enroll` on the terminal's data dir
                page.goto(hub_url + "/admin/enrol")
                page.select_option("select[name=centre]", "demo-centre")
                page.click("text=生成注册码")
                code = page.inner_text("p.code").strip()
                assert re.fullmatch(r"[0-9A-Za-z-]{6,}", code), code
                page.screenshot(path=str(SHOTS / "admin-flow-enrol.png"))
                out = _kiosk(env, "enroll", "--hub", hub_url, "--code", code, "--name", "一楼大厅终端",
                             "--data-dir", str(data))
                assert out.returncode == 0, out.stderr
                out = _kiosk(env, "sync", "heartbeat", "--data-dir", str(data))
                assert out.returncode == 0, out.stderr

                page.goto(hub_url + "/admin/terminals")
                row = page.locator("table tr", has_text="一楼大厅终端")
                expect(row).to_have_count(1)
                page.screenshot(path=str(SHOTS / "admin-flow-fleet.png"))
                row.locator("a").first.click()
                page.wait_for_url("**/admin/terminals/*")
                terminal_url = page.url

                # a screenshot: asked in the page, taken by the running app, sent by the next heartbeat
                _until(lambda: (data / "app-state.json").exists() or app.poll() is not None, 120, "the app's start")
                assert app.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
                with page.expect_navigation():
                    page.click("button:has-text('请求截图')")
                out = _kiosk(env, "sync", "heartbeat", "--screenshot-wait", "30", "--data-dir", str(data))
                assert out.returncode == 0 and "screenshot: uploaded" in out.stdout, \
                    (out.stdout, out.stderr, app.poll(), (tmp_path / "app.log").read_text()[-3000:])
                page.goto(terminal_url)
                _until(lambda: _image_shown(page, "img.shot"), 10, "the terminal's screenshot")
                facts = page.inner_text("dl.facts")  # the app asked its (simulated) printer at start
                assert "打印机故障" not in facts and "需处理" not in page.inner_text("h1"), facts
                page.screenshot(path=str(SHOTS / "admin-flow-terminal.png"), full_page=True)

                # revoke: asked first, then the terminal is refused
                page.click("button:has-text('停用终端')")
                page.wait_for_url("**confirm=revoke")
                with page.expect_navigation():
                    page.click("button:has-text('确定停用')")
                assert "已停用" in page.inner_text("main")
                out = _kiosk(env, "sync", "heartbeat", "--data-dir", str(data))
                assert out.returncode != 0 and "enroll" in out.stderr, out.stderr

                # the audit log tells the story
                page.goto(hub_url + "/admin/audit")
                log = page.inner_text("main")
                for action in ("item.create", "item.publish", "file.upload", "enrolment_code.create",
                               "terminal.enroll", "terminal.revoke"):
                    assert action in log, action
                page.screenshot(path=str(SHOTS / "admin-flow-audit.png"))
            finally:
                browser.close()
    finally:
        app.terminate()
        try:
            app.wait(20)
        except subprocess.TimeoutExpired:
            app.kill()
        app_log.close()
    assert not problems, problems
