"""GET /api/staff/items/{id}/reach: how many terminals the item reaches show it now, counted from
their heartbeats' version_shown against the centres' manifests -- within what the staff may see."""
from __future__ import annotations

from hub import org
from tests.hub_api_support import api, notice  # noqa: F401  (a fixture)
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_items import centre_item
from tests.test_hub_terminals import auth, beat

ITEMS = "/api/staff/items"


def _publish(api, doc):
    made = api.call("admin", "POST", ITEMS, json=doc)
    assert made.status_code == 201, made.text
    done = api.call("admin", "POST", f"{ITEMS}/{doc['id']}/publish")
    assert done.status_code == 200, done.text


def _version(api, token):
    answer = api.client.get("/api/v1/manifest", headers=auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["version"]


def _terminal(api, centre):
    code, _ = org.create_code(api.engine, "test", centre, org.parse_duration("1h"))
    answer = api.client.post("/api/v1/enroll", json={"code": code, "name": "大厅", "hardware": {}})
    assert answer.status_code == 200, answer.text
    return answer.json()["terminal_id"], answer.json()["token"]


def test_an_urgent_notice_says_how_many_terminals_show_it(api):
    for centre in ("c-a", "c-b"):
        _publish(api, centre_item(centre))
    (a1, tok_a1), (a2, tok_a2), (b1, tok_b1) = _terminal(api, "c-a"), _terminal(api, "c-a"), _terminal(api, "c-b")
    old_a = _version(api, tok_a1)
    _publish(api, notice("urgent-1", "s1", level="urgent", title="紧急通知：停水"))
    new_a, new_b = _version(api, tok_a1), _version(api, tok_b1)
    assert new_a != old_a
    for token, version in ((tok_a1, new_a), (tok_a2, old_a), (tok_b1, new_b)):
        assert api.client.post("/api/v1/heartbeat", json=beat(version_shown=version), headers=auth(token)).status_code == 200

    reach = api.call("admin", "GET", f"{ITEMS}/urgent-1/reach").json()
    assert (reach["centres"], reach["terminals"], reach["showing"], reach["not_showing"]) == (2, 3, 2, [a2])
    mine = api.call("ed-a", "GET", f"{ITEMS}/urgent-1/reach").json()  # an editor of c-a: its terminals only
    assert (mine["centres"], mine["terminals"], mine["showing"], mine["not_showing"]) == (1, 2, 1, [a2])
    assert api.call("ed-b", "GET", f"{ITEMS}/urgent-1/reach").json()["terminals"] == 1
    assert api.client.post("/api/v1/heartbeat", json=beat(version_shown=new_a), headers=auth(tok_a2)).status_code == 200
    assert api.call("admin", "GET", f"{ITEMS}/urgent-1/reach").json()["showing"] == 3
    assert a1 != a2 != b1


def test_reach_of_an_item_the_staff_cannot_read_is_404(api):
    _publish(api, centre_item("c-b"))
    _publish(api, notice("only-b", "c-b"))
    assert api.call("ed-a", "GET", f"{ITEMS}/only-b/reach").status_code == 404
    assert api.call("ed-a", "GET", f"{ITEMS}/nothing-here/reach").status_code == 404
    assert api.call(None, "GET", f"{ITEMS}/only-b/reach").status_code == 401
    draft = api.call("admin", "POST", ITEMS, json=notice("draft-b", "c-b"))
    assert draft.status_code == 201
    assert api.call("admin", "GET", f"{ITEMS}/draft-b/reach").json()["centres"] == 0  # not published: reaches none
