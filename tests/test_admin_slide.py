"""The 宣传轮播 form (hub.admin.pages_slide): a new slide with an uploaded image, its days and hours,
schedule and target, edited, checked and published into the centre's manifest; wrong fields shown;
roles and escaping; on SQLite and PostgreSQL."""
from __future__ import annotations

import json

from hub import publish
from tests.admin_support import csrf_of, signed_in
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)
from tests.test_admin_items import HOSTILE, _add
from tests.test_admin_notice import read, upload
from tests.test_hub_items import centre_item


def slide_form(client, **fields) -> dict:
    data = {"csrf": csrf_of(client), "title": "垃圾分类宣传", "image": "", "duration_s": "10", "target": "c-a",
            "time_from": "", "time_to": "", "publish_at": "", "expire_at": "", "days": ["1", "2", "3", "4", "5"]}
    data.update(fields)
    return data


def manifest_ids(api, centre):
    with api.engine.connect() as conn:
        return {i["id"] for i in json.loads(publish.current(conn, centre).body)["items"]}


def test_an_editor_makes_a_slide_edits_it_and_publishes_it_through_the_check(api):  # noqa: F811
    _add(api, centre_item("c-a"), publish=True)
    client = signed_in(api, "ed-a")
    page = client.get("/admin/new-slide?target=c-a")
    assert page.status_code == 200 and "新建宣传轮播" in page.text and 'data-upload="image"' in page.text
    assert page.text.count('type="checkbox" name="days"') == 7 and page.text.count(" checked") == 7
    sha = upload(client, (3000, 1500))
    made = client.post("/admin/new-slide", data=slide_form(client, id="s-waste", image=sha, time_from="08:00",
                                                           time_to="18:30", publish_at="2026-12-05T08:00",
                                                           action="publish"), follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/items/s-waste/publish-check", made.text
    draft = read(api, "s-waste")["draft"]
    assert draft["image"] == sha and draft["duration_s"] == 10 and draft["days"] == [1, 2, 3, 4, 5]
    assert draft["time_from"] == "08:00:00" and draft["time_to"] == "18:30:00"
    assert draft["publish_at"].startswith("2026-12-05T08:00:00+08:00") and draft["target"] == "c-a"

    check = client.get("/admin/items/s-waste/publish-check").text
    assert "此前未发布过" in check and f'<img class="check-image" src="/admin/files/{sha}"' in check
    assert "显示秒数" in check and "周一 周二 周三 周四 周五" in check and "确认发布" in check
    done = client.post("/admin/items/s-waste/publish", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303 and "s-waste" in manifest_ids(api, "c-a")

    edit = client.get("/admin/items/s-waste/edit-slide")
    assert edit.status_code == 200 and f'src="/admin/files/{sha}"' in edit.text and 'value="08:00"' in edit.text
    assert 'value="2026-12-05T08:00"' in edit.text and edit.text.count(" checked") == 5
    client.post("/admin/items/s-waste/edit-slide", data=slide_form(client, image=sha, duration_s="20",
                                                                    days=["6", "7"], publish_at="2026-12-05T08:00",
                                                                    time_from="08:00", time_to="18:30"))
    check = client.get("/admin/items/s-waste/publish-check").text
    table = check.split("<table")[1]
    assert "显示秒数" in table and "周六 周日" in table and "标题" not in table and "check-image" not in table


def test_wrong_fields_come_back_marked(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    no_image = client.post("/admin/new-slide", data=slide_form(client, id="s-1"))
    assert no_image.status_code == 422 and "此项填写不正确" in no_image.text and 'value="垃圾分类宣传"' in no_image.text
    sha = upload(client, (40, 40))
    no_days = client.post("/admin/new-slide", data=slide_form(client, id="s-1", image=sha, days=[]))
    assert no_days.status_code == 422 and "请至少选择一天" in no_days.text
    short = client.post("/admin/new-slide", data=slide_form(client, id="s-1", image=sha, duration_s="1"))
    assert short.status_code == 422 and 'name="duration_s" value="1" type="number" aria-invalid="true"' in short.text
    made = client.post("/admin/new-slide", data=slide_form(client, image=sha), follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/admin/items/slide-")


def test_roles_other_centres_and_escaping(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    sha = upload(client, (40, 40))
    made = client.post("/admin/new-slide", data=slide_form(client, id="s-x", image=sha, title=HOSTILE),
                       follow_redirects=False)
    assert made.status_code == 303
    wrong = client.post("/admin/items/s-x/edit-slide", data=slide_form(client, image=sha, title=HOSTILE,
                                                                        duration_s="x"))
    assert wrong.status_code == 422
    for text in [client.get(p).text for p in ("/admin/items/s-x/edit-slide", "/admin/items/s-x",
                                              "/admin/items/s-x/publish-check")] + [wrong.text]:
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt; {{7*7}}" in text
    other = signed_in(api, "ed-b")
    assert other.get("/admin/items/s-x/edit-slide").status_code == 404
    assert other.post("/admin/items/s-x/edit-slide", data=slide_form(other, image=sha)).status_code == 404
    assert other.get("/admin/items/s-x/publish-check").status_code == 404
    viewer = signed_in(api, "view-a")
    assert viewer.get("/admin/new-slide").status_code == 403
    assert viewer.get("/admin/items/s-x/edit-slide").status_code == 403
    assert viewer.post("/admin/items/s-x/edit-slide", data=slide_form(viewer, image=sha)).status_code == 403
    assert client.get("/admin/items/s-x/edit").status_code == 404  # a slide is not a notice
    assert read(api, "s-x")["draft"]["title"] == HOSTILE
