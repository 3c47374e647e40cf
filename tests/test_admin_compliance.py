"""The 公开日 page: per centre and category, published / due / late for a period; editors set the
node's disclosure day (CSRF), viewers only read; another street's centres are not shown; every
word is Chinese from the catalogs."""
from __future__ import annotations

import re

from tests.admin_support import browser, signed_in
from tests.hub_api_support import api  # noqa: F401  (a fixture)
from tests.hub_support import database_url  # noqa: F401  (a fixture)

ITEMS = "/api/staff/items"


def _disclose(api, item_id, target, category, period, title="<script>alert(1)</script>"):
    doc = {"id": item_id, "kind": "disclosure", "title": title, "target": target, "category": category,
           "period": period, "publisher": "居民委员会", "blocks": [{"type": "paragraph", "text": "收支明细"}]}
    assert api.call("admin", "POST", ITEMS, json=doc).status_code == 201
    assert api.call("admin", "POST", f"{ITEMS}/{item_id}/publish").status_code == 200


def _cells(html: str) -> list[str]:
    return re.findall(r'class="cell-(\w+)"', html)


def test_a_street_officer_sees_who_still_owes_what(api):  # noqa: F811
    _disclose(api, "fin-a", "c-a", "财务公开", "2026-10", title="2026年10月财务收支公示")
    _disclose(api, "gov-b", "c-b", "政务公开", "2026-10")  # the hostile default title
    _disclose(api, "party-s1", "s1", "党务公开", "2026-Q4")  # a quarter ending in December: not October's
    client = signed_in(api, "ed-s1")
    page = client.get("/admin/compliance?node=s1&period=2026-10")
    assert page.status_code == 200, page.text
    html = page.text
    assert "公开日" in html and "财务公开" in html and "已逾期" in html
    assert "c-a" in html and "c-b" in html and "c-c" not in html  # another street's centre
    cells = _cells(html)
    assert len(cells) == 8 and cells.count("published") == 2 and cells.count("late") == 6
    # a published cell shows the disclosure's title (escaped); its id is only in the link
    assert '<a href="/admin/items/fin-a">2026年10月财务收支公示</a>' in html and ">fin-a<" not in html
    assert '<a href="/admin/items/gov-b">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in html
    assert "<script>alert" not in html
    assert "每月 10 日（默认）" in html


def test_an_editor_sets_the_day_and_a_viewer_cannot(api):  # noqa: F811
    editor = signed_in(api, "ed-s1")
    page = editor.get("/admin/compliance?node=s1&period=2026-11")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert editor.post("/admin/compliance/day", data={"node": "s1", "day": "15", "period": "2026-11"}).status_code == 403
    saved = editor.post("/admin/compliance/day", data={"csrf": csrf, "node": "s1", "day": "15", "period": "2026-11"},
                        follow_redirects=True)
    assert saved.status_code == 200 and "公开日已保存" in saved.text and "每月 15 日（s1 设定）" in saved.text
    assert editor.post("/admin/compliance/day", data={"csrf": csrf, "node": "s1", "day": "31"}).status_code == 422
    assert editor.post("/admin/compliance/day", data={"csrf": csrf, "node": "s2", "day": "5"}).status_code == 404
    viewer = signed_in(api, "view-a")
    page = viewer.get("/admin/compliance?node=c-a")
    assert page.status_code == 200 and 'action="/admin/compliance/day"' not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert viewer.post("/admin/compliance/day", data={"csrf": csrf, "node": "c-a", "day": "5"}).status_code == 403
    assert browser(api).get("/admin/compliance", follow_redirects=False).status_code in (302, 303, 307)


def test_every_word_on_the_page_has_chinese():
    from babel.messages.pofile import read_po

    from hub.admin import web
    from tests.test_admin_items import used_msgids

    known: dict[str, str] = {}
    for domain in web.DOMAINS:
        with open(web.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{domain}.po", "rb") as fh:
            for m in read_po(fh, locale="zh_CN"):
                if m.id and m.string:
                    known.setdefault(m.id, m.string)
    mine = {m: w for m, w in used_msgids().items() if "compliance" in w or m == "Disclosure day"}
    assert mine and not [m for m in mine if m not in known]
    assert web.translations().gettext("Disclosure day") == "公开日"
