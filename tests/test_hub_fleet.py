"""The fleet view: status rules at chosen times (hub.fleet.status with `now`, and rows inserted
with chosen last-seen times read through the API), what a heartbeat shows there, and who sees and
changes which terminals (an editor of one centre cannot see, revoke or ask a screenshot of
another's: 404; a viewer cannot change: 403)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from hub import db, fleet
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_terminals import NOW, auth, beat, fleet_hub  # noqa: F401  (fleet_hub: a fixture)

MIN = dt.timedelta(minutes=1)
GB = 1 << 30


def terminal_row(**changes) -> dict:
    """A `terminals` row as a heartbeat leaves it, seen a minute before NOW and healthy."""
    row = {"id": "t-1", "name": "大厅", "centre_id": "c-a", "enrolled_at": NOW - dt.timedelta(days=3),
           "revoked_at": None, "revoked_by": None, "last_seen_at": NOW - MIN, "version_shown": "v2",
           "app_version": "0.4.0", "last_error": None, "hardware": {}, "screenshot_requested_at": None,
           "screenshot_sha256": None, "screenshot_at": None,
           "state": {"printer": {"state": "ok", "detail": None}, "reader": {"state": "ready", "detail": None},
                     "disk_free_bytes": 20 * GB, "disk_total_bytes": 32 * GB, "uptime_s": 60}}
    row.update(changes)
    return row


def state(**changes) -> dict:
    return {**terminal_row()["state"], **changes}


LATEST = fleet.Latest("v2", NOW - dt.timedelta(hours=1))


@pytest.mark.parametrize("row, latest, expected", [
    (terminal_row(), LATEST, ("ok", [])),
    (terminal_row(), None, ("ok", [])),
    (terminal_row(revoked_at=NOW - MIN, last_seen_at=None), LATEST, ("revoked", ["revoked"])),
    (terminal_row(last_seen_at=None), LATEST, ("never_seen", ["never_seen"])),
    (terminal_row(last_seen_at=NOW - 10 * MIN), LATEST, ("ok", [])),            # ten minutes: still online
    (terminal_row(last_seen_at=NOW - 10 * MIN - dt.timedelta(seconds=1)), LATEST, ("offline", ["offline"])),
    (terminal_row(last_seen_at=NOW - 11 * MIN, state=state(printer={"state": "paper_out"})), LATEST,
     ("offline", ["offline"])),
    # an older version: fine for 15 minutes after the latest was built, stale after
    (terminal_row(version_shown="v1"), fleet.Latest("v2", NOW - 15 * MIN), ("ok", [])),
    (terminal_row(version_shown="v1"), fleet.Latest("v2", NOW - 16 * MIN), ("stale", ["version:behind"])),
    (terminal_row(version_shown=None), LATEST, ("stale", ["version:behind"])),   # still on the demo
    (terminal_row(state=state(printer={"state": "paper_out"})), LATEST, ("stale", ["printer:paper_out"])),
    (terminal_row(state=state(printer={"state": "timeout"})), LATEST, ("stale", ["printer:timeout"])),
    (terminal_row(state=state(printer={"state": "near_end"})), LATEST, ("ok", [])),
    (terminal_row(state=state(printer={"state": "off"})), LATEST, ("ok", [])),  # no printer configured
    (terminal_row(state=state(reader={"state": "error", "detail": "port"})), LATEST, ("stale", ["reader:error"])),
    (terminal_row(state=state(reader={"state": "error", "detail": "invalid_card:birth"})), LATEST, ("ok", [])),
    (terminal_row(state=state(disk_free_bytes=GB, disk_total_bytes=32 * GB)), LATEST, ("stale", ["disk:low"])),
    (terminal_row(state=state(disk_free_bytes=2 * GB, disk_total_bytes=32 * GB)), LATEST, ("ok", [])),
    (terminal_row(version_shown="v1", state=state(printer={"state": "cover_open"}, reader={"state": "error"},
                                                  disk_free_bytes=0)), LATEST,
     ("stale", ["version:behind", "printer:cover_open", "reader:error", "disk:low"])),
])
def test_status_rules(row, latest, expected):
    assert fleet.status(row, latest, NOW) == expected


def test_heartbeats_show_in_the_fleet_view(fleet_hub):
    c = fleet_hub.client
    r = c.post("/api/v1/enroll", json={"code": fleet_hub.code(), "name": "大厅 1", "hardware": {"model": "Pi 5"}})
    tid, token = r.json()["terminal_id"], r.json()["token"]
    admin = fleet_hub.staff("admin")
    (row,) = c.get("/api/staff/terminals", headers=admin).json()["terminals"]
    assert (row["id"], row["status"], row["reasons"], row["last_seen_at"]) == (tid, "never_seen", ["never_seen"], None)

    fleet_hub.manifest("c-a", "v2", db.utcnow() - dt.timedelta(hours=1))
    c.post("/api/v1/heartbeat", headers=auth(token), json=beat(
        version_shown="v1", uptime_s=7200, printer={"state": "paper_out", "detail": "paper end"},
        reader={"state": "ready"}, disk_free_bytes=3 * GB, disk_total_bytes=32 * GB, last_error="print: paper_out"))
    row = c.get(f"/api/staff/terminals/{tid}", headers=admin).json()
    assert row["status"] == "stale" and row["reasons"] == ["version:behind", "printer:paper_out"]
    assert (row["name"], row["centre"], row["version_shown"], row["latest_version"], row["app_version"]) == \
        ("大厅 1", "c-a", "v1", "v2", "0.4.0")
    assert row["printer"] == {"state": "paper_out", "detail": "paper end"} and row["reader"]["state"] == "ready"
    assert (row["disk_free_bytes"], row["disk_total_bytes"], row["uptime_s"]) == (3 * GB, 32 * GB, 7200)
    assert row["last_error"] == "print: paper_out" and row["hardware"] == {"model": "Pi 5"}
    assert row["screenshot"] is None and row["screenshot_requested_at"] is None and row["enrolled_at"]

    c.post("/api/v1/heartbeat", headers=auth(token), json=beat(version_shown="v2"))
    assert c.get(f"/api/staff/terminals/{tid}", headers=admin).json()["status"] == "ok"
    with fleet_hub.engine.begin() as conn:  # the terminal falls silent
        conn.execute(update(db.terminals).values(last_seen_at=db.utcnow() - 11 * MIN))
    assert c.get(f"/api/staff/terminals/{tid}", headers=admin).json()["reasons"] == ["offline"]


def _seen(fleet_hub, tid: str, ago: dt.timedelta, **values) -> None:
    with fleet_hub.engine.begin() as conn:
        conn.execute(update(db.terminals).where(db.terminals.c.id == tid)
                     .values(last_seen_at=db.utcnow() - ago, state=state(), version_shown="v2", **values))


def test_the_list_filters_by_centre_and_status(fleet_hub):
    a1, _ = fleet_hub.enroll("c-a", "a1")
    a2, _ = fleet_hub.enroll("c-a", "a2")
    b1, _ = fleet_hub.enroll("c-b", "b1")
    _seen(fleet_hub, a1, MIN)
    _seen(fleet_hub, a2, 30 * MIN)
    c, admin = fleet_hub.client, fleet_hub.staff("admin")
    ids = lambda **q: [r["id"] for r in c.get("/api/staff/terminals", params=q, headers=admin).json()["terminals"]]  # noqa: E731
    assert ids() == [a1, a2, b1]
    assert ids(centre="c-a") == [a1, a2] and ids(centre="s1") == [a1, a2, b1] and ids(centre="c-b") == [b1]
    assert ids(status="ok") == [a1] and ids(status="offline") == [a2] and ids(status="never_seen") == [b1]
    assert ids(centre="c-a", status="never_seen") == []
    bad = c.get("/api/staff/terminals", params={"status": "broken"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    nowhere = c.get("/api/staff/terminals", params={"centre": "c-zz"}, headers=admin)
    assert nowhere.status_code == 404 and nowhere.json()["error"] == "not_found"


def test_one_centres_staff_cannot_see_or_touch_anothers_terminals(fleet_hub):
    a1, _ = fleet_hub.enroll("c-a", "a1")
    b1, b_token = fleet_hub.enroll("c-b", "b1")
    c = fleet_hub.client
    listed = lambda who, **q: c.get("/api/staff/terminals", params=q, headers=fleet_hub.staff(who))  # noqa: E731
    assert [r["id"] for r in listed("editor-a").json()["terminals"]] == [a1]
    assert [r["id"] for r in listed("viewer-a").json()["terminals"]] == [a1]
    assert [r["id"] for r in listed("editor-b").json()["terminals"]] == [b1]
    assert [r["id"] for r in listed("editor-s1").json()["terminals"]] == [a1, b1]
    assert listed("editor-a", centre="c-b").status_code == 404
    assert listed("editor-a", centre="s1").status_code == 404  # the street's fleet is not theirs

    editor_a = fleet_hub.staff("editor-a")
    for method, path in [("GET", f"/api/staff/terminals/{b1}"), ("GET", f"/api/staff/terminals/{b1}/screenshot"),
                         ("POST", f"/api/staff/terminals/{b1}/screenshot"), ("POST", f"/api/staff/terminals/{b1}/revoke"),
                         ("GET", "/api/staff/terminals/t-doesnotexist")]:
        r = c.request(method, path, headers=editor_a)
        assert r.status_code == 404 and r.json()["error"] == "not_found", (method, path, r.text)
    viewer_a = fleet_hub.staff("viewer-a")
    assert c.get(f"/api/staff/terminals/{a1}", headers=viewer_a).status_code == 200
    for path in (f"/api/staff/terminals/{a1}/revoke", f"/api/staff/terminals/{a1}/screenshot"):
        r = c.post(path, headers=viewer_a)
        assert r.status_code == 403 and r.json()["error"] == "forbidden", path
    for headers in ({}, auth(b_token), {"Authorization": "Bearer khub_wrong"}):  # a terminal is not staff
        r = c.get("/api/staff/terminals", headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    # nothing changed: b1 still answers, no request is pending, nothing was audited
    assert c.post("/api/v1/heartbeat", headers=auth(b_token), json=beat()).json()["screenshot"] is False
    with fleet_hub.engine.connect() as conn:
        actions = set(conn.execute(select(db.audit_log.c.action)).scalars())
    assert not actions & {"terminal.revoke", "terminal.screenshot_request"}
    # the street's editor may change the centres below it
    assert c.post(f"/api/staff/terminals/{b1}/revoke", headers=fleet_hub.staff("editor-s1")).json()["status"] == "revoked"
    assert c.post(f"/api/staff/terminals/{b1}/screenshot", headers=fleet_hub.staff("admin")).status_code == 409
