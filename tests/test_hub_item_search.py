"""The content list's search (hub.item_search through GET /api/staff/items?q=, which the admin
list shares): Chinese, full pinyin and initials over title, keywords and category, ranked as the
terminal ranks; kept up to date on create, draft and publish; filled by the migration to 0006 for
items already on a hub. SQLite and PostgreSQL."""
from __future__ import annotations

import json

from sqlalchemy import insert, select, update

from hub import db, migrate
from tests.hub_api_support import api, database_url, guide, notice  # noqa: F401  (fixtures)

ITEMS = "/api/staff/items"


def _ids(api, user: str, q: str, **params) -> list[str]:
    resp = api.call(user, "GET", ITEMS, params={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return [row["id"] for row in resp.json()["items"]]


def _add(api, doc: dict, user: str = "admin") -> None:
    resp = api.call(user, "POST", ITEMS, json=doc)
    assert resp.status_code == 201, resp.text


def test_pinyin_initials_and_chinese_find_items_ranked(api):
    _add(api, guide("g-dibao", "c-a", title="低保申请", keywords=["最低生活保障"], category="社会救助"))
    _add(api, guide("g-canji", "c-a", title="残疾人证办理", keywords=["低保户补贴"]))
    _add(api, guide("g-other", "c-a", title="居住证办理", category="户籍办理"))
    _add(api, notice("n-power", "c-a", title="停电通知"))

    assert _ids(api, "admin", "dbsq") == ["g-dibao"]
    assert _ids(api, "admin", "dibao") == ["g-dibao", "g-canji"]  # the title's match before the keyword's
    assert _ids(api, "admin", "低保") == ["g-dibao", "g-canji"]
    assert _ids(api, "admin", "低保sq") == ["g-dibao"]  # mixed input, as on the terminal
    assert _ids(api, "admin", "tdtz") == ["n-power"]
    assert _ids(api, "admin", "hjbl") == ["g-other"]  # a category's initials
    assert _ids(api, "admin", "shehuijiuzhu") == ["g-dibao"]
    assert _ids(api, "admin", "BanLi") == ["g-canji", "g-other"]  # case and order of ids for equal ranks
    assert _ids(api, "admin", "zzz") == []
    assert _ids(api, "admin", "dbsq", kind="notice") == []  # with the other filters
    assert _ids(api, "admin", "g-can") == ["g-canji"]  # an id's part
    assert _ids(api, "admin", "n-power") == ["n-power"]
    both = api.call("admin", "GET", ITEMS, params={"q": "bl", "limit": 1, "offset": 1}).json()
    assert both["total"] == 2 and [r["id"] for r in both["items"]] == ["g-other"]


def test_a_draft_and_a_publish_change_what_is_found(api):
    _add(api, notice("n-1", "c-a", title="停电通知"))
    assert api.call("admin", "PUT", f"{ITEMS}/n-1", json=notice("n-1", "c-a", title="停水通知")).status_code == 200
    assert _ids(api, "admin", "tstz") == ["n-1"] and _ids(api, "admin", "tdtz") == []
    _add(api, {"id": "c-a", "kind": "centre", "title": "A社区党群服务中心", "target": "c-a", "name": "A社区中心",
               "address": "幸福路1号"})
    for item_id in ("c-a", "n-1"):
        resp = api.call("admin", "POST", f"{ITEMS}/{item_id}/publish")
        assert resp.status_code == 200, resp.text
    assert _ids(api, "admin", "tstz") == ["n-1"]
    assert _ids(api, "admin", "asqzx") == ["c-a"]  # a centre's own name counts as a keyword
    with api.engine.connect() as conn:
        stored = conn.execute(select(db.items.c.search).where(db.items.c.id == "n-1")).scalar()
    assert stored == "0\t停水通知\ttingshuitongzhi\ttstz"


def test_another_centres_items_are_never_found(api):
    _add(api, guide("g-b", "c-b", title="低保申请"), "ed-b")
    assert _ids(api, "ed-a", "dbsq") == [] and _ids(api, "ed-b", "dbsq") == ["g-b"]


def test_an_item_without_search_text_is_found_by_its_title(api):
    """A row written by something other than hub.items / hub.publish is still searched."""
    _add(api, notice("n-1", "c-a", title="停电通知"))
    with api.engine.begin() as conn:
        conn.execute(update(db.items).where(db.items.c.id == "n-1").values(search=None))
    assert _ids(api, "admin", "tdtz") == ["n-1"]


def test_the_migration_fills_the_search_text_of_items_already_there(database_url):  # noqa: F811
    engine = db.make_engine(database_url)
    try:
        migrate.upgrade(engine, "0005")
        now = db.utcnow()
        doc = guide("g-1", "d1", title="低保申请", keywords=["救助"])
        with engine.begin() as conn:
            conn.execute(insert(db.org_nodes).values(id="d1", kind="district", name="某区", created_at=now))
            for item_id, draft, revision in (("g-1", None, 1), ("g-2", {**doc, "id": "g-2", "title": "残疾人证"}, 0)):
                conn.execute(insert(db.items).values(  # no `search` named: the column does not exist yet
                    id=item_id, kind="guide", target="d1", draft=draft, revision=revision, created_at=now,
                         created_by="a"))
            conn.execute(insert(db.item_revisions).values(item_id="g-1", revision=1, sha256="0" * 64, size=1,
                                                          document=json.dumps(doc, ensure_ascii=False),
                                                          blob_refs=[], target="d1", published_at=now,
                                                          published_by="a"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            found = dict(conn.execute(select(db.items.c.id, db.items.c.search)).all())
        assert found == {"g-1": "0\t低保申请\tdibaoshenqing\tdbsq\n1\t救助\tjiuzhu\tjz\n2\t便民服务\tbianminfuwu\tbmfw",
                         "g-2": "0\t残疾人证\tcanjirenzheng\tcjrz\n1\t救助\tjiuzhu\tjz\n2\t便民服务\tbianminfuwu\tbmfw"}
    finally:
        engine.dispose()
