"""A terminal's heartbeat history (hub.history, GET /api/staff/terminals/{id}/history) against the
real app on SQLite and PostgreSQL: a row per accepted heartbeat, newest first with the fields a
terminal page shows, old rows pruned, and another centre's staff answered 404."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from hub import db, history, org, terminals
from sync.wire import Heartbeat
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)
from tests.test_hub_terminals import beat

NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.timezone.utc)


def parsed() -> Heartbeat:
    return Heartbeat.model_validate_json(json.dumps(beat()))


def enroll(api, centre: str = "c-a") -> tuple[str, str]:
    code = org.create_code(api.engine, "admin", centre, dt.timedelta(hours=1))[0]
    r = api.client.post("/api/v1/enroll", json={"code": code, "name": "大厅 1", "hardware": {"model": "Raspberry Pi 5"}})
    assert r.status_code == 200, r.text
    return r.json()["terminal_id"], r.json()["token"]


def send(api, token: str, **changes) -> None:
    r = api.client.post("/api/v1/heartbeat", json=beat(**changes), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def logged(api, terminal_id: str) -> int:
    with api.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(db.heartbeat_log)
                            .where(db.heartbeat_log.c.terminal_id == terminal_id)).scalar()


def test_every_heartbeat_is_a_history_row_newest_first(api):
    tid, token = enroll(api)
    send(api, token, disk_free_bytes=8 << 30)
    send(api, token, version_shown="v2", printer={"state": "paper_out", "detail": "DLE EOT 4: paper end"},
         last_error="print failed", disk_free_bytes=4 << 30)
    r = api.call("ed-a", "GET", f"/api/staff/terminals/{tid}/history")
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    assert [e["version_shown"] for e in entries] == ["v2", "v1"] and logged(api, tid) == 2
    newest = entries[0]
    assert newest["printer"] == {"state": "paper_out", "detail": "DLE EOT 4: paper end"}
    assert newest["reader"] == {"state": "ready", "detail": None}
    assert (newest["disk_free_pct"], newest["last_error"], entries[1]["disk_free_pct"]) == (12.5, "print failed", 25.0)
    assert dt.datetime.fromisoformat(newest["at"]) >= dt.datetime.fromisoformat(entries[1]["at"])
    assert api.call("ed-a", "GET", f"/api/staff/terminals/{tid}/history?limit=1").json()["entries"] == entries[:1]


def test_a_refused_heartbeat_leaves_no_row(api):
    tid, token = enroll(api)
    r = api.client.post("/api/v1/heartbeat", json=beat(disk_free_bytes=64 << 30),
                        headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and logged(api, tid) == 0


def test_since_and_pruning_by_the_hubs_clock(api):
    tid, _ = enroll(api)
    other, _ = enroll(api, "c-b")
    terminal = terminals.Terminal(tid, "c-a")
    for days_ago in (20, 16, 13, 1):
        terminals.heartbeat(api.engine, terminal, parsed(), now=NOW - dt.timedelta(days=days_ago))
    terminals.heartbeat(api.engine, terminals.Terminal(other, "c-b"), parsed(),
                        now=NOW - dt.timedelta(days=30))
    # each heartbeat dropped its own terminal's rows older than 14 days: the 20- and 16-day-old ones
    assert logged(api, tid) == 2
    r = api.call("admin", "GET", f"/api/staff/terminals/{tid}/history",
                 params={"since": (NOW - dt.timedelta(days=2)).isoformat()})
    assert [e["at"] for e in r.json()["entries"]] == [(NOW - dt.timedelta(days=1)).isoformat()]
    # the sweep takes a silent terminal's old rows too
    assert logged(api, other) == 1
    with api.engine.begin() as conn:
        assert history.prune(conn, NOW) == 1
    assert (logged(api, other), logged(api, tid)) == (0, 2)


def test_history_is_hidden_from_another_centres_staff(api):
    tid, token = enroll(api)
    send(api, token)
    for user in ("ed-a", "view-a", "ed-s1", "ed-d1", "admin"):
        assert api.call(user, "GET", f"/api/staff/terminals/{tid}/history").status_code == 200, user
    r = api.call("ed-b", "GET", f"/api/staff/terminals/{tid}/history")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert api.call("admin", "GET", "/api/staff/terminals/t-nope/history").status_code == 404
    assert api.call(None, "GET", f"/api/staff/terminals/{tid}/history").status_code == 401
    bad = api.call("admin", "GET", f"/api/staff/terminals/{tid}/history?since=yesterday")
    assert bad.status_code == 422 and bad.json()["field"] == "since"
    assert api.call("admin", "GET", f"/api/staff/terminals/{tid}/history?limit=0").status_code == 422
