"""The 审计 page: admins only (an editor gets the 403 page), newest first with the action in
Chinese, before/after as escaped JSON, filters by actor and target, keyset pages."""
from __future__ import annotations

import re

from hub.admin import pages_audit
from tests.admin_support import signed_in
from tests.hub_api_support import api, notice  # noqa: F401  (a fixture)
from tests.hub_support import database_url  # noqa: F401  (a fixture)

ITEMS = "/api/staff/items"


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)"', html)]


def test_an_editor_gets_403(api):  # noqa: F811
    client = signed_in(api, "ed-s1")
    page = client.get("/admin/audit")
    assert page.status_code == 403 and "此页面仅限管理员使用" in page.text


def test_admin_sees_a_publish_with_before_and_after_escaped(api):  # noqa: F811
    doc = notice("n-audit", "c-a", title="<script>alert(1)</script>")
    assert api.call("ed-a", "POST", ITEMS, json=doc).status_code == 201
    assert api.call("ed-a", "POST", f"{ITEMS}/n-audit/publish").status_code == 200
    doc["title"] = "第二版"
    assert api.call("ed-a", "PUT", f"{ITEMS}/n-audit", json=doc).status_code == 200
    assert api.call("ed-a", "POST", f"{ITEMS}/n-audit/publish").status_code == 200
    client = signed_in(api, "admin")
    page = client.get("/admin/audit?target=item:n-audit")
    assert page.status_code == 200, page.text
    html = page.text
    assert "审计日志" in html and "对象" in html and "发布范围" not in html and "发布" in html and "item.publish" in html and "ed-a" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    ids = _ids(html)
    assert ids == sorted(ids, reverse=True) and len(ids) >= 2
    assert "session.start" not in html  # filtered by target
    publish = html[html.index("item.publish"):]
    publish = publish[:publish.index("</tr>")]
    assert publish.count('class="json"') == 2 and "&#34;revision&#34;: 1" in publish \
        and "&#34;revision&#34;: 2" in publish  # the second publish: revision 1 before, 2 after
    mine = client.get("/admin/audit?actor=ed-a").text
    assert "item:n-audit" in mine and "user:admin" not in mine
    unknown = client.get("/admin/audit?actor=nobody").text
    assert _ids(unknown) == [] and "没有找到内容" in unknown


def test_pages_go_back_by_id(api, monkeypatch):  # noqa: F811
    monkeypatch.setattr(pages_audit, "PAGE_SIZE", 3)
    for n in range(4):
        assert api.call("admin", "POST", ITEMS, json=notice(f"n-{n}", "c-a")).status_code == 201
    client = signed_in(api, "admin")
    first = client.get("/admin/audit").text
    ids = _ids(first)
    assert len(ids) == 3
    older = re.search(r'href="(/admin/audit\?before=\d+)" rel="next"', first).group(1)
    second = client.get(older).text
    ids2 = _ids(second)
    assert ids2 and max(ids2) < min(ids) and ids2 == sorted(ids2, reverse=True)
    assert "最新" in second


def test_long_values_are_folded():
    short = pages_audit.shown_json({"a": 1})
    long = pages_audit.shown_json({"text": "长" * 300})
    assert not short["long"] and long["long"] and pages_audit.shown_json(None) is None


def test_unknown_actions_as_stored_and_long_values_folded(api):  # noqa: F811
    from hub import audit

    with api.engine.begin() as conn:
        audit.record(conn, "cli", "widget.frobnicate", "widget:1", None, {"note": "<i>x</i>" + "长" * 300})
    html = signed_in(api, "admin").get("/admin/audit?target=widget:1").text
    row = html[html.index('<tr id="entry-'):]
    assert "widget.frobnicate" in row and '<div class="muted">widget.frobnicate' not in row
    assert "<details><summary>展开（" in row and "<i>x</i>" not in row and "&lt;i&gt;x&lt;/i&gt;" in row


def test_only_admins_see_the_audit_and_users_links(api):  # noqa: F811
    editor = signed_in(api, "ed-s1").get("/admin/items").text
    assert 'href="/admin/items"' in editor and 'href="/admin/terminals"' in editor
    assert 'href="/admin/audit"' not in editor and 'href="/admin/users"' not in editor
    admin = signed_in(api, "admin").get("/admin/items").text
    assert 'href="/admin/audit"' in admin and 'href="/admin/users"' in admin
