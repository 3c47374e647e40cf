"""The notice form complete (hub.admin.pages_edit): a new notice on a node, scheduled in China's
time, with images placed in the body through the upload field, tables kept but not edited; the
urgent publish with its confirmation and the count of terminals; roles and escaping; on SQLite
and PostgreSQL."""
from __future__ import annotations

import re

from hub import items
from hub.admin.pages_edit import as_text, blocks_of
from hub.perms import staff_named
from tests.admin_support import csrf_of, signed_in
from tests.hub_api_support import api, database_url, notice  # noqa: F401  (fixtures)
from tests.test_admin_files import _png
from tests.test_admin_items import HOSTILE, _add
from tests.test_hub_items import centre_item
from tests.test_hub_reach import _publish, _terminal, _version
from tests.test_hub_terminals import auth, beat

TABLE = {"type": "table", "caption": "收费表", "columns": ["项目", "金额"], "rows": [["水费", "3.5"]],
         "align": []}


def read(api, item_id):
    with api.engine.connect() as conn:
        return items.read(conn, staff_named(api.engine, "admin"), item_id)


def upload(client, size=(1200, 800)) -> str:
    answer = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("a.png", _png(size))})
    assert answer.status_code == 200, answer.text
    return answer.json()["sha256"]


def notice_form(client, **fields) -> dict:
    data = {"csrf": csrf_of(client), "title": "停水通知", "level": "normal", "target": "c-a",
            "body": "本周六停水。", "publish_at": "", "expire_at": "", "images.count": "1"}
    data.update(fields)
    return data


def test_a_new_notice_is_scheduled_with_an_image_placed_in_the_body(api):  # noqa: F811
    client = signed_in(api, "ed-s1")  # an editor of the street: may write s1, c-a and c-b
    page = client.get("/admin/new-notice?target=c-b")
    assert page.status_code == 200 and "新建通知公告" in page.text
    assert '<option value="c-b" selected>' in page.text and 'value="s1"' in page.text and 'value="c-c"' not in page.text
    assert 'type="file" data-upload="images.0.blob"' in page.text  # the upload field for a first image
    sha = upload(client)
    made = client.post("/admin/new-notice", data=notice_form(
        client, id="n-water", target="c-b", body="第一段\n\n[图片 1]\n\n## 注意\n\n- 储水\n- 关阀",
        publish_at="2026-12-05T08:00", expire_at="2026-12-07T18:30", **{"images.0.blob": sha,
                                                                         "images.0.caption": "停水范围"}),
        follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/items/n-water", made.text
    draft = read(api, "n-water")["draft"]
    assert draft["target"] == "c-b" and draft["publish_at"].startswith("2026-12-05T08:00:00+08:00")
    assert draft["expire_at"].startswith("2026-12-07T18:30:00+08:00")
    assert [b["type"] for b in draft["blocks"]] == ["paragraph", "image", "heading", "list"]
    assert draft["blocks"][1] == {"type": "image", "blob": sha, "caption": "停水范围"}

    check = client.get("/admin/items/n-water/publish-check").text  # the image as the form's line and the picture
    assert "[图片 1] 停水范围" in check and f'<img class="check-image" src="/admin/files/{sha}"' in check
    edit = client.get("/admin/items/n-water/edit").text
    assert 'value="2026-12-05T08:00"' in edit and 'value="2026-12-07T18:30"' in edit
    assert f'src="/admin/files/{sha}"' in edit and "[图片 1]" in edit and 'value="停水范围"' in edit
    assert 'data-upload="images.1.blob"' in edit  # and a blank field to add another
    # a second image added without its line goes at the end; the first is removed (its line dropped)
    second = upload(client, (300, 300))
    client.post("/admin/items/n-water/edit", data=notice_form(
        client, target="c-b", body="第一段\n\n[图片 1]", **{"images.count": "2", "images.0.blob": sha,
                                                            "images.0.remove": "1", "images.1.blob": second}))
    assert [b.get("blob", b.get("text")) for b in read(api, "n-water")["draft"]["blocks"]] == ["第一段", second]


def test_tables_are_kept_moved_or_removed_but_not_edited(api):  # noqa: F811
    doc = notice("n-t", "c-a", blocks=[{"type": "paragraph", "text": "说明"}, TABLE,
                                       {"type": "paragraph", "text": "结尾"}])
    _add(api, doc)
    client = signed_in(api, "ed-a")
    form = client.get("/admin/items/n-t/edit")
    assert form.status_code == 200 and "表格不能在此页面编辑" in form.text and "收费表" in form.text
    assert re.search(r'<textarea name="body"[^>]*>说明\n\n\[表格 1\]\n\n结尾</textarea>', form.text)
    moved = client.post("/admin/items/n-t/edit", data=notice_form(client, body="[表格 1]\n\n说明（改）\n\n结尾"),
                        follow_redirects=False)
    assert moved.status_code == 303
    assert read(api, "n-t")["draft"]["blocks"][0] == TABLE
    lost = client.post("/admin/items/n-t/edit", data=notice_form(client, body="只剩一段"), follow_redirects=False)
    assert lost.status_code == 303 and read(api, "n-t")["draft"]["blocks"][-1] == TABLE  # a slip loses nothing
    client.post("/admin/items/n-t/edit", data=notice_form(client, body="只剩一段", **{"tables.remove": "1"}))
    assert read(api, "n-t")["draft"]["blocks"] == [{"type": "paragraph", "text": "只剩一段"}]


def test_a_wrong_time_or_target_comes_back_at_its_field(api):  # noqa: F811
    _add(api, notice("n-a", "c-a"))
    client = signed_in(api, "ed-a")
    times = client.post("/admin/items/n-a/edit", data=notice_form(client, publish_at="2026-12-05T08:00",
                                                                  expire_at="2026-12-04T08:00"))
    assert times.status_code == 422 and 'name="expire_at" value="2026-12-04T08:00" type="datetime-local" ' \
        'aria-invalid="true"' in times.text and "此项填写不正确" in times.text
    elsewhere = client.post("/admin/new-notice", data=notice_form(client, id="n-elsewhere", target="c-b"))
    assert elsewhere.status_code == 422 and 'name="target" aria-invalid="true"' in elsewhere.text
    taken = client.post("/admin/new-notice", data=notice_form(client, id="n-a"))
    assert taken.status_code == 409 and 'name="id" value="n-a" maxlength="128"' in taken.text
    assert read(api, "n-a")["draft"]["title"] == "通知 n-a"


def test_roles_and_other_centres(api):  # noqa: F811
    _add(api, notice("n-a", "c-a"))
    other = signed_in(api, "ed-b")
    assert other.get("/admin/items/n-a/edit").status_code == 404
    for action in ("edit", "urgent", "delete"):
        assert other.post(f"/admin/items/n-a/{action}", data=notice_form(other, confirm="yes")).status_code == 404
    viewer = signed_in(api, "view-a")
    assert viewer.get("/admin/new-notice").status_code == 403
    assert viewer.post("/admin/new-notice", data=notice_form(viewer, id="n-v")).status_code == 403
    assert viewer.post("/admin/items/n-a/urgent", data=notice_form(viewer, confirm="yes")).status_code == 403
    assert viewer.get("/admin/items/n-a?confirm=urgent").text.count("紧急发布") == 0
    assert [i["state"] for i in [read(api, "n-a")]] == ["draft"]


def test_urgent_asks_first_then_publishes_and_shows_the_count(api):  # noqa: F811
    _publish(api, centre_item("c-a"))
    (_t1, token), (t2, _tok2) = _terminal(api, "c-a"), _terminal(api, "c-a")
    _add(api, notice("n-u", "c-a", title="停电通知"), publish=True)
    client = signed_in(api, "ed-a")
    page = client.get("/admin/items/n-u")
    assert "紧急发布（横幅）…" in page.text and 'href="/admin/items/n-u?confirm=urgent"' in page.text
    first = client.post("/admin/items/n-u/urgent", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/admin/items/n-u?confirm=urgent"
    assert read(api, "n-u")["published"]["level"] == "normal"
    ask = client.get("/admin/items/n-u?confirm=urgent").text
    assert "现在将此通知作为紧急通知发布吗？" in ask and "c-a 下的每一台终端" in ask and "共 2 台终端" in ask
    done = client.post("/admin/items/n-u/urgent", data={"csrf": csrf_of(client), "confirm": "yes"})
    assert done.status_code == 200 and "已送达 0 / 2 台终端" in done.text and "紧急" in done.text
    item = read(api, "n-u")
    assert item["published"]["level"] == "urgent" and item["draft"] is None and item["revision"] == 2
    beat_ok = api.client.post("/api/v1/heartbeat", json=beat(version_shown=_version(api, token)), headers=auth(token))
    assert beat_ok.status_code == 200
    after = client.get("/admin/items/n-u").text
    assert "已送达 1 / 2 台终端" in after and t2 in after  # the one not showing it yet is named
    assert "紧急发布（横幅）…" not in after  # urgent already, nothing waiting


def test_hostile_text_is_shown_as_typed_on_every_notice_page(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    sha = upload(client, (50, 50))
    made = client.post("/admin/new-notice", data=notice_form(client, id="n-x", title=HOSTILE, body=HOSTILE,
                                                             **{"images.0.blob": sha, "images.0.caption": HOSTILE}),
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    wrong = client.post("/admin/new-notice", data=notice_form(client, id="n-y", title=HOSTILE, body=HOSTILE,
                                                              publish_at=HOSTILE, expire_at="x"))
    pages = [client.get(p).text for p in ("/admin/items/n-x/edit", "/admin/items/n-x", "/admin/items/n-x/publish-check",
                                          "/admin/items/n-x?confirm=delete")] + [wrong.text]
    assert wrong.status_code == 422
    for text in pages:
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt; {{7*7}}" in text
    assert pages[0].count("&lt;script&gt;") >= 3 and wrong.text.count("&lt;script&gt;") >= 3  # and a time typed


def test_the_body_text_round_trips_images_and_tables():
    image = {"type": "image", "blob": "a" * 64, "caption": ""}
    blocks = [{"type": "paragraph", "text": "前"}, image, TABLE, {"type": "paragraph", "text": "后"}]
    text = as_text(blocks)
    assert text == "前\n\n[图片 1]\n\n[表格 1]\n\n后"
    assert blocks_of(text, [image], [TABLE]) == blocks
    assert blocks_of("[image 1]\n\n[table 1]\n\n[图片 7]", [image], [None]) == [image, {"type": "paragraph",
                                                                                      "text": "[图片 7]"}]
