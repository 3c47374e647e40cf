"""The queue's HTTP API in-process (the real ASGI app, a real SQLite file): who may do what, every
bad request answered with a JSON error naming the problem, sessions, CSRF, lockout, events."""
from __future__ import annotations

import json
import warnings

import pytest

from tests.tickets_support import make_queue
from tickets.api import MAX_BODY, create_app
from tickets.auth import Accounts

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKEN = "kiosk-token-0123456789"
KIOSK = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app_parts(tmp_path):
    q = make_queue(tmp_path / "tickets.sqlite")
    accounts = Accounts(q.engine, q.clock, TOKEN)
    accounts.add_user("li", "correct horse")
    return q, accounts


@pytest.fixture
def client(app_parts):
    q, accounts = app_parts
    with TestClient(create_app(q, accounts)) as c:
        yield c


def login(client, user="li", password="correct horse") -> dict:
    r = client.post("/api/login", json={"user": user, "password": password})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf"]}


def issue(client, service="A", key="kiosk-a-000001", **extra):
    return client.post("/api/tickets", json={"service": service, "idempotency_key": key, **extra}, headers=KIOSK)


def test_issue_returns_the_ticket_and_the_same_key_returns_it_again(client):
    r = issue(client)
    assert r.status_code == 201
    t = r.json()
    assert (t["number"], t["service"], t["ahead"], t["state"]) == ("A001", "A", 0, "waiting")
    again = issue(client)
    assert again.status_code == 201 and again.json()["id"] == t["id"]
    assert client.get(f"/api/tickets/{t['id']}").json()["number"] == "A001"


def test_a_card_summary_gives_priority_and_is_shown_only_to_staff(client):
    t = issue(client, id_card={"name_masked": "张*明", "age": 71}).json()
    assert t["priority"] is True and "name_masked" not in t
    assert "name_masked" not in client.get(f"/api/tickets/{t['id']}").json()
    h = login(client)
    called = client.post("/api/counters/1号窗口/call-next", headers=h).json()["ticket"]
    assert (called["name_masked"], called["age_band"]) == ("张*明", "70-79")


@pytest.mark.parametrize("body, status, field", [
    (b"{garbage", 400, None),
    (b"[1, 2]", 400, None),
    (b'"text"', 400, None),
    (b"\xff\xfe", 400, None),
    (b"[" * 60_000, 400, None),  # RecursionError in the JSON parser
    (b'{"service": "A"}', 422, "idempotency_key"),
    (b'{"service": "A", "idempotency_key": 12345678901}', 422, "idempotency_key"),
    (b'{"service": "Q", "idempotency_key": "abcdefgh"}', 422, "service"),
    (b'{"service": ["A"], "idempotency_key": "abcdefgh"}', 422, "service"),
    (b'{"service": "A", "idempotency_key": "abcdefgh", "id_card": {"age": "old"}}', 422, "id_card.age"),
    (b'{"service": "A", "idempotency_key": "abcdefgh", "id_card": {"id_number": "110"}}', 422, "id_card"),
    (b'{"service": "A", "idempotency_key": "abcdefgh", "kiosk": 5}', 422, "kiosk"),
    (b'{"service": "A", "idempotency_key": "abcdefgh", "id_card": {"age": 1' + b"0" * 5000 + b"}}", 400, None),
])
def test_bad_issue_requests_get_a_json_error_naming_the_field(client, body, status, field):
    r = client.post("/api/tickets", content=body, headers={**KIOSK, "Content-Type": "application/json"})
    assert r.status_code == status, r.text
    err = r.json()
    assert err["error"] and err["message"]
    assert err.get("field") == field
    assert client.get("/api/queue").json()["services"][0]["waiting"] == 0  # nothing half-written


def test_a_huge_body_is_refused_without_reading_it_all(client):
    def chunks():
        for _ in range(200 * 1024):  # would be 200 MB
            yield b"x" * 1024

    r = client.post("/api/tickets", content=chunks(), headers=KIOSK)
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    r = client.post("/api/tickets", content=b"{}", headers={**KIOSK, "Content-Length": str(MAX_BODY + 1)})
    assert r.status_code == 413


def test_who_may_do_what(client):
    t = issue(client).json()
    assert client.post("/api/counters/1号窗口/call-next").status_code == 401
    assert client.post("/api/counters/1号窗口/call-next", headers=KIOSK).status_code == 403  # a kiosk cannot call
    assert client.post("/api/tickets", json={"service": "A", "idempotency_key": "x" * 10},
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post(f"/api/tickets/{t['id']}/done", headers=KIOSK).status_code == 403
    assert client.get("/api/stats", headers=KIOSK).status_code == 403
    h = login(client)
    r = client.post("/api/tickets", json={"service": "A", "idempotency_key": "x" * 10}, headers=h)
    assert r.status_code == 403  # a counter cannot issue
    assert client.post("/api/counters/1号窗口/call-next", headers=h).status_code == 200


def test_counter_changes_need_the_csrf_token_when_signed_in_by_cookie(client):
    issue(client)
    h = login(client)
    assert client.post("/api/counters/1号窗口/call-next").json()["error"] == "csrf"
    assert client.post("/api/counters/1号窗口/call-next", headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert client.post("/api/counters/1号窗口/call-next", headers=h).status_code == 200
    me = client.get("/api/me").json()
    assert me == {"user": "li", "csrf": h["X-CSRF-Token"], "windows": None}
    client.post("/api/logout")
    assert client.get("/api/me").status_code == 401


def test_the_whole_counter_flow(client):
    a1 = issue(client, key="kiosk-a-000001").json()
    issue(client, key="kiosk-a-000002")
    h = login(client)
    called = client.post("/api/counters/1号窗口/call-next", headers=h).json()["ticket"]
    assert called["id"] == a1["id"]
    assert client.post("/api/counters/1号窗口/recall", headers=h).json()["ticket"]["recalls"] == 1
    assert client.post(f"/api/tickets/{a1['id']}/start", headers=h).json()["state"] == "serving"
    assert client.post(f"/api/tickets/{a1['id']}/done", headers=h).json()["state"] == "done"
    r = client.post(f"/api/tickets/{a1['id']}/rating", json={"level": 1}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert client.post(f"/api/tickets/{a1['id']}/rating", json={"level": 1, "reason": "态度差"},
                       headers=h).status_code == 200
    a2 = client.post("/api/counters/1号窗口/call-next", headers=h).json()["ticket"]
    moved = client.post(f"/api/tickets/{a2['id']}/transfer", json={"service": "B"}, headers=h).json()
    assert (moved["number"], moved["service"]) == ("A002", "B")
    assert client.post("/api/counters/3号窗口/pause", headers=h).json() == {"counter": "3号窗口", "paused": True}
    assert client.post("/api/counters/3号窗口/call-next", headers=h).json()["error"] == "counter_paused"
    client.post("/api/counters/3号窗口/resume", headers=h)
    assert client.post("/api/counters/3号窗口/call-next", headers=h).json()["ticket"]["number"] == "A002"
    assert client.post(f"/api/tickets/{a1['id']}/no-show", headers=h).json()["error"] == "bad_state"
    stats = client.get("/api/stats", headers=h).json()
    assert stats["services"]["A"]["issued"] == 2 and stats["services"]["A"]["ratings"]["1"] == 1
    assert client.get("/api/stats?date=yesterday", headers=h).json()["field"] == "date"


@pytest.mark.parametrize("path", ["/api/counters/9号窗口/call-next", "/api/counters/1号窗口/explode",
                                  "/api/tickets/nope/done", "/api/tickets/nope/teleport", "/api/help/abc/take",
                                  "/api/help/999/take"])
def test_unknown_things_are_named(client, path):
    h = login(client)
    r = client.post(path, headers=h)
    assert r.status_code in (404, 422) and r.json()["error"] and r.json()["message"]


def test_wrong_passwords_lock_the_name_for_a_minute(client, app_parts):
    q, _ = app_parts
    for _ in range(5):
        r = client.post("/api/login", json={"user": "li", "password": "wrong password"})
        assert r.status_code == 401 and r.json()["error"] == "bad_login"
    r = client.post("/api/login", json={"user": "li", "password": "correct horse"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    q.clock.advance(seconds=61)
    assert client.post("/api/login", json={"user": "li", "password": "correct horse"}).status_code == 200
    unknown = client.post("/api/login", json={"user": "nobody", "password": "whatever1"})
    assert unknown.status_code == 401 and unknown.json()["message"] == "wrong user name or password"
    assert client.post("/api/login", json={"user": ["li"], "password": 5}).status_code == 401


def test_help_calls_reach_staff_only_until_taken(client):
    r = client.post("/api/help", json={"terminal": "大厅1号机", "screen": "guide_detail"}, headers=KIOSK)
    assert r.status_code == 201
    hid = r.json()["id"]
    assert client.post("/api/help", json={"terminal": "", "screen": "x"}, headers=KIOSK).json()["field"] == "terminal"
    h = login(client)
    assert [c["id"] for c in client.get("/api/help", headers=h).json()["calls"]] == [hid]
    assert client.post(f"/api/help/{hid}/take", headers=h).json() == {"id": hid, "taken_by": "li"}
    assert client.post(f"/api/help/{hid}/take", headers=h).json()["error"] == "already_taken"
    assert client.get("/api/help", headers=h).json()["calls"] == []


def _read_events(client, headers=None, until=None, last_id=None) -> list[tuple[str, str, dict]]:
    hdrs = dict(headers or {})
    if last_id is not None:
        hdrs["Last-Event-ID"] = str(last_id)
    out = []
    with client.stream("GET", "/api/events", headers=hdrs) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        block: dict = {}
        for line in r.iter_lines():
            if line.startswith(("id:", "event:", "data:")):
                k, _, v = line.partition(": ")
                block[k.rstrip(":")] = v
            elif not line and "event" in block:
                out.append((block["id"], block["event"], json.loads(block["data"])))
                block = {}
                if until and until(out):
                    return out
    return out


def test_events_resume_from_last_event_id_and_hide_staff_events(client):
    first = issue(client, key="kiosk-a-000001").json()
    client.post("/api/help", json={"terminal": "大厅1号机", "screen": "home"}, headers=KIOSK)
    h = login(client)
    client.post("/api/counters/1号窗口/call-next", headers=h)
    staff_cookies = dict(client.cookies)
    client.cookies.clear()  # a display: no session
    public = _read_events(client, last_id=0, until=lambda ev: any(e[1] == "call" for e in ev))
    assert [e[1] for e in public] == ["issued", "call"]
    call = public[-1][2]
    assert (call["number"], call["counter"], call["id"]) == ("A001", "1号窗口", first["id"])
    resumed = _read_events(client, last_id=int(public[0][0]), until=lambda ev: any(e[1] == "call" for e in ev))
    assert [e[1] for e in resumed] == ["call"]
    client.cookies.update(staff_cookies)
    staff = _read_events(client, headers=h, last_id=0, until=lambda ev: any(e[1] == "call" for e in ev))
    assert [e[1] for e in staff] == ["issued", "help", "call"]
    r = client.get("/api/events", headers={"Last-Event-ID": "abc"})
    assert r.status_code == 400 and r.json()["field"] == "Last-Event-ID"


def test_a_tickets_qr_page_follows_it_without_a_name(app_parts, tmp_path):
    from tickets.server import PAGES_DIR

    q, accounts = app_parts
    with TestClient(create_app(q, accounts, pages_dir=PAGES_DIR)) as c:
        t = issue(c, id_card={"name_masked": "张*明", "age": 75}).json()
        issue(c, key="kiosk-a-000002")
        other = issue(c, key="kiosk-a-000003").json()
        page = c.get(f"/t/{other['id']}")
        assert page.status_code == 200 and "A003" in page.text and "前面还有 2 人" in page.text
        assert "张" not in c.get(f"/t/{t['id']}").text
        h = login(c)
        c.post("/api/counters/1号窗口/call-next", headers=h)
        assert "轮到您了，请到 1号窗口 办理" in c.get(f"/t/{t['id']}").text
        missing = c.get("/t/<script>")
        assert missing.status_code == 404 and "<script>" not in missing.text and "号码仅当日有效" in missing.text
        assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_every_route_is_in_the_docs(app_parts):
    import re
    from pathlib import Path

    from fastapi.routing import APIRoute

    from tickets.server import PAGES_DIR

    docs = (Path(__file__).resolve().parent.parent / "docs" / "tickets.md").read_text(encoding="utf-8")
    documented = {re.sub(r"\{[^}]*\}", "{}", p) for p in re.findall(r"(/(?:api|t|healthz)[^\s`|?]*)", docs)}
    q, accounts = app_parts
    app = create_app(q, accounts, pages_dir=PAGES_DIR)
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith(("/api", "/t/", "/healthz")):
            path = re.sub(r"\{[^}]*\}", "{}", route.path)
            if path.endswith("/{}/{}"):  # the generic action routes: every action is documented by name
                continue
            assert path in documented, f"{route.path} is not in docs/tickets.md"


def test_a_user_limited_to_windows_calls_only_there(client, app_parts):
    _q, accounts = app_parts
    accounts.add_user("wang", "window three", windows=["3号窗口"])
    assert ("wang", ["3号窗口"]) in accounts.list_users() and ("li", None) in accounts.list_users()
    b = issue(client, service="B", key="kiosk-b-000001").json()
    issue(client, service="A", key="kiosk-a-000001")
    r = client.post("/api/login", json={"user": "wang", "password": "window three"})
    assert r.json()["windows"] == ["3号窗口"]
    h = {"X-CSRF-Token": r.json()["csrf"]}
    assert client.get("/api/me").json()["windows"] == ["3号窗口"]
    refused = client.post("/api/counters/1号窗口/call-next", headers=h)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden_window"
    assert client.post("/api/counters/3号窗口/call-next", headers=h).json()["ticket"]["id"] == b["id"]
    h_li = login(client)  # li may call anywhere; the A ticket is then at window 1
    a = client.post("/api/counters/1号窗口/call-next", headers=h_li).json()["ticket"]
    r = client.post("/api/login", json={"user": "wang", "password": "window three"})
    h = {"X-CSRF-Token": r.json()["csrf"]}
    assert client.post(f"/api/tickets/{a['id']}/done", headers=h).json()["error"] == "forbidden_window"
    assert client.post(f"/api/tickets/{b['id']}/done", headers=h).json()["state"] == "done"
    with pytest.raises(Exception):
        accounts.add_user("zhao", "long enough", windows=[])


def test_an_older_queue_file_is_brought_up_to_date(tmp_path):
    import sqlite3

    from tickets import db

    path = tmp_path / "tickets.sqlite"
    con = sqlite3.connect(path)  # what schema 1 wrote: users without windows
    con.executescript("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value TEXT NOT NULL);"
                      "INSERT INTO meta VALUES ('schema_version', '1');"
                      "CREATE TABLE users (name VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL, created_at VARCHAR NOT NULL);"
                      "INSERT INTO users VALUES ('li', 'x', '2026-12-01');")
    con.close()
    engine = db.make_engine(path)
    db.create_schema(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, windows FROM users").all() == [("li", None)]
        assert conn.exec_driver_sql("SELECT value FROM meta WHERE key='schema_version'").scalar() == str(db.SCHEMA_VERSION)
