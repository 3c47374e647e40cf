"""The terminals pages (hub.admin.pages_terminals) against the real app on SQLite and PostgreSQL:
the fleet list with its highlights and filters, who sees which terminal, asking for a screenshot,
revoking with a confirmation step, enrolment codes, CSRF and escaping, and the catalog of
hub_admin_fleet."""
from __future__ import annotations

import ast
import datetime as dt
import gettext
import io
import re
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from PIL import Image

from hub import db, org
from hub.admin import web
from tests.admin_support import csrf_of, sign_in_chromium, signed_in
from tests.hub_api_support import api, build_tree, database_url, init_hub  # noqa: F401  (fixtures)
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS
from tests.test_hub_wire_support import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script>"


def enroll(api, centre="c-a", name="大厅 1"):
    code = org.create_code(api.engine, "admin", centre, dt.timedelta(hours=1))[0]
    r = api.client.post("/api/v1/enroll", json={"code": code, "name": name, "hardware": {"model": "Pi 5"}})
    assert r.status_code == 200, r.text
    return r.json()["terminal_id"], r.json()["token"]


def beat(token, api, **changes):
    body = {"version_shown": "v1", "app_version": "0.4.0", "uptime_s": 3600, "disk_free_bytes": 20 << 30,
            "disk_total_bytes": 32 << 30, "printer": {"state": "ok"}, "reader": {"state": "ready"},
            "last_error": None, "sent_at": dt.datetime.now(dt.timezone.utc).isoformat()}
    body.update(changes)
    r = api.client.post("/api/v1/heartbeat", json=body, headers={"Authorization": f"Bearer {token}"})
    return r


def row_of(html: str, terminal_id: str) -> str:
    match = re.search(r'<tr class="([^"]*)" data-href="/admin/terminals/' + terminal_id + r'">(.*?)</tr>', html, re.S)
    assert match, f"no row for {terminal_id}"
    return match.group(1).split(), match.group(2)


def test_the_list_shows_status_in_chinese_and_highlights(api):  # noqa: F811
    ok_id, ok_token = enroll(api, name="正常机")
    paper_id, paper_token = enroll(api, name="缺纸机")
    never_id, _ = enroll(api, name="新机")
    other_id, other_token = enroll(api, "c-b", name="乙机")
    assert beat(ok_token, api).status_code == 200
    assert beat(paper_token, api, printer={"state": "paper_out"}, disk_free_bytes=1 << 20).status_code == 200
    beat(other_token, api)
    page = signed_in(api, "ed-a").get("/admin/terminals")
    assert page.status_code == 200
    html = page.text
    assert "终端" in html and "所属中心" in html and "最后在线" in html
    (ok_class, ok), (paper_class, paper) = row_of(html, ok_id), row_of(html, paper_id)
    never_class, never = row_of(html, never_id)
    assert "attention" not in ok_class and "正常" in ok and "attention" not in never_class
    assert "attention" in paper_class and "打印机缺纸" in paper and "磁盘空间不足" in paper and "需处理" in paper
    assert "从未上线" in never
    assert other_id not in html and "乙机" not in html  # c-b's terminal is not c-a's editor's
    # filters
    assert paper_id not in signed_in(api, "ed-a").get("/admin/terminals?status=ok").text
    admin = signed_in(api, "admin")
    only_b = admin.get("/admin/terminals?centre=c-b").text
    assert other_id in only_b and ok_id not in only_b
    assert ok_id in admin.get("/admin/terminals").text


def test_the_list_is_paged_needing_attention_first_with_counts_above(api, monkeypatch):  # noqa: F811
    from sqlalchemy import update

    made = {}
    for name in ("大厅1", "大厅2", "大厅3", "大厅4", "大厅5", "大厅6", "大厅7"):
        made[name] = enroll(api, name=name)
    for name in ("大厅1", "大厅2", "大厅3", "大厅4"):
        assert beat(made[name][1], api).status_code == 200
    for name in ("大厅5", "大厅6"):
        assert beat(made[name][1], api, printer={"state": "paper_out"}).status_code == 200
    with api.engine.begin() as conn:  # 大厅4 last answered an hour ago
        conn.execute(update(db.terminals).where(db.terminals.c.id == made["大厅4"][0])
                     .values(last_seen_at=db.utcnow() - dt.timedelta(hours=1)))
    monkeypatch.setattr("hub.admin.pages_terminals.PAGE_SIZE", 3)
    client = signed_in(api, "ed-a")
    first = client.get("/admin/terminals?centre=c-a").text

    def names(html):
        return re.findall(r'data-href="/admin/terminals/[^"]+">\s*<td><a href="[^"]+">([^<]+)</a>', html)

    assert names(first) == ["大厅5", "大厅6", "大厅4"]  # 需处理, then 离线
    tally = re.search(r'<ul class="tally".*?</ul>', first, re.S).group(0)
    counts = dict(re.findall(r'>(?:⚠ )?([^<>]+?) <strong>(\d+)</strong>', tally))
    assert counts == {"全部": "7", "需处理": "2", "离线": "1", "从未上线": "1", "正常": "3", "已停用": "0"}
    assert 'href="/admin/terminals?centre=c-a&amp;status=stale"' in tally
    assert "共 7 台终端" in first and "第 1 页，共 3 页" in first
    assert 'href="/admin/terminals?centre=c-a&amp;page=2"' in first
    assert names(client.get("/admin/terminals?centre=c-a&page=2").text) == ["大厅7", "大厅1", "大厅2"]  # never seen, ok
    assert names(client.get("/admin/terminals?page=3").text) == ["大厅3"]
    assert names(client.get("/admin/terminals?page=x").text) == ["大厅5", "大厅6", "大厅4"]
    stale = client.get("/admin/terminals?status=stale").text
    assert names(stale) == ["大厅5", "大厅6"] and "第 1 页" not in stale and "共 2 台终端" in stale
    assert '全部 <strong>7</strong>' in stale  # the counts are of every status whatever the filter


def test_another_centres_terminal_is_404_and_viewers_cannot_post(api):  # noqa: F811
    tid, token = enroll(api, "c-b")
    beat(token, api)
    editor_a = signed_in(api, "ed-a")
    assert editor_a.get(f"/admin/terminals/{tid}").status_code == 404
    assert editor_a.get(f"/admin/terminals/{tid}/screenshot.png").status_code == 404
    r = editor_a.post(f"/admin/terminals/{tid}/revoke", data={"csrf": csrf_of(editor_a), "confirm": "yes"})
    assert r.status_code == 404
    mine, _ = enroll(api, "c-a")
    viewer = signed_in(api, "view-a")
    page = viewer.get(f"/admin/terminals/{mine}")
    assert page.status_code == 200 and "请求截图" not in page.text and "停用终端" not in page.text
    csrf = csrf_of(viewer)
    assert viewer.post(f"/admin/terminals/{mine}/screenshot", data={"csrf": csrf}).status_code == 403
    assert viewer.post(f"/admin/terminals/{mine}/revoke", data={"csrf": csrf, "confirm": "yes"}).status_code == 403
    assert viewer.get("/admin/enrol").status_code == 403


def test_request_screenshot_and_revoke_with_confirmation(api):  # noqa: F811
    tid, token = enroll(api, name=HOSTILE)
    beat(token, api, last_error=HOSTILE)
    editor = signed_in(api, "ed-a")
    page = editor.get(f"/admin/terminals/{tid}")
    assert page.status_code == 200 and "请求截图" in page.text and "心跳记录" in page.text
    assert HOSTILE not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert HOSTILE not in editor.get("/admin/terminals").text
    assert editor.post(f"/admin/terminals/{tid}/screenshot", data={}).status_code == 403  # no CSRF token
    assert beat(token, api).json()["screenshot"] is False
    csrf = csrf_of(editor)
    r = editor.post(f"/admin/terminals/{tid}/screenshot", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert beat(token, api).json()["screenshot"] is True
    shot = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(shot, "PNG")
    sent = api.client.post("/api/v1/screenshot", content=shot.getvalue(),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"})
    assert sent.status_code == 200, sent.text
    assert f'src="/admin/terminals/{tid}/screenshot.png"' in editor.get(f"/admin/terminals/{tid}").text
    png = editor.get(f"/admin/terminals/{tid}/screenshot.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert signed_in(api, "ed-b").get(f"/admin/terminals/{tid}/screenshot.png").status_code == 404
    # revoking asks first, then refuses the token
    first = editor.post(f"/admin/terminals/{tid}/revoke", data={"csrf": csrf}, follow_redirects=True)
    assert first.status_code == 200 and "确定停用" in first.text
    assert beat(token, api).status_code == 200
    assert editor.post(f"/admin/terminals/{tid}/revoke", data={"confirm": "yes"}).status_code == 403
    done = editor.post(f"/admin/terminals/{tid}/revoke", data={"csrf": csrf, "confirm": "yes"})
    assert done.status_code == 200 and "已停用" in done.text
    assert beat(token, api).status_code == 401


def test_an_editor_creates_an_enrolment_code_shown_once(api):  # noqa: F811
    editor = signed_in(api, "ed-a")
    form = editor.get("/admin/enrol")
    assert form.status_code == 200 and "A社区" in form.text and "B社区" not in form.text and "7 天" in form.text
    csrf = csrf_of(editor)
    assert editor.post("/admin/enrol", data={"csrf": csrf, "centre": "c-b", "lifetime": "1h"}).status_code == 422
    assert editor.post("/admin/enrol", data={"centre": "c-a", "lifetime": "1h"}).status_code == 403
    r = editor.post("/admin/enrol", data={"csrf": csrf, "centre": "c-a", "lifetime": "7d"})
    assert r.status_code == 200 and "只显示这一次" in r.text and "kiosk enroll --hub" in r.text
    code = re.search(r"<strong>([A-Z0-9-]+)</strong>", r.text).group(1)
    answer = api.client.post("/api/v1/enroll", json={"code": code, "name": "新终端"})
    assert answer.status_code == 200
    audit = api.call("admin", "GET", "/api/staff/audit").json()
    assert any(e["action"] == "enrolment_code.create" and e["actor"] == "ed-a" for e in audit["entries"])


# ---- the catalog ------------------------------------------------------------------------------

_CALL_RE = re.compile(r"""(?:\bF_|\bgettext)\(\s*((["'])(?:\\.|(?!\2).)*\2)\s*[,)]""")
_FIELD_RE = re.compile(r"%\((\w+)\)s")
PO = ROOT / "hub/locale/zh_CN/LC_MESSAGES/hub_admin_fleet.po"
FILES = [ROOT / "hub/admin/pages_terminals.py", *sorted((ROOT / "hub/admin/templates").glob("terminal*.html")),
         *sorted((ROOT / "hub/admin/templates").glob("enrol*.html"))]


def used_msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in FILES:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _CALL_RE.finditer(line):
                found.setdefault(ast.literal_eval(match.group(1)), f"{path.relative_to(ROOT)}:{lineno}")
    return found


def po_messages() -> dict[str, str]:
    with open(PO, "rb") as fh:
        return {m.id: ("" if m.fuzzy else m.string) for m in read_po(fh, locale="zh_CN") if m.id}


def test_every_fleet_word_has_chinese_and_the_mo_matches():
    catalog, used = po_messages(), used_msgids()
    assert "Printer out of paper" in used and "Request screenshot" in used
    missing = {m: where for m, where in used.items() if not catalog.get(m)}
    assert not missing, f"untranslated (add to {PO}): {missing}"
    assert not set(catalog) - set(used), f"no longer used: {sorted(set(catalog) - set(used))}"
    for msgid, msgstr in catalog.items():
        assert set(_FIELD_RE.findall(msgid)) == set(_FIELD_RE.findall(msgstr)), msgid
    with open(PO.with_suffix(".mo"), "rb") as fh:
        compiled = {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if k}  # noqa: SLF001
    assert compiled == catalog, "recompile: .venv/bin/pybabel compile -D hub_admin_fleet -d hub/locale -l zh_CN"
    assert "hub_admin_fleet" in web.DOMAINS and web.translations().gettext("Revoke terminal") == "停用终端"


# ---- in Chromium ------------------------------------------------------------------------------

@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_the_fleet_list_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    settings = init_hub(tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path / "pw")
    engine = db.make_engine(settings.database)
    build_tree(engine)
    proc, port = start_server(settings, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url) as client:
            for centre, name, changes in [("c-a", "一楼大厅", {}), ("c-a", "二楼 <b>自助</b>", {"printer": {"state": "paper_out"}}),
                                          ("c-b", "B社区服务站", {"disk_free_bytes": 1 << 20}), ("c-c", "从未上线的终端", None)]:
                code = org.create_code(engine, "admin", centre, dt.timedelta(hours=1))[0]
                token = client.post("/api/v1/enroll", json={"code": code, "name": name}).json()["token"]
                if changes is not None:
                    body = {"version_shown": "v1", "app_version": "0.4.0", "uptime_s": 60,
                            "disk_free_bytes": 20 << 30, "disk_total_bytes": 32 << 30, "printer": {"state": "ok"},
                            "reader": {"state": "ready"}, "last_error": None,
                            "sent_at": dt.datetime.now(dt.timezone.utc).isoformat(), **changes}
                    assert client.post("/api/v1/heartbeat", json=body,
                                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
        SHOTS.mkdir(exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
                sign_in_chromium(page, url, "/admin/terminals")
                text = page.inner_text("table")
                assert "打印机缺纸" in text and "磁盘空间不足" in text and "从未上线" in text and "<b>自助</b>" in text
                assert page.locator("tr.attention").count() == 2
                page.screenshot(path=str(SHOTS / "admin-terminals.png"))
                page.click("text=二楼 <b>自助</b>")
                page.wait_for_url("**/admin/terminals/t-*")
                assert "打印机缺纸" in page.inner_text("main") and "心跳记录" in page.inner_text("main")
                with page.expect_navigation():
                    page.click("button:has-text('请求截图')")
                assert "已于" in page.inner_text("main")
                page.click("text=停用终端")
                page.wait_for_url("**?confirm=revoke")
                page.screenshot(path=str(SHOTS / "admin-terminal.png"), full_page=True)
                with page.expect_navigation():
                    page.click("button:has-text('确定停用')")
                assert "已停用" in page.inner_text("main") and page.locator("main button").count() == 0
            finally:
                browser.close()
    finally:
        stop_server(proc)
        engine.dispose()


def test_no_fleet_word_is_shadowed_by_an_earlier_domain():
    """DOMAINS chain: an earlier domain knowing a msgid wins, so ours must not differ from it."""
    earlier = web.translations()
    shadowed = {m: earlier.gettext(m) for m, s in po_messages().items() if earlier.gettext(m) != s}
    assert not shadowed, f"another domain translates these differently; use other msgids: {shadowed}"
