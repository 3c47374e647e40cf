"""The 公开 form of the staff pages (hub.admin.pages_disclosure, disclosure_form, disclosure_tables):
a new 财务公开 with its table, the grid's buttons without script, the totals check, PDF pages
saved and published into the manifest, wrong fields, roles, other centres and escaping; on SQLite
and PostgreSQL. The same form in Chromium: tests/test_admin_disclosure_browser.py."""
from __future__ import annotations

import datetime as dt
import json

from content.bundle import BundleWriter
from content.demo import build_demo
from hub import items, publish
from hub.admin import disclosure_form, disclosure_tables
from hub.perms import staff_named
from tests.admin_support import csrf_of, signed_in
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)
from tests.test_admin_items import _add
from tests.upload_support import pdf_pages

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(2)> {{7*7}}'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(2)&gt; {{7*7}}"
COLUMNS = ["科目", "收入（元）", "支出（元）", "备注"]
ROWS = [["上级拨付经费", "30000", "", "按月拨付"], ["水电费", "", "4,215.8", ""], ["办公用品", "", "2386.5", "打印纸"],
        ["合计", "30,000.00", "6,602.30", ""]]


def _read(api, item_id):
    with api.engine.connect() as conn:
        return items.read(conn, staff_named(api.engine, "admin"), item_id)


def _centre(node):
    return {"id": node, "kind": "centre", "title": f"{node} 党群服务中心", "target": node,
            "name": f"{node} 党群服务中心", "address": "幸福路1号"}


def _disclosure(item_id, target, **fields):
    return {"id": item_id, "kind": "disclosure", "title": f"公开 {item_id}", "target": target, "category": "财务公开",
            "period": "2026-11", "publisher": "幸福里社区居民委员会", **fields}


def table(columns=COLUMNS, rows=ROWS, caption="11月收支明细表", align=None):
    return {"type": "table", "caption": caption, "columns": columns, "rows": rows,
            "align": align or ["auto"] * len(columns)}


def form(client, blocks=(), **fields) -> dict:
    """A posted 公开 form: `blocks` as the form's sections (text, table or image)."""
    data = {"csrf": csrf_of(client), "title": "11月财务收支情况公开", "category": "财务公开", "period": "2026-11",
            "publisher": "幸福里社区居民委员会", "target": "c-a", "blocks.count": str(len(blocks))}
    for n, section in enumerate(blocks):
        key = f"blocks.{n}."
        data[key + "type"] = section["type"]
        if section["type"] == "text":
            data[key + "text"] = section["text"]
        elif section["type"] == "image":
            data.update({key + "blob": section["blob"], key + "caption": section.get("caption", "")})
        else:
            data.update({key + "caption": section["caption"], key + "cols": str(len(section["columns"])),
                         key + "rows": str(len(section["rows"]))})
            for c, header in enumerate(section["columns"]):
                data[f"{key}h.{c}"], data[f"{key}a.{c}"] = header, section["align"][c]
            for r, row in enumerate(section["rows"]):
                data.update({f"{key}c.{r}.{c}": cell for c, cell in enumerate(row)})
    data.update(fields)
    return data


def test_an_editor_makes_a_finance_disclosure_with_its_table(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    page = client.get("/admin/new-disclosure?target=c-a")
    assert page.status_code == 200 and "新建公开" in page.text and 'value="c-a" selected' in page.text
    assert 'value="c-b"' not in page.text  # only the nodes ed-a may write
    assert 'name="blocks.1.h.1" value="收入（元）"' in page.text and 'name="blocks.1.c.2.0" value="合计"' in page.text
    body = "根据有关规定，现公布如下。\n\n## 一、收支明细\n\n- 接受居民监督\n- 意见箱在一楼"
    made = client.post("/admin/new-disclosure", data=form(client, [{"type": "text", "text": body}, table()],
                                                          id="d-nov", valid_from="2026-12-05", valid_to="2026-12-31",
                                                          publish_at="2026-12-05T09:00"), follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/items/d-nov", made.text
    draft = _read(api, "d-nov")["draft"]
    assert [b["type"] for b in draft["blocks"]] == ["paragraph", "heading", "list", "table"]
    grid = draft["blocks"][3]
    assert grid["align"] == ["left", "right", "right", "left"] and grid["columns"] == COLUMNS
    assert [r[1:3] for r in grid["rows"]] == [["30,000.00", ""], ["", "4,215.80"], ["", "2,386.50"],
                                             ["30,000.00", "6,602.30"]]  # money with two decimals
    assert draft["valid_from"] == "2026-12-05" and draft["publish_at"].startswith("2026-12-05T09:00:00+08:00")
    item_page = client.get("/admin/items/d-nov").text
    assert "/admin/items/d-nov/edit-disclosure" in item_page and "公示开始日期" in item_page
    edit = client.get("/admin/items/d-nov/edit-disclosure")
    assert edit.status_code == 200 and "编辑公开" in edit.text and "## 一、收支明细" in edit.text
    assert 'name="blocks.1.c.1.2" value="4,215.80" class="numeric" inputmode="decimal"' in edit.text
    assert '<tr class="total-row">' in edit.text
    assert 'name="blocks.1.c.1.3" value=""\n' in edit.text or 'name="blocks.1.c.1.3" value="" aria' in edit.text
    # saving again: "save and publish…" goes on to the publish check
    again = client.post("/admin/items/d-nov/edit-disclosure", data=form(client, [table()], action="publish"),
                        follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/admin/items/d-nov/publish-check"
    assert len(_read(api, "d-nov")["draft"]["blocks"]) == 1


def test_the_grid_buttons_without_script_change_the_form_not_the_item(api):  # noqa: F811
    _add(api, _disclosure("d-a", "c-a", blocks=[{"type": "table", "columns": ["a", "b"], "rows": [["1", "2"]]}]))
    client = signed_in(api, "ed-a")

    def press(op, blocks):
        answer = client.post("/admin/items/d-a/edit-disclosure", data=form(client, blocks, op=op))
        assert answer.status_code == 200, answer.text
        return answer.text

    added = press("addrow:0", [table()])  # above the closing 合计 row
    assert 'name="blocks.0.c.3.0" value=""' in added and 'name="blocks.0.c.4.0" value="合计"' in added
    assert 'name="blocks.0.rows" value="5"' in added
    assert 'name="blocks.0.c.2.0" value=""' in press("addrow:0", [table(rows=ROWS[:2])])
    column = press("addcol:0", [table()])
    assert 'name="blocks.0.h.4" value=""' in column and 'name="blocks.0.c.3.4" value=""' in column
    removed = press("delrow:0:1", [table()])
    assert "水电费" not in removed and 'name="blocks.0.c.1.0" value="办公用品"' in removed
    narrower = press("delcol:0:3", [table()])
    assert "备注" not in narrower and "按月拨付" not in narrower and 'name="blocks.0.cols" value="3"' in narrower
    moved = press("up:1", [{"type": "text", "text": "第一段"}, table()])
    assert moved.index("11月收支明细表") < moved.index("第一段")
    more = press("add:table", [])
    assert 'name="blocks.0.type" value="table"' in more
    assert _read(api, "d-a")["draft"]["blocks"][0]["columns"] == ["a", "b"]  # nothing saved


def test_a_totals_mismatch_is_shown_at_its_cell_and_saved_only_when_confirmed(api):  # noqa: F811
    _add(api, _disclosure("d-a", "c-a"))
    client = signed_in(api, "ed-a")
    wrong = [row[:] for row in ROWS]
    wrong[3][2] = "6,600.00"
    answer = client.post("/admin/items/d-a/edit-disclosure", data=form(client, [table(rows=wrong)]))
    assert answer.status_code == 422 and "合计行与明细不符" in answer.text
    assert "计算合计与填写不符：应为 6,602.30" in answer.text and answer.text.count("class=\"cell-error\"") == 1
    assert 'name="blocks.0.c.3.2" value="6,600.00" class="numeric" inputmode="decimal" aria-invalid="true"' \
        in answer.text
    assert 'name="totals_ok"' in answer.text and _read(api, "d-a")["draft"]["blocks"] == []
    confirmed = client.post("/admin/items/d-a/edit-disclosure", data=form(client, [table(rows=wrong)], totals_ok="yes"),
                            follow_redirects=False)
    assert confirmed.status_code == 303
    assert _read(api, "d-a")["draft"]["blocks"][0]["rows"][3][2] == "6,600.00"
    # the page shows the warning again when the saved draft is opened
    assert "计算合计与填写不符：应为 6,602.30" in client.get("/admin/items/d-a/edit-disclosure").text


TRICKY_COLUMNS = ["项目", "金额（元）", "人数", "占比", "面积"]
TRICKY_ROWS = [["甲", "1,000.10", "3", "40%", "1,200.5"], ["乙", "２００", "2", "60%", "10"],
               ["小计", "1200.1", "5", "100%", ""], ["丙", "99.9", "1", "", "0.25"], ["小计", "99.90", "2", "", ""],
               ["合计", "1,300.01", "6", "100.0%", "1,210.7"]]


def test_the_totals_rules():
    columns, rows = TRICKY_COLUMNS[:4], [row[:4] for row in TRICKY_ROWS]
    assert disclosure_tables.totals_problems(columns, rows) == {(4, 2): "1", (5, 1): "1,300.00"}
    assert disclosure_tables.totals_problems(TRICKY_COLUMNS, TRICKY_ROWS)[(5, 4)] == "1,210.75"
    assert disclosure_tables.numeric_columns(4, rows) == [False, True, True, True]
    assert disclosure_tables.tidy_rows(columns, rows)[1][1] == "200.00"  # full-width digits read
    assert disclosure_tables.totals_problems(["", "数"], [["", "1"], ["", "2"], ["总计", "3"]]) == {}
    assert disclosure_tables.totals_problems(["a", "b"], [["x", "1"], ["合计", "—"]]) == {}  # not a number: unchecked


def test_every_demo_disclosure_round_trips_through_the_form_and_adds_up():
    writer = BundleWriter()
    build_demo(writer, dt.date(2026, 12, 2))
    shown = [i.model_dump(mode="json") for i in writer.items if i.kind == "disclosure"]
    assert any(b["type"] == "table" for d in shown for b in d["blocks"])
    for doc in shown:
        values = disclosure_form.values_of(doc)
        again, _owner = disclosure_form.document(values, doc)
        assert again["blocks"] == doc["blocks"], doc["id"]
        assert again["pages"] == doc["pages"] and again["period"] == doc["period"]
        assert all(not g["problems"] for g in disclosure_form.grid_state(values)), doc["id"]


def test_pdf_pages_are_saved_shown_and_published_into_the_manifest(api):  # noqa: F811
    _add(api, _centre("c-a"), publish=True)
    client = signed_in(api, "ed-a")
    upload = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("d.pdf", pdf_pages(3))})
    assert upload.status_code == 200, upload.text
    pages = upload.json()["pages"]
    made = client.post("/admin/new-disclosure", data=form(client, [{"type": "text", "text": "详见附件。"}], id="d-pdf",
                                                          pdf=upload.json()["sha256"], pages=",".join(pages)),
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    assert _read(api, "d-pdf")["draft"]["pages"] == pages
    edit = client.get("/admin/items/d-pdf/edit-disclosure").text
    shown = [edit.index(f'src="/admin/files/{p}"') for p in pages]
    assert shown == sorted(shown) and "共 3 页" in edit and 'value="clearpages"' in edit
    assert f'name="pages" value="{",".join(pages)}"' in edit
    done = client.post("/admin/items/d-pdf/publish", data={"csrf": csrf_of(client)})
    assert done.status_code == 200
    with api.engine.connect() as conn:
        manifest = json.loads(publish.current(conn, "c-a").body)
    assert "d-pdf" in {i["id"] for i in manifest["items"]}
    assert set(pages) <= {b["sha256"] for b in manifest["blobs"]}
    # 移除全部页面 without script: the form comes back without them; saved, the draft has none
    cleared = client.post("/admin/items/d-pdf/edit-disclosure", data=form(client, pages=",".join(pages), op="clearpages"))
    assert cleared.status_code == 200 and 'name="pages" value=""' in cleared.text and "没有页面" in cleared.text
    client.post("/admin/items/d-pdf/edit-disclosure", data=form(client, pages=""))
    assert _read(api, "d-pdf")["draft"]["pages"] == [] and _read(api, "d-pdf")["published"]["pages"] == pages


def test_wrong_fields_are_marked_and_nothing_is_saved(api):  # noqa: F811
    _add(api, _disclosure("d-a", "c-a"))
    client = signed_in(api, "ed-a")
    headless = table(columns=["科目", ""], rows=[["甲", "1"]])
    answer = client.post("/admin/items/d-a/edit-disclosure", data=form(client, [{"type": "text", "text": "x"}, headless]))
    assert answer.status_code == 422 and "表单中有内容不正确" in answer.text and "第2部分" in answer.text
    assert 'name="blocks.1.h.1" value="" aria-invalid="true"' in answer.text
    period = client.post("/admin/items/d-a/edit-disclosure", data=form(client, period="2026-13"))
    assert period.status_code == 422 and 'name="period" value="2026-13" maxlength="7" aria-invalid="true"' in period.text
    dates = client.post("/admin/items/d-a/edit-disclosure", data=form(client, valid_from="2026-12-05",
                                                                       valid_to="2026-12-01"))
    assert dates.status_code == 422 and 'name="valid_to" value="2026-12-01" aria-invalid="true"' in dates.text
    bad_id = client.post("/admin/new-disclosure", data=form(client, id="../x"))
    assert bad_id.status_code == 422 and 'name="id" value="../x"' in bad_id.text
    taken = client.post("/admin/new-disclosure", data=form(client, id="d-a"))
    assert taken.status_code == 409 and 'aria-invalid="true"' in taken.text
    assert _read(api, "d-a")["draft"]["blocks"] == [] and _read(api, "d-a")["draft"]["period"] == "2026-11"


def test_csrf_roles_and_other_centres(api):  # noqa: F811
    _add(api, _disclosure("d-a", "c-a"))
    _add(api, _disclosure("d-b", "c-b"))
    _add(api, {"id": "n-a", "kind": "notice", "title": "通知", "target": "c-a"})
    editor = signed_in(api, "ed-a")
    assert editor.post("/admin/items/d-a/edit-disclosure", data={**form(editor), "csrf": "x"}).status_code == 403
    assert editor.get("/admin/items/d-b/edit-disclosure").status_code == 404
    assert editor.post("/admin/items/d-b/edit-disclosure", data=form(editor, target="c-b")).status_code == 404
    assert editor.get("/admin/items/n-a/edit-disclosure").status_code == 404  # not a disclosure
    elsewhere = editor.post("/admin/new-disclosure", data=form(editor, id="d-new", target="c-b"))
    assert elsewhere.status_code == 422 and 'name="target" aria-invalid="true"' in elsewhere.text
    assert 'value="c-a" selected' in editor.get("/admin/new-disclosure?target=c-b").text  # not theirs: ignored
    viewer = signed_in(api, "view-a")
    assert "edit-disclosure" not in viewer.get("/admin/items/d-a").text
    assert viewer.get("/admin/items/d-a/edit-disclosure").status_code == 403
    assert viewer.post("/admin/items/d-a/edit-disclosure", data=form(viewer)).status_code == 403
    assert viewer.get("/admin/new-disclosure").status_code == 403
    assert viewer.post("/admin/new-disclosure", data=form(viewer, id="d-v")).status_code == 403
    assert _read(api, "d-a")["draft"]["title"] == "公开 d-a" and _read(api, "d-b")["draft"]["title"] == "公开 d-b"


def test_hostile_text_in_every_field_is_shown_as_text(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    grid = table(columns=[HOSTILE, "金额（元）"], rows=[[HOSTILE, "1"], ["合计", "2"]], caption=HOSTILE)
    parts = [{"type": "text", "text": HOSTILE}, grid, {"type": "image", "blob": "a" * 64, "caption": HOSTILE}]
    made = client.post("/admin/new-disclosure", data=form(client, parts, id="d-x", title=HOSTILE, publisher=HOSTILE),
                       follow_redirects=False)
    assert made.status_code == 422  # the totals are wrong: shown again first, everything escaped
    for page in (made.text, client.post("/admin/new-disclosure",
                                        data=form(client, [grid], id="d-x", title=HOSTILE, period=HOSTILE)).text):
        assert "<script>alert" not in page and "<img src=x" not in page and ESCAPED in page
    saved = client.post("/admin/new-disclosure", data=form(client, parts, id="d-x", title=HOSTILE, publisher=HOSTILE,
                                                           totals_ok="yes"), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    draft = _read(api, "d-x")["draft"]
    assert draft["title"] == HOSTILE and draft["blocks"][1]["columns"][0] == HOSTILE
    assert draft["blocks"][2]["caption"] == HOSTILE and draft["blocks"][1]["caption"] == HOSTILE
    for url in ("/admin/items/d-x/edit-disclosure", "/admin/items/d-x"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and "{{7*7}}" in page and "49" not in page
    assert client.get("/admin/items/d-x/edit-disclosure").text.count(ESCAPED) >= 7  # every field holding it


def test_an_image_part_is_kept_and_a_blank_one_dropped(api):  # noqa: F811
    from tests.test_admin_files import _png

    _add(api, _disclosure("d-a", "c-a"))
    client = signed_in(api, "ed-a")
    image = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("a.png", _png((40, 30)))})
    sha = image.json()["sha256"]
    parts = [{"type": "image", "blob": sha, "caption": "经费使用情况"}, {"type": "image", "blob": ""},
             {"type": "text", "text": ""}]
    saved = client.post("/admin/items/d-a/edit-disclosure", data=form(client, parts), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _read(api, "d-a")["draft"]["blocks"] == [{"type": "image", "blob": sha, "caption": "经费使用情况"}]
    edit = client.get("/admin/items/d-a/edit-disclosure").text
    assert f'src="/admin/files/{sha}"' in edit and 'value="经费使用情况"' in edit
