"""The staff API for content on the real app (TestClient), SQLite and PostgreSQL: who may list,
read, create, change, publish and withdraw what; drafts against published revisions and the
centres' manifests; listing filters and pages; the organisation tree."""
from __future__ import annotations

import json

from sqlalchemy import select

from hub import db, publish
from tests.hub_api_support import api, database_url, guide, notice  # noqa: F401  (fixtures)

ITEMS = "/api/staff/items"


def centre_item(node: str) -> dict:
    return {"id": node, "kind": "centre", "title": f"{node} 党群服务中心", "target": node,
            "name": f"{node} 党群服务中心", "address": "幸福路1号"}


def made(resp, status=201) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [row["id"] for row in resp.json()["items"]]


def manifest_of(api, centre: str):
    with api.engine.connect() as conn:
        return publish.current(conn, centre)


def manifest_ids(api, centre: str) -> set[str]:
    return {i["id"] for i in json.loads(manifest_of(api, centre).body)["items"]}


def test_an_editor_of_one_centre_cannot_see_or_touch_another(api):
    made(api.call("ed-b", "POST", ITEMS, json=guide("b-guide", "c-b")))
    before = made(api.call("admin", "GET", f"{ITEMS}/b-guide"), 200)
    made(api.call("ed-a", "POST", ITEMS, json=guide("a-guide", "c-a")))

    assert ids(api.call("ed-a", "GET", ITEMS)) == ["a-guide"]
    assert ids(api.call("ed-a", "GET", ITEMS, params={"q": "b-guide"})) == []
    missing = api.call("ed-a", "GET", f"{ITEMS}/no-such-item").json()
    for method, path, body in (("GET", "/b-guide", None), ("PUT", "/b-guide", guide("b-guide", "c-b")),
                               ("DELETE", "/b-guide", None), ("POST", "/b-guide/publish", None)):
        resp = api.call("ed-a", method, ITEMS + path, json=body)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["error"] == missing["error"] == "not_found"  # the same answer as for no item at all
    hidden, absent = (api.call("ed-a", "GET", ITEMS, params={"centre": c}) for c in ("c-b", "c-zz"))
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == {**absent.json(), "message": absent.json()["message"].replace("c-zz", "c-b")}

    into_b = api.call("ed-a", "POST", ITEMS, json=guide("sneaky", "c-b"))
    assert into_b.status_code == 422 and into_b.json()["field"] == "target"
    moved = api.call("ed-a", "PUT", f"{ITEMS}/a-guide", json=guide("a-guide", "c-b"))
    assert moved.status_code == 422 and moved.json()["field"] == "target"

    assert made(api.call("admin", "GET", f"{ITEMS}/b-guide"), 200) == before
    assert made(api.call("admin", "GET", f"{ITEMS}/a-guide"), 200)["target"] == "c-a"
    assert api.call("admin", "GET", f"{ITEMS}/sneaky").status_code == 404


def test_a_viewer_reads_and_every_write_is_403(api):
    made(api.call("admin", "POST", ITEMS, json=centre_item("c-a")))
    made(api.call("admin", "POST", f"{ITEMS}/c-a/publish"), 200)
    made(api.call("ed-a", "POST", ITEMS, json=guide("a-guide", "c-a")))

    assert ids(api.call("view-a", "GET", ITEMS)) == ["a-guide", "c-a"]
    assert made(api.call("view-a", "GET", f"{ITEMS}/a-guide"), 200)["state"] == "draft"
    for method, path, body in (("POST", "", guide("v-guide", "c-a")), ("PUT", "/a-guide", guide("a-guide", "c-a")),
                               ("DELETE", "/a-guide", None), ("POST", "/a-guide/publish", None),
                               ("POST", "/c-a/publish", None)):
        resp = api.call("view-a", method, ITEMS + path, json=body)
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.json()["error"] == "forbidden"
    assert made(api.call("admin", "GET", f"{ITEMS}/a-guide"), 200)["revision"] == 0


def test_an_editor_of_a_street_reaches_its_communities_not_others(api):
    for item_id, target in (("s-guide", "s1"), ("a-guide", "c-a"), ("b-guide", "c-b")):
        made(api.call("ed-s1", "POST", ITEMS, json=guide(item_id, target)))
    assert api.call("ed-s1", "POST", ITEMS, json=guide("c-guide", "c-c")).json()["field"] == "target"
    above = api.call("ed-s1", "POST", ITEMS, json=guide("d-guide", "d1"))  # readable (it reaches s1), not theirs
    assert above.status_code == 403 and above.json()["field"] == "target"
    made(api.call("admin", "POST", ITEMS, json=guide("d-guide", "d1")))
    made(api.call("admin", "POST", ITEMS, json=guide("c-guide", "c-c")))

    assert ids(api.call("ed-s1", "GET", ITEMS)) == ["a-guide", "b-guide", "d-guide", "s-guide"]
    # content for the street and the district reaches centre A: its editor reads it, cannot change it
    assert ids(api.call("ed-a", "GET", ITEMS, params={"centre": "c-a"})) == ["a-guide", "d-guide", "s-guide"]
    assert api.call("ed-a", "PUT", f"{ITEMS}/s-guide", json=guide("s-guide", "s1")).status_code == 403
    # a district editor reaches everything below
    assert ids(api.call("ed-d1", "GET", ITEMS)) == ["a-guide", "b-guide", "c-guide", "d-guide", "s-guide"]
    assert ids(api.call("admin", "GET", ITEMS, params={"centre": "c-c"})) == ["c-guide", "d-guide"]


def test_tokens_of_disabled_users_and_revoked_tokens_are_refused(api):
    from hub import accounts

    token = api.add_user("leaver", "editor", "c-a")
    made(api.call("leaver", "POST", ITEMS, json=guide("l-guide", "c-a")))
    with api.engine.begin() as conn:
        conn.execute(db.users.update().where(db.users.c.name == "leaver").values(disabled=True))
    assert api.call("leaver", "GET", ITEMS).status_code == 401
    assert api.call("leaver", "PUT", f"{ITEMS}/l-guide", json=guide("l-guide", "c-a")).status_code == 401

    assert accounts.revoke_token(api.engine, "test", api.tokens["ed-a"])
    for method, body in (("GET", None), ("POST", guide("x-guide", "c-a"))):
        resp = api.call("ed-a", method, ITEMS, json=body)
        assert resp.status_code == 401 and resp.json()["error"] == "unauthorized"
    assert api.call(None, "GET", ITEMS).status_code == 401
    assert api.call(None, "GET", ITEMS, headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert made(api.call("admin", "GET", f"{ITEMS}/l-guide"), 200)["draft_by"] == "leaver"


def test_drafts_reach_terminals_only_when_published(api):
    made(api.call("admin", "POST", ITEMS, json=centre_item("c-a")))
    assert manifest_of(api, "c-a") is None  # nothing published yet
    assert made(api.call("admin", "POST", f"{ITEMS}/c-a/publish"), 200)["revision"] == 1
    first = manifest_of(api, "c-a").version

    g = made(api.call("ed-a", "POST", ITEMS, json=guide("g1", "c-a", title="低保申请")))
    assert (g["state"], g["revision"], g["published"]) == ("draft", 0, None)
    assert manifest_of(api, "c-a").version == first

    pub = made(api.call("ed-a", "POST", f"{ITEMS}/g1/publish"), 200)
    assert (pub["state"], pub["revision"], pub["draft"], pub["published_by"]) == ("published", 1, None, "ed-a")
    second = manifest_of(api, "c-a").version
    assert second != first and manifest_ids(api, "c-a") == {"c-a", "g1"}
    assert made(api.call("ed-a", "POST", f"{ITEMS}/g1/publish"), 409)["message"].startswith("nothing to publish")

    edited = made(api.call("ed-a", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-a", title="最低生活保障申请")), 200)
    assert (edited["state"], edited["revision"]) == ("changed", 1)
    assert (edited["draft"]["title"], edited["published"]["title"]) == ("最低生活保障申请", "低保申请")
    row = next(r for r in api.call("ed-a", "GET", ITEMS).json()["items"] if r["id"] == "g1")
    assert (row["state"], row["title"]) == ("changed", "最低生活保障申请")
    assert manifest_of(api, "c-a").version == second
    assert ids(api.call("ed-a", "GET", ITEMS, params={"state": "changed"})) == ["g1"]
    assert ids(api.call("ed-a", "GET", ITEMS, params={"state": "published"})) == ["c-a"]

    again = made(api.call("ed-a", "POST", f"{ITEMS}/g1/publish"), 200)
    assert (again["state"], again["revision"], again["published"]["title"]) == ("published", 2, "最低生活保障申请")
    third = manifest_of(api, "c-a").version
    assert third != second

    gone = made(api.call("ed-a", "DELETE", f"{ITEMS}/g1"), 200)
    assert gone["state"] == "deleted" and manifest_ids(api, "c-a") == {"c-a"}
    assert made(api.call("ed-a", "DELETE", f"{ITEMS}/g1"), 409)["error"] == "conflict"
    assert ids(api.call("ed-a", "GET", ITEMS, params={"state": "deleted"})) == ["g1"]
    assert api.call("ed-a", "POST", ITEMS, json=guide("g1", "c-a")).status_code == 409  # deleted ids stay taken

    # a deleted item comes back by publishing a new draft
    made(api.call("ed-a", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-a", title="低保")), 200)
    back = made(api.call("ed-a", "POST", f"{ITEMS}/g1/publish"), 200)
    assert (back["state"], back["revision"]) == ("published", 3) and "g1" in manifest_ids(api, "c-a")
    with api.engine.connect() as conn:
        revs = conn.execute(select(db.item_revisions.c.revision).where(db.item_revisions.c.item_id == "g1")).scalars()
        assert sorted(revs) == [1, 2, 3]


def test_a_publish_that_would_break_a_reference_is_refused(api):
    made(api.call("admin", "POST", ITEMS, json=centre_item("c-a")))
    made(api.call("admin", "POST", f"{ITEMS}/c-a/publish"), 200)
    version = manifest_of(api, "c-a").version
    made(api.call("ed-a", "POST", ITEMS, json=guide("g1", "c-a", ticket_service="Z")))
    refused = made(api.call("ed-a", "POST", f"{ITEMS}/g1/publish"), 422)
    assert refused["field"] == "ticket_service" and "'Z'" in refused["message"]
    after = made(api.call("ed-a", "GET", f"{ITEMS}/g1"), 200)
    assert (after["state"], after["revision"]) == ("draft", 0) and manifest_of(api, "c-a").version == version

    missing_image = {"id": "s1-slide", "kind": "slide", "title": "宣传", "target": "c-a", "image": "ab" * 32}
    made(api.call("ed-a", "POST", ITEMS, json=missing_image))
    assert made(api.call("ed-a", "POST", f"{ITEMS}/s1-slide/publish"), 422)["field"] == "blobs"


def test_moving_an_item_needs_both_centres_and_takes_effect_on_publish(api):
    for node in ("c-a", "c-b"):
        made(api.call("admin", "POST", ITEMS, json=centre_item(node)))
        made(api.call("admin", "POST", f"{ITEMS}/{node}/publish"), 200)
    made(api.call("ed-s1", "POST", ITEMS, json=guide("g1", "c-a")))
    made(api.call("ed-s1", "POST", f"{ITEMS}/g1/publish"), 200)

    assert api.call("ed-a", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-b")).json()["field"] == "target"
    moved = made(api.call("ed-s1", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-b")), 200)
    assert (moved["target"], moved["draft"]["target"]) == ("c-a", "c-b")  # terminals still show it at A
    assert "g1" in manifest_ids(api, "c-a") and "g1" not in manifest_ids(api, "c-b")
    assert made(api.call("ed-s1", "POST", f"{ITEMS}/g1/publish"), 200)["target"] == "c-b"
    assert "g1" not in manifest_ids(api, "c-a") and "g1" in manifest_ids(api, "c-b")
    assert api.call("ed-a", "GET", f"{ITEMS}/g1").status_code == 404
    assert made(api.call("ed-b", "GET", f"{ITEMS}/g1"), 200)["revision"] == 2


def test_listing_filters_by_kind_and_text_and_pages(api):
    for n in range(7):
        made(api.call("ed-a", "POST", ITEMS, json=guide(f"guide-{n}", "c-a", title=f"指南 Residence {n}")))
    made(api.call("ed-a", "POST", ITEMS, json=notice("notice-1", "c-a", title="停电通知 100%_done")))

    assert ids(api.call("ed-a", "GET", ITEMS, params={"kind": "notice"})) == ["notice-1"]
    assert len(ids(api.call("ed-a", "GET", ITEMS, params={"q": "RESIDENCE"}))) == 7
    assert ids(api.call("ed-a", "GET", ITEMS, params={"q": "停电"})) == ["notice-1"]
    assert ids(api.call("ed-a", "GET", ITEMS, params={"q": "GUIDE-3"})) == ["guide-3"]
    assert ids(api.call("ed-a", "GET", ITEMS, params={"q": "%_"})) == ["notice-1"]  # LIKE's wildcards are text
    page = api.call("ed-a", "GET", ITEMS, params={"kind": "guide", "limit": 3, "offset": 3}).json()
    assert [r["id"] for r in page["items"]] == ["guide-3", "guide-4", "guide-5"]
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 3)

    for params, field in (({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"),
                          ({"kind": "poster"}, "kind"), ({"state": "gone"}, "state"), ({"q": "x" * 201}, "q")):
        resp = api.call("ed-a", "GET", ITEMS, params=params)
        assert resp.status_code == 422 and resp.json()["field"] == field, (params, resp.text)
    assert api.call("ed-a", "GET", ITEMS, params={"centre": "nowhere"}).status_code == 404


def test_the_tree_each_user_sees_and_only_admins_add_to_it(api):
    nodes = made(api.call("ed-a", "GET", "/api/staff/nodes"), 200)["nodes"]
    assert [(n["id"], n["writable"]) for n in nodes] == [("d1", False), ("s1", False), ("c-a", True)]
    everything = made(api.call("admin", "GET", "/api/staff/nodes"), 200)["nodes"]
    assert [n["id"] for n in everything] == ["d1", "s1", "s2", "c-a", "c-b", "c-c"]

    new = {"id": "c-d", "kind": "community", "name": "D社区", "parent": "s2"}
    assert made(api.call("ed-d1", "POST", "/api/staff/nodes", json=new), 403)["error"] == "forbidden"
    assert made(api.call("admin", "POST", "/api/staff/nodes", json=new))["id"] == "c-d"
    assert made(api.call("admin", "POST", "/api/staff/nodes", json=new), 409)["field"] == "id"
    for body, field in (({**new, "id": "c-e", "parent": "c-a"}, "parent"), ({**new, "id": "../x"}, "id"),
                        ({**new, "id": "c-e", "kind": "village"}, "kind"), ({**new, "id": "c-e", "extra": 1}, "extra"),
                        ({"id": "c-e", "kind": "community", "parent": "s2"}, "name")):
        assert made(api.call("admin", "POST", "/api/staff/nodes", json=body), 422)["field"] == field, body
    assert "c-d" in [n["id"] for n in made(api.call("ed-d1", "GET", "/api/staff/nodes"), 200)["nodes"]]


def test_two_creations_of_one_id_at_once_give_one_item_and_one_409(api):
    import threading

    for n in range(5):
        barrier, answers = threading.Barrier(2), []

        def create(user, n=n, barrier=barrier, answers=answers):
            barrier.wait()
            answers.append(api.call(user, "POST", ITEMS, json=guide(f"race-{n}", "c-a", title=user)).status_code)

        threads = [threading.Thread(target=create, args=(user,)) for user in ("ed-a", "ed-s1")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(answers) == [201, 409], answers
    assert len(ids(api.call("ed-a", "GET", ITEMS))) == 5
