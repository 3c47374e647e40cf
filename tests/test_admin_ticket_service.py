"""The 取号业务 form of the staff pages (hub.admin.pages_ticket_service): a queue service made with its
windows reordered and the guides that join it chosen from those reaching the same centres, saved and
published into the manifest; wrong fields named in Chinese; CSRF, roles and escaping; on SQLite and
PostgreSQL."""
from __future__ import annotations

import pytest

from hub.admin import pages_ticket_service, rows
from tests.admin_support import csrf_of, row_fields, signed_in
from tests.hub_api_support import api, database_url, guide  # noqa: F401  (fixtures)
from tests.test_admin_browser import CHROMIUM, SHOTS, hub_url  # noqa: F401  (a fixture)
from tests.test_admin_centre import ESCAPED, HOSTILE, hub_read, looks_right, staff_page
from tests.test_admin_guide import _centre, _list, _manifest_ids, _read
from tests.test_admin_items import _add

WINDOWS = ["1号窗口", "2号窗口", "3号窗口"]


def form(client, **fields) -> dict:
    """A posted ticket service form; `windows` a list, `guide_ids` a list of checked boxes."""
    data = {"csrf": csrf_of(client), "name": "社保业务", "title": "", "code": "B", "daily_limit": "150",
            "hours": "周一至周五 8:30-12:00\n\n周一至周五 14:00-17:30", "target": "c-a"}
    for name, value in fields.items():
        if name == "guide_ids":
            data[name] = value
        else:
            data.update(row_fields(name, value) if isinstance(value, list) else {name: value})
    return data


def _service(item_id: str, target: str, **fields) -> dict:
    return {"id": item_id, "kind": "ticket_service", "title": f"取号 {item_id}", "target": target, "code": "A",
            "name": f"业务 {item_id}", "windows": ["1号窗口"], **fields}


def test_an_editor_makes_reorders_and_publishes_a_queue_with_its_guides(api):  # noqa: F811
    _add(api, _centre("c-a"), publish=True)
    _add(api, guide("g-here", "c-a", title="社保卡申领"), publish=True)
    _add(api, guide("g-street", "s1", title="街道的指南"), publish=True)
    _add(api, guide("g-other", "c-b", title="B社区的指南"))
    client = signed_in(api, "ed-a")
    page = client.get("/admin/new-ticket-service?target=c-a")
    assert page.status_code == 200 and "新建取号业务" in page.text and 'value="c-a" selected' in page.text
    assert "社保卡申领" in page.text and "街道的指南" in page.text  # reaching c-a: its own and the street's
    assert "B社区的指南" not in page.text and 'value="c-b"' not in page.text
    made = client.post("/admin/new-ticket-service",
                       data=form(client, id="q-shebao", code="b", windows=WINDOWS, guide_ids=["g-here", "g-street"]),
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/items/q-shebao", made.text
    draft = _read(api, "q-shebao")["draft"]
    assert draft["code"] == "B" and draft["title"] == "社保业务" and draft["windows"] == WINDOWS  # b raised to B
    assert draft["daily_limit"] == 150 and draft["hours"] == ["周一至周五 8:30-12:00", "周一至周五 14:00-17:30"]
    assert draft["guide_ids"] == ["g-here", "g-street"] and draft["target"] == "c-a"

    assert "/admin/items/q-shebao/edit-ticket-service" in client.get("/admin/items/q-shebao").text
    edit = client.get("/admin/items/q-shebao/edit-ticket-service")
    assert edit.status_code == 200 and edit.text.count(" checked>") == 2 and "/admin/items/q-shebao/publish-check" in edit.text
    moved = client.post("/admin/items/q-shebao/edit-ticket-service",
                        data={**form(client, windows=WINDOWS, guide_ids=["g-here"]), "move": "windows.2"})
    assert moved.status_code == 200 and moved.text.index("3号窗口") < moved.text.index("2号窗口")
    assert moved.text.count(" checked>") == 1  # the unsaved choice kept in the page
    removed = client.post("/admin/items/q-shebao/edit-ticket-service",
                          data={**form(client, windows=WINDOWS), "remove": "windows.0"})
    assert removed.status_code == 200 and "1号窗口" not in removed.text
    assert _read(api, "q-shebao")["draft"]["windows"] == WINDOWS
    saved = client.post("/admin/items/q-shebao/edit-ticket-service",
                        data={**form(client, windows=["3号窗口", "2号窗口"], guide_ids=["g-here"]), "action": "publish"},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/items/q-shebao/publish-check"
    draft = _read(api, "q-shebao")["draft"]
    assert draft["windows"] == ["3号窗口", "2号窗口"] and draft["guide_ids"] == ["g-here"]
    assert client.post("/admin/items/q-shebao/publish", data={"csrf": csrf_of(client)}).status_code == 200
    assert "q-shebao" in _manifest_ids(api, "c-a")


def test_another_targets_guides_and_a_guide_that_no_longer_reaches(api):  # noqa: F811
    _add(api, guide("g-a", "c-a", title="A的指南"))
    _add(api, guide("g-s1", "s1", title="街道指南"))
    _add(api, _service("q-a", "c-a", guide_ids=["g-a"]))
    street = signed_in(api, "ed-s1")
    refreshed = street.post("/admin/items/q-a/edit-ticket-service",
                            data=form(street, windows=WINDOWS, target="s1", guide_ids=["g-a"], refresh="1"))
    assert refreshed.status_code == 200 and "街道指南" in refreshed.text  # the guides for s1 offered
    assert "未覆盖这些中心" in refreshed.text and 'value="g-a" checked' in refreshed.text  # kept, marked
    assert _read(api, "q-a")["draft"]["target"] == "c-a"  # nothing saved


def test_wrong_fields_are_named_in_chinese_and_nothing_is_saved(api):  # noqa: F811
    _add(api, _service("q-a", "c-a"))
    client = signed_in(api, "ed-a")
    before = _read(api, "q-a")["draft"]
    for fields, shown in [({"code": "AB"}, "取号字母"), ({"code": "甲"}, "取号字母"), ({"daily_limit": "0"}, "每日限号"),
                          ({"daily_limit": "many"}, "每日限号"), ({"hours": "每天 25:00-26:00"}, "取号时间"),
                          ({"windows": []}, "办理窗口"), ({"name": ""}, "业务名称")]:
        fields.setdefault("windows", WINDOWS)
        answer = client.post("/admin/items/q-a/edit-ticket-service", data=form(client, **fields))
        assert answer.status_code == 422, (fields, answer.text[-500:])
        assert "表单中有内容不正确" in answer.text and shown in answer.text.split("表单中有内容不正确")[1][:200], fields
    wrong_code = client.post("/admin/items/q-a/edit-ticket-service", data=form(client, code="1", windows=WINDOWS))
    assert 'name="code" value="1"' in wrong_code.text and 'aria-invalid="true"' in wrong_code.text
    assert _read(api, "q-a")["draft"] == before
    bad_id = client.post("/admin/new-ticket-service", data=form(client, id="../x", windows=WINDOWS))
    assert bad_id.status_code == 422 and 'name="id" value="../x"' in bad_id.text
    taken = client.post("/admin/new-ticket-service", data=form(client, id="q-a", windows=WINDOWS))
    assert taken.status_code == 409 and "aria-invalid" in taken.text


def test_a_letter_used_by_another_queue_of_the_same_centre_is_refused(api):  # noqa: F811
    _add(api, _service("q-street", "s1", code="D", name="街道便民服务"))
    _add(api, _service("q-c", "c-c", code="E"))
    client = signed_in(api, "ed-a")
    same = client.post("/admin/new-ticket-service", data=form(client, id="q-new", code="d", windows=WINDOWS))
    assert same.status_code == 409 and "同一中心的另一项取号业务已使用此字母：街道便民服务" in same.text
    assert 'name="code" value="D"' in same.text and "q-new" not in [i["id"] for i in _list(api)]
    elsewhere = client.post("/admin/new-ticket-service", data=form(client, id="q-new", code="E", windows=WINDOWS),
                            follow_redirects=False)
    assert elsewhere.status_code == 303  # E is C社区's letter: another street's centre
    again = client.post("/admin/items/q-new/edit-ticket-service", data=form(client, code="E", windows=WINDOWS[:1]),
                        follow_redirects=False)
    assert again.status_code == 303 and _read(api, "q-new")["draft"]["windows"] == WINDOWS[:1]  # its own letter
    street = signed_in(api, "ed-s1")  # the street's queue against q-new (a draft of c-a): refused too
    moved = street.post("/admin/items/q-street/edit-ticket-service", data=form(street, code="E", target="s1",
                                                                               windows=WINDOWS))
    assert moved.status_code == 409 and "社保业务" in moved.text


def test_csrf_roles_and_other_centres(api):  # noqa: F811
    _add(api, _service("q-a", "c-a"))
    _add(api, _service("q-b", "c-b"))
    _add(api, guide("g-a", "c-a"))
    editor = signed_in(api, "ed-a")
    assert editor.post("/admin/items/q-a/edit-ticket-service", data={**form(editor), "csrf": "x"}).status_code == 403
    assert editor.get("/admin/items/q-b/edit-ticket-service").status_code == 404
    assert editor.post("/admin/items/q-b/edit-ticket-service", data=form(editor, target="c-b")).status_code == 404
    assert editor.get("/admin/items/g-a/edit-ticket-service").status_code == 404  # a guide, not a queue
    elsewhere = editor.post("/admin/new-ticket-service", data=form(editor, id="q-new", target="c-b", windows=WINDOWS))
    assert elsewhere.status_code == 422 and 'name="target" aria-invalid="true"' in elsewhere.text  # as if unknown
    assert "B社区" not in editor.get("/admin/new-ticket-service?target=c-b").text
    viewer = signed_in(api, "view-a")
    assert "edit-ticket-service" not in viewer.get("/admin/items/q-a").text
    assert viewer.get("/admin/items/q-a/edit-ticket-service").status_code == 403
    assert viewer.post("/admin/items/q-a/edit-ticket-service", data=form(viewer, windows=WINDOWS)).status_code == 403
    assert viewer.get("/admin/new-ticket-service").status_code == 403
    assert viewer.post("/admin/new-ticket-service", data=form(viewer, windows=WINDOWS)).status_code == 403
    assert _read(api, "q-a")["draft"]["name"] == "业务 q-a" and _read(api, "q-b")["draft"]["name"] == "业务 q-b"


def test_every_text_field_is_shown_as_text(api):  # noqa: F811
    _add(api, guide("g-x", "c-a", title=HOSTILE))
    client = signed_in(api, "ed-a")
    made = client.post("/admin/new-ticket-service",
                       data=form(client, id="q-x", name=HOSTILE, title=HOSTILE, windows=[HOSTILE, HOSTILE],
                                 guide_ids=["g-x"]), follow_redirects=False)
    assert made.status_code == 303, made.text
    assert _read(api, "q-x")["draft"]["windows"] == [HOSTILE, HOSTILE]
    for url in ("/admin/items/q-x/edit-ticket-service", "/admin/items/q-x"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and ESCAPED in page
    assert client.get("/admin/items/q-x/edit-ticket-service").text.count(ESCAPED) >= 5  # 4 inputs, the guide
    refused = client.post("/admin/items/q-x/edit-ticket-service",
                          data=form(client, name=HOSTILE, code=HOSTILE, hours=HOSTILE, daily_limit=HOSTILE,
                                    windows=[HOSTILE]))
    assert refused.status_code == 422 and "<script>alert" not in refused.text and refused.text.count(ESCAPED) >= 5
    bad_id = client.post("/admin/new-ticket-service", data=form(client, id=HOSTILE, windows=WINDOWS))
    assert bad_id.status_code == 422 and "<script>alert" not in bad_id.text and ESCAPED in bad_id.text


def test_the_form_helpers():
    class Form(dict):
        def getlist(self, name):
            return self.get(name, [])

    values = pages_ticket_service.values_from(Form({"code": " c ", "windows.count": "3", "windows.0": "一",
                                                    "windows.2": "三", "guide_ids": ["g", " g ", "", "h"]}))
    assert values["code"] == "C" and values["windows"] == ["一", "三"] and values["guide_ids"] == ["g", "h"]
    doc = pages_ticket_service.document({**values, "daily_limit": "", "hours": "", "name": "业务", "title": "",
                                         "target": "c-a", "publish_at": "", "expire_at": ""}, {"sort": 2})
    assert doc["daily_limit"] == 200 and doc["hours"] == [] and doc["title"] == "业务" and doc["sort"] == 2


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_a_demo_queue_in_chromium(hub_url, tmp_path):
    """rows.js on the windows; a guide unticked; the saved draft is what the page showed."""
    from playwright.sync_api import sync_playwright

    before = hub_read(tmp_path, "ticket-b")["published"]
    assert len(before["guide_ids"]) >= 1
    problems: list[str] = []
    with sync_playwright() as p:
        browser, page = staff_page(p, hub_url, "/admin/items/ticket-b/edit-ticket-service", problems)
        try:
            looks_right(page, "admin-ticket-service-edit.png")
            windows = "fieldset[data-list=windows]"
            page.click(f"{windows} button.add-row")
            last = len(before["windows"]) + rows.EXTRA_ROWS
            page.fill(f"input[name='windows.{last}']", "9号窗口")
            page.click(f"{windows} button[name=move][value='windows.1']")
            page.uncheck(f"input[name=guide_ids][value='{before['guide_ids'][0]}']")
            page.click("button[name=action][value=save]:visible")
            page.wait_for_url("**/admin/items/ticket-b")
            draft = hub_read(tmp_path, "ticket-b")["draft"]
            assert draft["windows"] == [before["windows"][1], before["windows"][0], *before["windows"][2:], "9号窗口"]
            assert draft["guide_ids"] == before["guide_ids"][1:] and draft["code"] == "B"
            page.set_viewport_size({"width": 768, "height": 1024})
            page.goto(hub_url + "/admin/items/ticket-b/edit-ticket-service")
            looks_right(page, "admin-ticket-service-edit-tablet.png")
            page.locator("fieldset.guides").screenshot(path=str(SHOTS / "admin-ticket-service-guides.png"))
        finally:
            browser.close()
    assert not [p for p in problems if not p.startswith("Failed to load resource")], problems
