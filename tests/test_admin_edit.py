"""Editing a notice's draft and publishing it from the staff pages (hub.admin.pages_edit), with
CSRF and the roles of hub.perms, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from hub import db, items
from hub.perms import staff_named
from tests.admin_support import csrf_of, signed_in
from tests.hub_api_support import api, database_url, notice  # noqa: F401  (fixtures)


def _add(api, doc):
    admin = staff_named(api.engine, "admin")
    with api.engine.begin() as conn:
        items.create(conn, admin, doc)


def _read(api, item_id):
    admin = staff_named(api.engine, "admin")
    with api.engine.connect() as conn:
        return items.read(conn, admin, item_id)


def test_an_editor_saves_a_draft_and_publishes_it(api):  # noqa: F811
    _add(api, notice("n-a", "c-a", title="旧标题"))
    client = signed_in(api, "ed-a")
    form = client.get("/admin/items/n-a/edit")
    assert form.status_code == 200 and "本周六上午停电检修。" in form.text and "保存草稿" in form.text
    body = "第一段 <b>不加粗</b>\r\n\r\n第二段"
    saved = client.post("/admin/items/n-a/edit", data={"csrf": csrf_of(client), "title": "新标题", "level": "urgent",
                                                       "body": body}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/items/n-a"
    draft = _read(api, "n-a")["draft"]
    assert draft["title"] == "新标题" and draft["level"] == "urgent"
    assert [b["text"] for b in draft["blocks"]] == ["第一段 <b>不加粗</b>", "第二段"]
    page = client.get("/admin/items/n-a")
    assert "&lt;b&gt;不加粗&lt;/b&gt;" in page.text and "发布草稿" in page.text
    assert client.post("/admin/items/n-a/publish", data={}).status_code == 403  # no CSRF token
    assert _read(api, "n-a")["state"] == "draft"
    published = client.post("/admin/items/n-a/publish", data={"csrf": csrf_of(client)})
    assert published.status_code == 200 and "已发布" in published.text
    item = _read(api, "n-a")
    assert item["state"] == "published" and item["published"]["title"] == "新标题" and item["published_by"] == "ed-a"
    with api.engine.connect() as conn:
        actions = conn.execute(select(db.audit_log.c.action).where(db.audit_log.c.actor == "ed-a")).scalars().all()
    assert "item.draft" in actions


def test_a_wrong_form_is_shown_again_with_the_field(api):  # noqa: F811
    _add(api, notice("n-a", "c-a"))
    client = signed_in(api, "ed-a")
    answer = client.post("/admin/items/n-a/edit", data={"csrf": csrf_of(client), "title": "", "level": "normal",
                                                        "body": "正文"})
    assert answer.status_code == 422 and "表单中有内容不正确" in answer.text and "标题" in answer.text
    assert _read(api, "n-a")["draft"]["title"] == "通知 n-a"
    assert client.post("/admin/items/n-a/edit", data={"csrf": "x", "title": "t", "body": ""}).status_code == 403


def test_viewers_and_other_centres_cannot_edit(api):  # noqa: F811
    _add(api, notice("n-a", "c-a"))
    viewer = signed_in(api, "view-a")
    assert "编辑" not in viewer.get("/admin/items/n-a").text.split("<main")[1].split("<table")[0]
    assert viewer.get("/admin/items/n-a/edit").status_code == 403
    refused = viewer.post("/admin/items/n-a/publish", data={"csrf": csrf_of(viewer)})
    assert refused.status_code == 403
    other = signed_in(api, "ed-b")
    assert other.get("/admin/items/n-a/edit").status_code == 404
    assert other.post("/admin/items/n-a/edit", data={"csrf": csrf_of(other), "title": "x", "level": "normal",
                                                     "body": "x"}).status_code == 404
    assert _read(api, "n-a")["draft"]["title"] == "通知 n-a"


def test_the_body_text_round_trips_headings_and_lists():
    from hub.admin.pages_edit import as_text, blocks_of

    blocks = [{"type": "paragraph", "text": "第一段\n第二行"}, {"type": "heading", "text": "常见骗局", "level": 2},
              {"type": "list", "items": ["冒充客服", "冒充公检法"], "ordered": False},
              {"type": "list", "items": ["拨打110", "联系网格员"], "ordered": True}]
    text = as_text(blocks)
    assert text == "第一段\n第二行\n\n## 常见骗局\n\n- 冒充客服\n- 冒充公检法\n\n1. 拨打110\n2. 联系网格员"
    assert blocks_of(text.replace("\n", "\r\n") + "\n\n\n") == blocks
