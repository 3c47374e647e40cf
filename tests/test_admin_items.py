"""The content pages (hub.admin.pages_items): the list with its filters and permissions, one
item's page, escaping of whatever staff typed, and the catalog of hub/admin's words."""
from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

from babel.messages.pofile import read_po

from hub import items
from hub.admin import web
from hub.perms import staff_named
from tests.admin_support import signed_in
from tests.hub_api_support import api, database_url, notice  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}}'


def _add(api, doc, publish=False):
    admin = staff_named(api.engine, "admin")
    with api.engine.begin() as conn:
        items.create(conn, admin, doc)
        if publish:
            items.publish_draft(conn, api.settings, admin, doc["id"])


def test_an_editor_sees_only_their_centres_items(api):  # noqa: F811
    _add(api, notice("n-a", "c-a", title="A社区停水通知"))
    _add(api, notice("n-b", "c-b", title="B社区停电通知"))
    _add(api, notice("n-s1", "s1", title="一街道通知"))
    client = signed_in(api, "ed-a")
    page = client.get("/admin/items")
    assert page.status_code == 200
    assert "A社区停水通知" in page.text and "一街道通知" in page.text and "B社区停电通知" not in page.text
    assert "n-b" not in page.text and "B社区" not in page.text  # not even the other centre in the filter
    assert client.get("/admin/items/n-a").status_code == 200
    missing = client.get("/admin/items/n-b")
    assert missing.status_code == 404 and "B社区停电通知" not in missing.text
    assert client.get("/admin/items/no-such-item").text == missing.text.replace("n-b", "no-such-item")
    assert client.get("/admin/items?centre=c-b").status_code == 200  # an unknown filter is ignored
    admin = signed_in(api, "admin").get("/admin/items")
    assert "B社区停电通知" in admin.text and "共 3 条" in admin.text


def test_filters_and_pages(api, monkeypatch):  # noqa: F811
    for n in range(5):
        _add(api, notice(f"n-{n}", "c-a", title=f"通知{n}号"))
    from tests.hub_api_support import guide
    _add(api, guide("g-1", "c-a", title="办理居住证"))
    client = signed_in(api, "admin")
    guides = client.get("/admin/items?kind=guide")
    assert "办理居住证" in guides.text and "通知1号" not in guides.text and "办事指南" in guides.text
    found = client.get("/admin/items?q=" + "3号")
    assert "通知3号" in found.text and "通知1号" not in found.text
    assert "共 0 条" in client.get("/admin/items?state=published").text
    assert "共 6 条" in client.get("/admin/items?state=draft&centre=c-a").text
    monkeypatch.setattr("hub.admin.pages_items.PAGE_SIZE", 4)
    first, second = client.get("/admin/items?kind=notice"), client.get("/admin/items?kind=notice&page=2")
    assert "第 1 页，共 2 页" in first.text and "/admin/items?kind=notice&amp;page=2" in first.text
    assert "通知4号" in second.text and "通知0号" not in second.text


def test_the_text_filter_is_the_terminals_search(api):  # noqa: F811
    from tests.hub_api_support import guide
    _add(api, guide("g-dibao", "c-a", title="低保申请", keywords=["最低生活保障"]))
    _add(api, guide("g-canji", "c-a", title="残疾人证办理", keywords=["低保户补贴"]))
    _add(api, notice("n-1", "c-a", title="停电通知"))
    client = signed_in(api, "ed-a")
    page = client.get("/admin/items?q=dbsq")
    assert "低保申请" in page.text and "残疾人证办理" not in page.text and "共 1 条" in page.text
    ranked = client.get("/admin/items?q=dibao").text
    assert "共 2 条" in ranked and ranked.index("低保申请") < ranked.index("残疾人证办理") and "最匹配的排在前面" in ranked
    assert "停电通知" in client.get("/admin/items?q=tdtz&kind=notice").text
    assert "共 0 条" in client.get("/admin/items?q=tdtz&kind=guide").text
    assert 'value="dbsq"' in page.text and "标题、拼音、首字母或编号" in page.text
    assert "共 0 条" in signed_in(api, "ed-b").get("/admin/items?q=dbsq").text  # another centre's


def test_the_new_menu_links_every_kind_for_those_who_may_write(api):  # noqa: F811
    kinds = ["guide", "notice", "disclosure", "slide", "centre", "ticket-service"]
    editor = signed_in(api, "ed-a")
    page = editor.get("/admin/items").text
    assert "新建" in page
    for kind in kinds:
        assert f'href="/admin/new-{kind}"' in page
    scoped = editor.get("/admin/items?centre=c-a").text
    for kind in kinds:
        assert f'href="/admin/new-{kind}?target=c-a"' in scoped
    assert "宣传轮播" in scoped and "取号业务" in scoped
    upper = signed_in(api, "ed-b").get("/admin/items?centre=c-b").text
    assert 'href="/admin/new-guide?target=c-b"' in upper
    viewer = signed_in(api, "view-a").get("/admin/items").text
    assert "/admin/new-" not in viewer and "新建" not in viewer


def test_the_item_page_shows_draft_and_published_in_chinese(api):  # noqa: F811
    _add(api, notice("n-live", "c-a", title="旧标题"), publish=True)
    admin = staff_named(api.engine, "admin")
    with api.engine.begin() as conn:
        items.replace_draft(conn, admin, "n-live", {**notice("n-live", "c-a", title="新标题")})
    page = signed_in(api, "view-a").get("/admin/items/n-live")
    assert page.status_code == 200
    for words in ("新标题", "旧标题", "通知公告", "有修改", "草稿", "已发布", "标题", "正文", "本周六上午停电检修。",
                  "admin", "普通"):
        assert words in page.text, words


def test_what_staff_typed_is_shown_as_text(api):  # noqa: F811
    _add(api, notice("n-x", "c-a", title=HOSTILE))
    client = signed_in(api, "admin")
    for path in ("/admin/items", "/admin/items/n-x", "/admin/items?q=%3Cscript%3E"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "{{7*7}}" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


# ---- the catalog ------------------------------------------------------------------------------

# _("…") / N_("…"), and F_("…") / gettext("…") as the terminals pages mark theirs
_CALL_RE = re.compile(r"""(?:\b[NF]?_|\bgettext)\(\s*((["'])(?:\\.|(?!\2).)*\2)\s*[,)]""")
_FIELD_RE = re.compile(r"%\((\w+)\)s")
PO = ROOT / "hub/locale/zh_CN/LC_MESSAGES/hub_admin.po"


def used_msgids() -> dict[str, str]:
    """{msgid: 'file:line'} of every _("...") / N_("...") in hub/admin's Python and templates."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "hub/admin").rglob("*")):
        if path.suffix in (".py", ".html"):
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for match in _CALL_RE.finditer(line):
                    found.setdefault(ast.literal_eval(match.group(1)), f"{path.relative_to(ROOT)}:{lineno}")
    return found


def po_messages(domain: str = "hub_admin") -> dict[str, str]:
    with open(PO.with_name(f"{domain}.po"), "rb") as fh:
        return {m.id: ("" if m.fuzzy else m.string) for m in read_po(fh, locale="zh_CN") if m.id}


def test_the_scan_finds_words_of_templates_and_code():
    used = used_msgids()
    for msgid in ("Sign in", "Wrong user name or password.", "Service guide", "Page %(page)s of %(pages)s"):
        assert msgid in used


def test_every_word_has_chinese_and_none_is_stale():
    """Over every domain the pages chain (web.DOMAINS): each word has Chinese in one of them, and
    every entry of each is still used somewhere in hub/admin."""
    used = used_msgids()
    catalogs = {domain: po_messages(domain) for domain in web.DOMAINS}
    known = {m for catalog in catalogs.values() for m, text in catalog.items() if text}
    missing = {m: where for m, where in used.items() if m not in known}
    assert not missing, f"untranslated (add to a catalog of web.DOMAINS): {missing}"
    for domain, catalog in catalogs.items():
        assert not set(catalog) - set(used), f"{domain}: no longer used: {sorted(set(catalog) - set(used))}"
        for msgid, msgstr in catalog.items():
            assert set(_FIELD_RE.findall(msgid)) == set(_FIELD_RE.findall(msgstr)), msgid


def test_the_mo_matches_the_po_and_domains_chain():
    for domain in web.DOMAINS:
        with open(PO.with_name(f"{domain}.mo"), "rb") as fh:
            compiled = {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if k}  # noqa: SLF001
        assert compiled == po_messages(domain), f"recompile: .venv/bin/pybabel compile -D {domain} -d hub/locale -l zh_CN"
    assert web.translations().gettext("Sign in") == "登录"
