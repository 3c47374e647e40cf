"""The 办事指南 form of the staff pages (hub.admin.pages_guide): a new guide, its lists edited and
reordered, saved, checked and published into the centre's manifest; wrong fields shown; CSRF, roles
and escaping; on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest

from hub import items, publish
from hub.admin import pages_guide
from hub.perms import staff_named
from tests.admin_support import csrf_of, row_fields, sign_in_chromium, signed_in
from tests.hub_api_support import api, database_url, guide  # noqa: F401  (fixtures)
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS, hub_url  # noqa: F401  (fixture)
from tests.test_admin_items import _add

HOSTILE = '<script>alert(1)</script> {{7*7}}'


def _read(api, item_id):
    with api.engine.connect() as conn:
        return items.read(conn, staff_named(api.engine, "admin"), item_id)


def _list(api):
    with api.engine.connect() as conn:
        return items.list_items(conn, staff_named(api.engine, "admin"), limit=100, offset=0)["items"]


def _centre(node):
    return {"id": node, "kind": "centre", "title": f"{node} 党群服务中心", "target": node,
            "name": f"{node} 党群服务中心", "address": "幸福路1号"}


def _manifest_ids(api, centre):
    with api.engine.connect() as conn:
        return {i["id"] for i in json.loads(publish.current(conn, centre).body)["items"]}


def form(client, **fields) -> dict:
    """A posted guide form: lists given as Python lists, each with its `.count`."""
    data = {"csrf": csrf_of(client), "title": "居住证办理", "category": "便民服务", "target": "c-a",
            "summary": "", "fee": "不收费", "visits": "1"}
    for name, value in fields.items():
        data.update(row_fields(name, value) if isinstance(value, list) else {name: value})
    return data


MATERIALS = [{"name": "居民身份证", "copies": "1", "original_or_copy": "original", "note": ""},
             {"name": "户口簿", "copies": "2", "original_or_copy": "copy", "note": "首页及本人页"},
             {"name": "租房合同", "copies": "1", "original_or_copy": "original_and_copy", "note": ""}]
STEPS = ["取号", "窗口受理", "审核", "领取证件"]


def test_an_editor_creates_reorders_saves_and_publishes_a_guide(api):  # noqa: F811
    _add(api, _centre("c-a"), publish=True)
    client = signed_in(api, "ed-a")
    page = client.get("/admin/new-guide")
    assert page.status_code == 200 and "新建办事指南" in page.text and 'value="c-a"' in page.text
    assert 'value="c-b"' not in page.text  # only the nodes ed-a may write
    made = client.post("/admin/new-guide", data=form(client, id="g-juzhu", materials=MATERIALS, steps=STEPS,
                                                     conditions=["在本社区居住半年以上", ""],
                                                     faq=[{"q": "要多久？", "a": "15个工作日。"}],
                                                     keywords="居住证\n暂住证", publish_at="2026-12-03T08:30"),
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/items/g-juzhu", made.text
    draft = _read(api, "g-juzhu")["draft"]
    assert [m["name"] for m in draft["materials"]] == ["居民身份证", "户口簿", "租房合同"]
    assert draft["materials"][1] == {"name": "户口簿", "copies": 2, "original_or_copy": "copy", "note": "首页及本人页"}
    assert draft["steps"] == STEPS and draft["conditions"] == ["在本社区居住半年以上"]
    assert draft["keywords"] == ["居住证", "暂住证"] and draft["faq"] == [{"q": "要多久？", "a": "15个工作日。"}]
    assert draft["publish_at"].startswith("2026-12-03T08:30:00+08:00")

    item_page = client.get("/admin/items/g-juzhu")
    assert "/admin/items/g-juzhu/edit-guide" in item_page.text
    edit = client.get("/admin/items/g-juzhu/edit-guide")
    assert edit.status_code == 200 and 'value="2026-12-03T08:30"' in edit.text and "领取证件" in edit.text
    # "move up" on the third step: the form comes back reordered, nothing saved yet
    moved = client.post("/admin/items/g-juzhu/edit-guide",
                        data={**form(client, materials=MATERIALS, steps=STEPS), "move": "steps.2"})
    assert moved.status_code == 200
    assert moved.text.index("审核") < moved.text.index("窗口受理")
    assert _read(api, "g-juzhu")["draft"]["steps"] == STEPS
    reordered = ["取号", "审核", "窗口受理", "领取证件"]
    saved = client.post("/admin/items/g-juzhu/edit-guide", data=form(client, materials=MATERIALS, steps=reordered),
                        follow_redirects=False)
    assert saved.status_code == 303
    assert _read(api, "g-juzhu")["draft"]["steps"] == reordered
    assert "g-juzhu" not in _manifest_ids(api, "c-a")

    check = client.post("/admin/items/g-juzhu/edit-guide",
                        data={**form(client, materials=MATERIALS, steps=reordered, location="一楼3号窗口"),
                              "action": "publish"}, follow_redirects=False)
    assert check.status_code == 303 and check.headers["location"] == "/admin/items/g-juzhu/publish-guide"
    diff = client.get("/admin/items/g-juzhu/publish-guide")
    assert diff.status_code == 200 and "确认发布" in diff.text and "一楼3号窗口" in diff.text
    done = client.post("/admin/items/g-juzhu/publish", data={"csrf": csrf_of(client)})
    assert done.status_code == 200
    assert _read(api, "g-juzhu")["published"]["steps"] == reordered
    assert "g-juzhu" in _manifest_ids(api, "c-a")
    # a second change: the check lists only what differs
    client.post("/admin/items/g-juzhu/edit-guide",
                data=form(client, materials=MATERIALS, steps=reordered, location="一楼3号窗口", fee="每本10元"))
    diff = client.get("/admin/items/g-juzhu/publish-guide").text
    assert "每本10元" in diff and "收费标准" in diff and "办理流程" not in diff.split("<table")[1]


def test_an_empty_material_name_is_refused_at_its_field(api):  # noqa: F811
    _add(api, guide("g-a", "c-a"))
    client = signed_in(api, "ed-a")
    wrong = MATERIALS[:1] + [{"name": "", "copies": "1", "original_or_copy": "copy", "note": "复印件"}]
    answer = client.post("/admin/items/g-a/edit-guide", data=form(client, materials=wrong, steps=STEPS))
    assert answer.status_code == 422 and "表单中有内容不正确" in answer.text and "第2行" in answer.text
    assert 'name="materials.1.name" value="" aria-invalid="true"' in answer.text
    assert answer.text.count('aria-invalid="true"') == 1 and "此项填写不正确" in answer.text
    assert _read(api, "g-a")["draft"]["materials"] == [{"name": "居民身份证", "copies": 1,
                                                        "original_or_copy": "original", "note": ""}]
    times = client.post("/admin/items/g-a/edit-guide", data=form(client, steps=STEPS, publish_at="2026-12-03T08:30",
                                                                 expire_at="2026-12-01T08:30"))
    assert times.status_code == 422 and 'name="expire_at" value="2026-12-01T08:30" type="datetime-local" ' \
        'aria-invalid="true"' in times.text
    bad_id = client.post("/admin/new-guide", data=form(client, id="../x", steps=STEPS))
    assert bad_id.status_code == 422 and 'name="id" value="../x"' in bad_id.text
    taken = client.post("/admin/new-guide", data=form(client, id="g-a", steps=STEPS))
    assert taken.status_code == 409 and "aria-invalid" in taken.text


def test_csrf_roles_and_other_centres(api):  # noqa: F811
    _add(api, guide("g-a", "c-a"))
    _add(api, guide("g-b", "c-b"))
    editor = signed_in(api, "ed-a")
    assert editor.post("/admin/items/g-a/edit-guide", data={**form(editor), "csrf": "x"}).status_code == 403
    assert editor.post("/admin/new-guide", data={"title": "t", "target": "c-a"}).status_code == 403
    assert editor.get("/admin/items/g-b/edit-guide").status_code == 404
    assert editor.post("/admin/items/g-b/edit-guide", data=form(editor, target="c-b")).status_code == 404
    elsewhere = editor.post("/admin/new-guide", data=form(editor, id="g-new", target="c-b"))
    assert elsewhere.status_code == 422 and 'name="target" aria-invalid="true"' in elsewhere.text  # as if unknown
    viewer = signed_in(api, "view-a")
    assert "edit-guide" not in viewer.get("/admin/items/g-a").text
    assert viewer.get("/admin/items/g-a/edit-guide").status_code == 403
    assert viewer.post("/admin/items/g-a/edit-guide", data=form(viewer)).status_code == 403
    assert viewer.post("/admin/new-guide", data=form(viewer)).status_code == 403
    assert "g-new" not in [i["id"] for i in _list(api)]
    assert _read(api, "g-a")["draft"]["title"] == "办事指南 g-a" and _read(api, "g-b")["draft"]["title"] == "办事指南 g-b"


def test_every_text_field_round_trips_as_text(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    texts = {name: HOSTILE for name in ("title", "summary", "location", "hours", "time_limit", "fee", "phone",
                                        "complaint_phone", "basis", "keywords")}
    made = client.post("/admin/new-guide", data=form(client, id="g-x", steps=[HOSTILE], conditions=[HOSTILE],
                                                     materials=[{"name": HOSTILE, "note": HOSTILE}],
                                                     faq=[{"q": HOSTILE, "a": HOSTILE}], **texts),
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    draft = _read(api, "g-x")["draft"]
    assert draft["title"] == HOSTILE and draft["steps"] == [HOSTILE] and draft["materials"][0]["note"] == HOSTILE
    for page in (client.get("/admin/items/g-x/edit-guide").text, client.get("/admin/items/g-x/publish-guide").text):
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in page
    assert client.get("/admin/items/g-x/edit-guide").text.count("&lt;script&gt;") >= 16


def test_a_generated_id_and_the_form_helpers():
    values = pages_guide.values_from({"steps.count": "3", "steps.0": "a", "steps.1": "", "steps.2": "c",
                                      "faq.count": "2", "faq.0.q": "q", "faq.0.a": "", "faq.1.q": "",
                                      "faq.1.a": "", "move": "steps.2"})
    assert values["steps"] == ["c", "a"] and values["faq"] == [{"q": "q", "a": ""}]
    assert pages_guide.stored_time("2026-12-03T08:30") == "2026-12-03T08:30:00+08:00"
    assert pages_guide.shown_local("2026-12-03T00:30:00+00:00") == "2026-12-03T08:30"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_the_lists_change_in_chromium_without_a_reload(hub_url):
    """rows.js: add a row, move a step up and remove one in the page; the saved order is the page's."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            sign_in_chromium(page, hub_url, "/admin/new-guide")
            page.fill("input[name=id]", "g-browser")
            page.fill("input[name=title]", "浏览器里的指南")
            page.fill("textarea[name='steps.0']", "一")
            page.fill("textarea[name='steps.1']", "二")
            steps = "fieldset[data-list=steps]"
            page.click(f"{steps} button.add-row")
            page.fill("textarea[name='steps.2']", "三")
            page.click(f"{steps} button.add-row")
            page.fill("textarea[name='steps.3']", "四")
            page.click("button[name=action][value=save]:visible")  # saved, and shown again by the item page
            page.wait_for_url("**/admin/items/g-browser")
            page.goto(hub_url + "/admin/items/g-browser/edit-guide")
            page.evaluate("window.stillHere = true")
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / "admin-guide-edit.png"), full_page=True)
            page.click(f"{steps} button[name=move][value='steps.2']")  # 三 up
            page.click(f"{steps} button[name=remove][value='steps.0']")  # 一 away
            assert page.evaluate("window.stillHere === true")  # no reload
            page.click("button[name=action][value=save]:visible")
            page.wait_for_url("**/admin/items/g-browser")
            assert "1. 三\n2. 二\n3. 四" in page.inner_text("table.fields")
        finally:
            browser.close()
    assert not problems, problems
