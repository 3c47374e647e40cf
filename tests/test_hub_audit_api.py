"""`GET /api/staff/audit` on SQLite and PostgreSQL: an admin sees every entry; a community's editor
or viewer sees the entries about their nodes, the nodes above them, the items that target those and
their centre's terminals -- not another centre's, nor users or keys; keyset pages backwards."""
from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image
from sqlalchemy import insert

from hub import audit, db, org, terminals
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_files import USERS, staff_hub  # noqa: F401  (a fixture)
from tests.upload_support import save


def add_item(engine, item_id: str, target: str) -> None:
    """An item row as the items API makes one, with its audit entry in the same transaction."""
    with engine.begin() as conn:
        conn.execute(insert(db.items).values(id=item_id, kind="notice", target=target, draft={"title": item_id},
                                             revision=0, created_at=db.utcnow(), created_by="admin"))
        audit.record(conn, "admin", "item.create", f"item:{item_id}", None, {"target": target})


def enrol(engine, centre: str) -> str:
    code, _ = org.create_code(engine, "cli", centre, dt.timedelta(hours=1))
    terminal, _ = terminals.enroll(engine, code, f"lobby of {centre}", None, "10.0.0.1")
    return terminal.id


@pytest.fixture
def history(staff_hub):
    """Items at the street and at each centre, a terminal in each centre, an upload by each editor."""
    engine = staff_hub.engine
    for user in USERS:
        staff_hub.auth(user)  # everyone exists before the history begins
    for item_id, target in (("notice-street", "s1"), ("notice-a", "centre-a"), ("notice-b", "centre-b"),
                            ("notice-district", "d1")):
        add_item(engine, item_id, target)
    term_a, term_b = enrol(engine, "centre-a"), enrol(engine, "centre-b")
    shas = {}
    for user, colour in (("ed-a", "red"), ("ed-b", "blue")):
        resp = staff_hub.upload(user, save(Image.new("RGB", (8, 8), colour), "PNG"))
        assert resp.status_code == 200, resp.text
        shas[user] = resp.json()["sha256"]
    return staff_hub, term_a, term_b, shas


def entries(hub, user, **params) -> list[dict]:
    resp = hub.client.get("/api/staff/audit", params={"limit": 500, **params}, headers=hub.auth(user))
    assert resp.status_code == 200, resp.text
    return resp.json()["entries"]


def test_a_centre_sees_its_own_history_and_not_another_centres(history):
    hub, term_a, term_b, shas = history
    for user in ("ed-a", "view-a"):
        targets = {e["target"] for e in entries(hub, user)}
        assert {"node:d1", "node:s1", "node:centre-a", "item:notice-street", "item:notice-a",
                "item:notice-district", f"terminal:{term_a}"} <= targets, user
        assert not targets & {"node:centre-b", "item:notice-b", f"terminal:{term_b}", f"blob:{shas['ed-b']}"}
        assert not any(t.startswith(("user:", "key:")) for t in targets)
    assert f"blob:{shas['ed-a']}" in {e["target"] for e in entries(hub, "ed-a")}  # one's own uploads
    assert f"blob:{shas['ed-a']}" not in {e["target"] for e in entries(hub, "view-a")}

    b_targets = {e["target"] for e in entries(hub, "ed-b")}
    assert {"node:centre-b", "item:notice-b", f"terminal:{term_b}", "item:notice-street"} <= b_targets
    assert not b_targets & {"node:centre-a", "item:notice-a", f"terminal:{term_a}"}

    street = {e["target"] for e in entries(hub, "ed-s1")}  # the street's editor: both centres below it
    assert {"item:notice-a", "item:notice-b", f"terminal:{term_a}", f"terminal:{term_b}"} <= street

    everything = entries(hub, "admin")
    assert {"user:ed-a", f"blob:{shas['ed-b']}", "node:centre-b"} <= {e["target"] for e in everything}
    # asking for another centre's item by name finds nothing, as if it did not exist
    assert entries(hub, "ed-a", target="item:notice-b") == []
    assert [e["action"] for e in entries(hub, "admin", target="item:notice-b")] == ["item.create"]


def test_entries_are_newest_first_with_utc_times_and_filters(history):
    hub, term_a, _, shas = history
    everything = entries(hub, "admin")
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    newest = everything[0]
    assert (newest["actor"], newest["action"], newest["target"]) == ("ed-b", "file.upload", f"blob:{shas['ed-b']}")
    assert newest["before"] is None and newest["after"]["mime"] == "image/png"
    for entry in everything:
        at = dt.datetime.fromisoformat(entry["at"])
        assert at.utcoffset() == dt.timedelta(0) and abs(at - db.utcnow()) < dt.timedelta(minutes=5)
    mine = entries(hub, "admin", actor="ed-a")
    assert [(e["action"], e["target"]) for e in mine] == [("file.upload", f"blob:{shas['ed-a']}")]
    enrolled = entries(hub, "view-a", target=f"terminal:{term_a}")
    assert [(e["actor"], e["action"]) for e in enrolled] == [("terminal", "terminal.enroll")]


def test_pages_go_backwards_by_id_without_gaps_or_repeats(history):
    hub = history[0]
    for user in ("admin", "ed-a"):
        whole = entries(hub, user)
        seen, before = [], None
        while True:
            params = {"limit": 3, **({"before_id": before} if before else {})}
            resp = hub.client.get("/api/staff/audit", params=params, headers=hub.auth(user))
            page = resp.json()
            assert len(page["entries"]) <= 3
            seen += page["entries"]
            before = page["next_before_id"]
            if before is None:
                break
            assert before == page["entries"][-1]["id"]
        assert seen == whole and len(whole) > 6, user


def test_refusals(history):
    hub = history[0]
    assert hub.client.get("/api/staff/audit").status_code == 401
    for params in ({"limit": 0}, {"limit": 501}, {"before_id": -1}, {"limit": "many"}, {"target": "x" * 201}):
        resp = hub.client.get("/api/staff/audit", params=params, headers=hub.auth("ed-a"))
        assert resp.status_code == 422 and resp.json()["error"] == "bad_request", params
