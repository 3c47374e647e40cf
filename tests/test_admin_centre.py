"""The 中心信息 form of the staff pages (hub.admin.pages_centre): a centre's own item made and edited,
its rooms and duty rota reordered, a floor plan uploaded, saved and published into the centre's
first manifest; wrong fields named in Chinese; CSRF, roles and escaping; on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from hub import db, items, publish
from hub.admin import pages_centre, rows
from hub.perms import staff_named
from tests.admin_support import csrf_of, row_fields, sign_in_chromium, signed_in
from tests.hub_api_support import api, database_url, guide  # noqa: F401  (fixtures)
from tests.test_admin_browser import ARGS, CHROMIUM, SHOTS, _finger_sized, _no_sideways_scroll, hub_url  # noqa: F401
from tests.test_admin_guide import _centre, _read
from tests.test_admin_items import _add

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(2)> {{7*7}}'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(2)&gt; {{7*7}}"
ROOMS = [{"name": "党员活动室", "floor": "二楼", "description": "可容纳40人", "hours": "周一至周五 9:00-17:00"},
         {"name": "图书室", "floor": "一楼", "description": "", "hours": ""},
         {"name": "舞蹈室", "floor": "三楼", "description": "需预约", "hours": "周六 9:00-11:00"}]
DUTY = [{"date": "2026-12-07", "name": "王芳", "role": "值班主任", "phone": "010-12345678"},
        {"date": "2026-12-08", "name": "李强", "role": "社工", "phone": ""}]


def form(client, **fields) -> dict:
    """A posted centre form: lists given as lists of dicts, each with its `.count` (one blank row more)."""
    data = {"csrf": csrf_of(client), "name": "A社区党群服务中心", "address": "幸福路1号", "hours": "",
            "phone": "", "floor_plan": "", "title": ""}
    for name, value in fields.items():
        data.update(row_fields(name, value) if isinstance(value, list) else {name: value})
    return data


def _upload_png(client, size=(2600, 1300)) -> dict:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buf, "PNG")
    answer = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("plan.png", buf.getvalue())})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _manifest(api, centre):
    with api.engine.connect() as conn:
        found = publish.current(conn, centre)
    return json.loads(found.body) if found else None


def test_an_editor_makes_edits_and_publishes_the_centre_with_a_floor_plan(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    page = client.get("/admin/new-centre?target=c-a")
    assert page.status_code == 200 and "新建中心信息" in page.text and 'value="c-a" selected' in page.text
    assert 'value="c-b"' not in page.text  # only the centres ed-a may write
    plan = _upload_png(client)
    assert (plan["width"], plan["height"]) == (2048, 1024)  # the stored, resized image
    made = client.post("/admin/new-centre", data=form(client, target="c-a", rooms=ROOMS, duty=DUTY,
                                                      hours="周一至周五 8:30-17:30\n\n周六 9:00-12:00",
                                                      phone="010-87654321", floor_plan=plan["sha256"]),
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/items/c-a", made.text
    draft = _read(api, "c-a")["draft"]
    assert draft["id"] == draft["target"] == "c-a" and draft["title"] == "A社区党群服务中心"  # title: the name
    assert draft["hours"] == ["周一至周五 8:30-17:30", "周六 9:00-12:00"] and draft["floor_plan"] == plan["sha256"]
    assert draft["rooms"] == ROOMS and draft["duty"] == DUTY
    assert _manifest(api, "c-a") is None  # nothing published yet: no manifest

    item_page = client.get("/admin/items/c-a")
    assert "/admin/items/c-a/edit-centre" in item_page.text
    edit = client.get("/admin/items/c-a/edit-centre")
    assert edit.status_code == 200 and "舞蹈室" in edit.text and 'value="2026-12-08" type="date"' in edit.text
    assert f'src="/admin/files/{plan["sha256"]}"' in edit.text  # the floor plan shown
    assert "/admin/items/c-a/publish-check" in edit.text
    assert 'value="c-b"' not in edit.text and 'name="target"' not in edit.text  # a centre's target is fixed
    # move 舞蹈室 up, then remove 王芳's row: the form comes back changed, nothing saved yet
    moved = client.post("/admin/items/c-a/edit-centre", data={**form(client, rooms=ROOMS, duty=DUTY), "move": "rooms.2"})
    assert moved.status_code == 200 and moved.text.index("舞蹈室") < moved.text.index("图书室")
    removed = client.post("/admin/items/c-a/edit-centre", data={**form(client, rooms=ROOMS, duty=DUTY),
                                                                 "remove": "duty.0"})
    assert removed.status_code == 200 and "王芳" not in removed.text and "李强" in removed.text
    assert _read(api, "c-a")["draft"]["rooms"] == ROOMS
    reordered = [ROOMS[0], ROOMS[2], ROOMS[1]]
    saved = client.post("/admin/items/c-a/edit-centre",
                        data={**form(client, rooms=reordered, duty=DUTY[1:], floor_plan=plan["sha256"]),
                              "action": "publish"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/items/c-a/publish-check"
    draft = _read(api, "c-a")["draft"]
    assert draft["rooms"] == reordered and draft["duty"] == DUTY[1:] and draft["floor_plan"] == plan["sha256"]

    done = client.post("/admin/items/c-a/publish", data={"csrf": csrf_of(client)})
    assert done.status_code == 200
    manifest = _manifest(api, "c-a")
    assert manifest is not None and "c-a" in {i["id"] for i in manifest["items"]}
    assert plan["sha256"] in {b["sha256"] for b in manifest["blobs"]}  # the floor plan goes to the terminals
    # taking the floor plan away: the next manifest no longer lists it
    client.post("/admin/items/c-a/edit-centre", data=form(client, rooms=reordered, floor_plan=plan["sha256"],
                                                          floor_plan_clear="1"))
    assert _read(api, "c-a")["draft"]["floor_plan"] is None
    client.post("/admin/items/c-a/publish", data={"csrf": csrf_of(client)})
    assert plan["sha256"] not in {b["sha256"] for b in _manifest(api, "c-a")["blobs"]}


def test_wrong_fields_are_named_in_chinese_and_nothing_is_saved(api):  # noqa: F811
    _add(api, _centre("c-a"))
    client = signed_in(api, "ed-a")
    before = _read(api, "c-a")["draft"]
    bad_date = [DUTY[0], {**DUTY[1], "date": "2026-13-40"}]
    answer = client.post("/admin/items/c-a/edit-centre", data=form(client, rooms=ROOMS, duty=bad_date))
    assert answer.status_code == 422 and "表单中有内容不正确" in answer.text
    assert "值班表 · 第2行 · 日期" in " ".join(answer.text.split())
    assert 'name="duty.1.date" value="2026-13-40" type="date" aria-invalid="true"' in answer.text
    assert answer.text.count('aria-invalid="true"') == 1 and "李强" in answer.text and "舞蹈室" in answer.text
    no_name = client.post("/admin/items/c-a/edit-centre",
                          data=form(client, rooms=[{"name": "", "floor": "二楼", "description": "", "hours": ""}]))
    assert no_name.status_code == 422 and "功能室 · 第1行 · 名称" in " ".join(no_name.text.split())
    no_address = client.post("/admin/items/c-a/edit-centre", data=form(client, name=""))
    assert no_address.status_code == 422 and 'name="name" value="" aria-invalid="true"' in no_address.text
    bad_plan = client.post("/admin/items/c-a/edit-centre", data=form(client, floor_plan="not-a-hash"))
    assert bad_plan.status_code == 422 and "楼层平面图" in bad_plan.text
    times = client.post("/admin/items/c-a/edit-centre", data=form(client, publish_at="2026-12-03T08:30",
                                                                  expire_at="2026-12-01T08:30"))
    assert times.status_code == 422 and 'name="expire_at" value="2026-12-01T08:30" type="datetime-local" ' \
        'aria-invalid="true"' in times.text
    assert _read(api, "c-a")["draft"] == before


def test_new_centres_only_for_centres_without_one(api):  # noqa: F811
    _add(api, _centre("c-a"), publish=True)
    editor = signed_in(api, "ed-a")
    assert editor.get("/admin/new-centre").status_code == 409  # c-a has its item: nothing left to make
    existing = editor.get("/admin/new-centre?target=c-a", follow_redirects=False)
    assert existing.status_code == 303 and existing.headers["location"] == "/admin/items/c-a/edit-centre"
    assert editor.get("/admin/new-centre?target=c-b").status_code == 409  # not theirs: told nothing about it
    street = signed_in(api, "ed-s1")
    page = street.get("/admin/new-centre?target=s1").text  # not a centre: the first open one chosen
    assert 'value="c-b" selected' in page and 'value="c-a"' not in page and 'value="s1"' not in page
    for target in ("c-a", "s1", "c-c", "../x"):  # taken, not a centre, not theirs, nonsense
        refused = street.post("/admin/new-centre", data=form(street, target=target))
        assert refused.status_code == 422 and 'name="target" aria-invalid="true"' in refused.text, target
    made = street.post("/admin/new-centre", data=form(street, target="c-b"), follow_redirects=False)
    assert made.status_code == 303 and _read(api, "c-b")["draft"]["target"] == "c-b"
    assert signed_in(api, "view-a").get("/admin/new-centre").status_code == 403


def test_csrf_roles_and_other_centres(api):  # noqa: F811
    _add(api, _centre("c-a"))
    _add(api, _centre("c-b"))
    _add(api, guide("g-a", "c-a"))
    editor = signed_in(api, "ed-a")
    assert editor.post("/admin/items/c-a/edit-centre", data={**form(editor), "csrf": "x"}).status_code == 403
    assert editor.get("/admin/items/c-b/edit-centre").status_code == 404  # another centre's: as if missing
    assert editor.post("/admin/items/c-b/edit-centre", data=form(editor)).status_code == 404
    assert editor.get("/admin/items/g-a/edit-centre").status_code == 404  # not a centre item
    assert editor.get("/admin/items/nothing/edit-centre").status_code == 404
    viewer = signed_in(api, "view-a")
    assert "edit-centre" not in viewer.get("/admin/items/c-a").text
    assert viewer.get("/admin/items/c-a/edit-centre").status_code == 403
    assert viewer.post("/admin/items/c-a/edit-centre", data=form(viewer, name="改名")).status_code == 403
    assert _read(api, "c-a")["draft"]["name"] == "c-a 党群服务中心" and _read(api, "c-b")["draft"]["name"] == "c-b 党群服务中心"


def test_every_text_field_is_shown_as_text(api):  # noqa: F811
    _add(api, _centre("c-a"))
    client = signed_in(api, "ed-a")
    row = {"name": HOSTILE, "floor": HOSTILE, "description": HOSTILE, "hours": HOSTILE}
    duty = {"date": "2026-12-07", "name": HOSTILE, "role": HOSTILE, "phone": HOSTILE}
    saved = client.post("/admin/items/c-a/edit-centre",
                        data=form(client, name=HOSTILE, title=HOSTILE, address=HOSTILE, hours=HOSTILE, phone=HOSTILE,
                                  rooms=[row], duty=[duty]), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    draft = _read(api, "c-a")["draft"]
    assert draft["name"] == HOSTILE and draft["rooms"] == [row] and draft["duty"] == [duty]
    for url in ("/admin/items/c-a/edit-centre", "/admin/items/c-a"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and ESCAPED in page
    assert client.get("/admin/items/c-a/edit-centre").text.count(ESCAPED) >= 12  # 12 inputs and the back link
    refused = client.post("/admin/items/c-a/edit-centre", data=form(client, name=HOSTILE, duty=[{**duty, "date": HOSTILE}]))
    assert refused.status_code == 422 and "<script>alert" not in refused.text and ESCAPED in refused.text


def test_the_form_helpers():
    values = pages_centre.values_from({"name": " 中心 ", "rooms.count": "3", "rooms.0.name": "甲", "rooms.1.name": "",
                                       "rooms.2.name": "丙", "rooms.2.floor": "2", "duty.count": "x",
                                       "move": "rooms.2", "floor_plan": "ab", "floor_plan_clear": "1"})
    assert [r["name"] for r in values["rooms"]] == ["丙", "甲"] and values["duty"] == []
    assert values["name"] == "中心" and values["floor_plan"] == ""
    doc = pages_centre.document({**values, "hours": "a\n\n b ", "publish_at": "2026-12-03T08:30"}, "c-a", {"sort": 3})
    assert doc["id"] == doc["target"] == "c-a" and doc["hours"] == ["a", "b"] and doc["sort"] == 3
    assert doc["publish_at"] == "2026-12-03T08:30:00+08:00" and doc["floor_plan"] is None and doc["title"] == "中心"


# ---- in Chromium, against a real `kiosk-hub serve` with the demo content ------------------------

def floor_plan_file(path) -> str:
    """A floor plan drawing to upload (wider than the hub keeps: it comes back resized)."""
    from PIL import ImageDraw

    img = Image.new("RGB", (2400, 1200), "white")
    draw = ImageDraw.Draw(img)
    for n, x in enumerate(range(100, 2300, 550)):
        draw.rectangle([x, 150, x + 450, 1050], outline=(20, 60, 120), width=12, fill=(220 - 30 * n, 235, 250))
    img.save(path, "PNG")
    return str(path)


def staff_page(p, hub_url, path, problems, width=1366, height=768):
    """A signed-in admin's Chromium page open at `path`, script errors and 4xx/5xx answers collected."""
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in_chromium(page, hub_url, path)
    return browser, page


def hub_read(tmp_path, item_id: str) -> dict:
    """The item as hub.items reads it from the live server's database."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    try:
        with engine.connect() as conn:
            return items.read(conn, staff_named(engine, "admin"), item_id)
    finally:
        engine.dispose()


def shown_width(page, selector: str, width: int) -> None:
    """Wait until the image is loaded at `width` px (polled from here: the pages' CSP forbids the
    string evaluation wait_for_function uses in the page)."""
    for _ in range(100):
        if page.evaluate("(s) => document.querySelector(s).naturalWidth", selector) == width:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never showed an image {width} px wide")


def looks_right(page, shot: str) -> None:
    """Finger-sized controls, no sideways scrolling, a screenshot for a person to look at."""
    SHOTS.mkdir(exist_ok=True)
    _finger_sized(page, ".button, select, input:not([type=checkbox]):not([type=file]), .nav a")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / shot))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_the_demo_centres_rooms_and_floor_plan_in_chromium(hub_url, tmp_path):
    from playwright.sync_api import sync_playwright

    before = hub_read(tmp_path, "demo-centre")["published"]
    rooms = [r["name"] for r in before["rooms"]]
    problems: list[str] = []
    with sync_playwright() as p:
        browser, page = staff_page(p, hub_url, "/admin/items/demo-centre/edit-centre", problems)
        try:
            page.evaluate("window.stillHere = true")
            looks_right(page, "admin-centre-edit.png")
            fieldset = "fieldset[data-list=rooms]"
            page.click(f"{fieldset} button[name=move][value='rooms.2']")  # the third room up
            page.click(f"{fieldset} button[name=remove][value='rooms.0']")  # the first away
            page.click(f"{fieldset} button.add-row")
            last = len(rooms) - 1 + rows.EXTRA_ROWS  # renumbered: the rows left, the blank ones, the new one
            page.fill(f"input[name='rooms.{last}.name']", "新建会议室")
            page.fill(f"input[name='rooms.{last}.floor']", "三楼")
            page.set_input_files("input[data-upload=floor_plan]", floor_plan_file(tmp_path / "plan.png"))
            page.wait_for_selector("[data-upload-status=floor_plan]:has-text('2048')")
            preview = "img[data-upload-preview=floor_plan]"
            shown_width(page, preview, 2048)
            assert page.evaluate("window.stillHere === true")  # no reload so far
            page.locator(".upload-field").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "admin-centre-uploaded.png"))
            page.locator(fieldset).screenshot(path=str(SHOTS / "admin-centre-rooms.png"))
            page.click("button[name=action][value=save]:visible")
            page.wait_for_url("**/admin/items/demo-centre")
            draft = hub_read(tmp_path, "demo-centre")["draft"]
            assert [r["name"] for r in draft["rooms"]] == [rooms[2], rooms[1], *rooms[3:], "新建会议室"]
            assert draft["floor_plan"] != before["floor_plan"] and draft["rooms"][-1]["floor"] == "三楼"
            page.set_viewport_size({"width": 768, "height": 1024})
            page.goto(hub_url + "/admin/items/demo-centre/edit-centre")
            shown_width(page, preview, 2048)  # the saved plan, drawn
            assert page.get_attribute(preview, "src") == f"/admin/files/{draft['floor_plan']}"
            looks_right(page, "admin-centre-edit-tablet.png")
            page.locator("fieldset[data-list=duty] li.row").first.screenshot(path=str(SHOTS / "admin-centre-duty-tablet.png"))
        finally:
            browser.close()
    assert not [p for p in problems if not p.startswith("Failed to load resource")], problems
