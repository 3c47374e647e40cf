"""The content list's search and 新建 menu, the paged fleet list and the 404 page in Debian's
Chromium against a REAL `kiosk-hub serve` with the demo content and 60 terminals, at 1366x768 and
on a 768 px tablet. Screenshots: tests/_screenshots/admin-list-*.png."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest

from hub import cli, db, org
from tests.admin_support import sign_in_chromium
from tests.hub_api_support import init_hub
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS, _finger_sized, _no_sideways_scroll
from tests.test_hub_wire_support import start_server, stop_server

TERMINALS = 60


def _fleet(url: str, engine) -> None:
    """TERMINALS terminals of the demo centre: every seventh out of paper, every tenth never seen."""
    centre = "demo-centre"
    with httpx.Client(base_url=url) as client:
        for n in range(TERMINALS):
            code = org.create_code(engine, "admin", centre, dt.timedelta(hours=1))[0]
            token = client.post("/api/v1/enroll", json={"code": code, "name": f"大厅终端{n:02d}"}).json()["token"]
            if n % 10 == 9:
                continue
            body = {"version_shown": "v1", "app_version": "0.4.0", "uptime_s": 60, "disk_free_bytes": 20 << 30,
                    "disk_total_bytes": 32 << 30, "printer": {"state": "paper_out" if n % 7 == 3 else "ok"},
                    "reader": {"state": "ready"}, "last_error": None,
                    "sent_at": dt.datetime.now(dt.timezone.utc).isoformat()}
            sent = client.post("/api/v1/heartbeat", json=body, headers={"Authorization": f"Bearer {token}"})
            assert sent.status_code == 200, sent.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_search_new_menu_paged_fleet_and_404_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    settings = init_hub(tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path / "pw")
    assert cli.main(["import-demo", "--data-dir", str(settings.data_dir), "--database", settings.database]) == 0
    engine = db.make_engine(settings.database)
    proc, port = start_server(settings, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    SHOTS.mkdir(exist_ok=True)
    try:
        with engine.connect() as conn:
            assert conn.execute(db.org_nodes.select().where(db.org_nodes.c.id == "demo-centre")).first()
        _fleet(url, engine)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                for width, height, tag in ((1366, 768, ""), (768, 1024, "-tablet")):
                    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
                    sign_in_chromium(page, url)
                    page.fill("input[name=q]", "jzz")
                    page.click("form.filters button")
                    page.wait_for_url("**q=jzz*")
                    table = page.inner_text("table")
                    assert table.splitlines()[1].startswith("居住证办理"), table  # the best match first
                    _finger_sized(page, ".button, select, input, .nav a")
                    _no_sideways_scroll(page)
                    page.screenshot(path=str(SHOTS / f"admin-list-search{tag}.png"))

                    page.click("details.menu summary")
                    menu = page.locator("details.menu ul")
                    assert menu.is_visible()
                    assert menu.inner_text().split() == ["办事指南", "通知公告", "公开", "宣传轮播", "中心信息", "取号业务"]
                    _finger_sized(page, "details.menu li a")
                    page.screenshot(path=str(SHOTS / f"admin-list-new-menu{tag}.png"))

                    page.goto(url + "/admin/terminals")
                    tally = " ".join(page.inner_text("ul.tally").split())
                    assert "全部 60" in tally and "需处理" in tally and "从未上线 6" in tally, tally
                    rows = page.locator("table.fleet tbody tr")
                    assert rows.count() == 50
                    assert "需处理" in rows.first.inner_text() and "第 1 页，共 2 页" in page.inner_text("main")
                    _finger_sized(page, ".tally a, .pager .button")
                    _no_sideways_scroll(page)
                    page.screenshot(path=str(SHOTS / f"admin-list-fleet{tag}.png"))
                    page.click("text=下一页")
                    page.wait_for_url("**page=2")
                    assert page.locator("table.fleet tbody tr").count() == 10

                    answer = page.goto(url + "/admin/no-such-page")
                    assert answer.status == 404 and "没有这个页面" in page.inner_text("main")
                    page.screenshot(path=str(SHOTS / f"admin-list-404{tag}.png"))
                    page.context.close()
            finally:
                browser.close()
    finally:
        stop_server(proc)
        engine.dispose()
