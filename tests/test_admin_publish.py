"""The generic publish check, deleting and restoring in the staff pages (hub.admin.pages_publish),
and the item page's actions per kind; audited by hub.items; on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from hub import db, items
from hub.perms import staff_named
from tests.admin_support import csrf_of, signed_in
from tests.hub_api_support import api, database_url, guide, notice  # noqa: F401  (fixtures)
from tests.test_admin_items import _add
from tests.test_admin_notice import notice_form, read
from tests.test_admin_slide import manifest_ids
from tests.test_hub_items import centre_item


def actions_of(api, actor):
    with api.engine.connect() as conn:
        a = db.audit_log.c
        return conn.execute(select(a.action, a.target).where(a.actor == actor).order_by(a.id)).all()


def test_the_check_lists_only_what_the_notice_draft_changes(api):  # noqa: F811
    _add(api, centre_item("c-a"), publish=True)
    _add(api, notice("n-a", "c-a", title="旧标题"), publish=True)
    client = signed_in(api, "ed-a")
    assert "此内容没有草稿" in client.get("/admin/items/n-a/publish-check").text
    saved = client.post("/admin/items/n-a/edit", data=notice_form(client, title="新标题", body="本周六上午停电检修。",
                                                                  expire_at="2026-12-31T23:00", action="publish"),
                        follow_redirects=False)
    assert saved.headers["location"] == "/admin/items/n-a/publish-check"
    item_page = client.get("/admin/items/n-a").text
    assert 'href="/admin/items/n-a/publish-check">发布草稿' in item_page  # the item page goes through the check
    check = client.get("/admin/items/n-a/publish-check")
    assert check.status_code == 200
    table = check.text.split("<table")[1].split("</table>")[0]
    assert "旧标题" in table and "新标题" in table and "标题" in table and "失效时间" in table
    assert "正文" not in table and "更新时间" not in table  # unchanged fields are not listed
    assert 'action="/admin/items/n-a/publish"' in check.text and 'href="/admin/items/n-a/edit">编辑' in check.text
    done = client.post("/admin/items/n-a/publish", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303 and read(api, "n-a")["published"]["title"] == "新标题"
    assert ("item.publish", "item:n-a") in actions_of(api, "ed-a")


def test_the_guide_check_address_redirects_and_edit_links_go_by_kind(api):  # noqa: F811
    _add(api, guide("g-a", "c-a"))
    client = signed_in(api, "admin")
    moved = client.get("/admin/items/g-a/publish-guide", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/admin/items/g-a/publish-check"
    assert "办理流程" in client.get("/admin/items/g-a/publish-guide").text  # a guide's labels
    docs = {"g-a": "edit-guide", "c-a": "edit-centre"}
    _add(api, centre_item("c-a"))
    _add(api, notice("n-a", "c-a"))
    docs["n-a"] = "edit"
    admin = staff_named(api.engine, "admin")
    with api.engine.begin() as conn:
        items.create(conn, admin, {"id": "d-a", "kind": "disclosure", "title": "十一月财务公开", "target": "c-a",
                                   "category": "财务公开", "period": "2026-11", "publisher": "居委会"})
        items.create(conn, admin, {"id": "t-a", "kind": "ticket_service", "title": "社保", "target": "c-a",
                                   "code": "A", "name": "社保业务", "windows": ["1号窗口"]})
    docs.update({"d-a": "edit-disclosure", "t-a": "edit-ticket-service"})
    for item_id, path in docs.items():
        assert f'href="/admin/items/{item_id}/{path}"' in client.get(f"/admin/items/{item_id}").text, item_id


def test_delete_asks_first_then_withdraws_and_restore_goes_through_the_check(api):  # noqa: F811
    _add(api, centre_item("c-a"), publish=True)
    _add(api, notice("n-a", "c-a", title="停水"), publish=True)
    client = signed_in(api, "ed-a")
    assert 'href="/admin/items/n-a?confirm=delete"' in client.get("/admin/items/n-a").text
    first = client.post("/admin/items/n-a/delete", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/admin/items/n-a?confirm=delete"
    assert read(api, "n-a")["state"] == "published" and "n-a" in manifest_ids(api, "c-a")
    ask = client.get(first.headers["location"]).text
    assert "删除此内容吗？" in ask and 'action="/admin/items/n-a/delete"' in ask and 'name="confirm" value="yes"' in ask
    assert client.post("/admin/items/n-a/delete", data={"confirm": "yes"}).status_code == 403  # no CSRF token
    done = client.post("/admin/items/n-a/delete", data={"csrf": csrf_of(client), "confirm": "yes"})
    assert done.status_code == 200 and "已删除：终端不再显示此内容。" in done.text and "恢复…" in done.text
    assert read(api, "n-a")["state"] == "deleted" and "n-a" not in manifest_ids(api, "c-a")
    assert ("item.delete", "item:n-a") in actions_of(api, "ed-a")
    assert "删除此内容吗？" not in client.get("/admin/items/n-a?confirm=delete").text  # nothing left to confirm
    again = client.post("/admin/items/n-a/delete", data={"csrf": csrf_of(client), "confirm": "yes"})
    assert again.status_code == 409

    restored = client.post("/admin/items/n-a/restore", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert restored.headers["location"] == "/admin/items/n-a/publish-check"
    check = client.get("/admin/items/n-a/publish-check").text
    assert "此内容已删除：发布后将重新显示在终端上。" in check and "确认发布" in check
    client.post("/admin/items/n-a/publish", data={"csrf": csrf_of(client)})
    assert read(api, "n-a")["state"] == "published" and "n-a" in manifest_ids(api, "c-a")
    assert ("item.restore", "item:n-a") in actions_of(api, "ed-a")


def test_delete_refusals_by_role_centre_and_rule(api):  # noqa: F811
    _add(api, centre_item("c-a"), publish=True)
    _add(api, notice("n-a", "c-a"), publish=True)
    viewer = signed_in(api, "view-a")
    page = viewer.get("/admin/items/n-a?confirm=delete").text
    assert "删除…" not in page and "删除此内容吗？" not in page
    assert viewer.post("/admin/items/n-a/delete", data={"csrf": csrf_of(viewer), "confirm": "yes"}).status_code == 403
    assert viewer.get("/admin/items/n-a/publish-check").status_code == 403
    other = signed_in(api, "ed-b")
    assert other.post("/admin/items/n-a/delete", data={"csrf": csrf_of(other), "confirm": "yes"}).status_code == 404
    assert other.post("/admin/items/n-a/restore", data={"csrf": csrf_of(other)}).status_code == 404
    assert read(api, "n-a")["state"] == "published"
    editor = signed_in(api, "ed-a")
    centre = editor.post("/admin/items/c-a/delete", data={"csrf": csrf_of(editor), "confirm": "yes"})
    assert centre.status_code == 409 and "当前无法完成此操作" in centre.text  # a centre's own item is edited, not deleted
    assert read(api, "c-a")["state"] == "published"
