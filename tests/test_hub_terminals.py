"""The terminals' side of the wire against the real app (FastAPI's TestClient), on SQLite and on
PostgreSQL: enrolment (signed answer, one-time codes, lockout), heartbeats, stats idempotency,
screenshots on request, revocation refused at once, and hostile bodies answered with JSON.

`fleet_hub` (also used by tests/test_hub_fleet.py) is a migrated hub with a signing key, the tree
district d1 > street s1 > centres c-a and c-b, and staff: admin, editor-a / viewer-a (of c-a),
editor-b (of c-b), editor-s1 (of the street), each with an API token (made when first used)."""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin
from sqlalchemy import func, insert, select

from hub import accounts, db, events, keys, migrate, org, publish
from hub.api import create_app
from hub.settings import HubSettings
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)

PASSWORD = "a long enough password"
NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.timezone.utc)
STAFF = {"admin": ("admin", None), "editor-a": ("editor", "c-a"), "viewer-a": ("viewer", "c-a"),
         "editor-b": ("editor", "c-b"), "editor-s1": ("editor", "s1")}


@dataclass
class FleetHub:
    client: TestClient
    engine: object
    settings: HubSettings
    tokens: dict[str, str] = field(default_factory=dict)

    def staff(self, who: str) -> dict:
        """Headers for a staff member of STAFF, made on first use (argon2 takes ~0.2 s a user)."""
        if who not in self.tokens:
            role, node = STAFF[who]
            accounts.create_user(self.engine, "cli", who, PASSWORD, role, node)
            self.tokens[who] = accounts.create_token(self.engine, "cli", who)
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def code(self, centre: str = "c-a") -> str:
        return org.create_code(self.engine, "admin", centre, dt.timedelta(hours=1))[0]

    def enroll(self, centre: str = "c-a", name: str = "大厅 1") -> tuple[str, str]:
        r = self.client.post("/api/v1/enroll", json={"code": self.code(centre), "name": name,
                                                     "hardware": {"model": "Raspberry Pi 5"}})
        assert r.status_code == 200, r.text
        return r.json()["terminal_id"], r.json()["token"]

    def manifest(self, centre: str, version: str, created_at: dt.datetime) -> None:
        """A manifests row as publishing writes one (only version, seq and time matter here)."""
        with self.engine.begin() as conn:
            key_id = conn.execute(select(db.signing_keys.c.id).where(db.signing_keys.c.active.is_(True))).scalar()
            seq = conn.execute(select(func.coalesce(func.max(db.manifests.c.seq), 0))
                               .where(db.manifests.c.centre_id == centre)).scalar() + 1
            conn.execute(insert(db.manifests).values(centre_id=centre, seq=seq, version=version, body=b"{}",
                                                     signature="x", key_id=key_id, created_at=created_at))


@pytest.fixture
def fleet_hub(tmp_path, database_url):
    settings = HubSettings(data_dir=tmp_path / "hub", database=database_url)
    settings.blobs_dir.mkdir(parents=True)
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    keys.create_first(engine, settings.keys_dir, "cli")
    org.add_node(engine, "cli", "d1", "district", "某区")
    org.add_node(engine, "cli", "s1", "street", "某街道", "d1")
    org.add_node(engine, "cli", "c-a", "community", "甲社区", "s1")
    org.add_node(engine, "cli", "c-b", "community", "乙社区", "s1")
    try:
        with TestClient(create_app(settings)) as client:
            yield FleetHub(client, engine, settings)
    finally:
        engine.dispose()


def beat(**changes) -> dict:
    body = {"version_shown": "v1", "app_version": "0.4.0", "uptime_s": 3600, "disk_free_bytes": 20 << 30,
            "disk_total_bytes": 32 << 30, "printer": {"state": "ok"}, "reader": {"state": "ready"},
            "last_error": None, "sent_at": dt.datetime.now(dt.timezone.utc).isoformat()}
    body.update(changes)
    return body


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def png(size=(40, 30), icc: bytes | None = None, **info) -> bytes:
    out = io.BytesIO()
    meta = PngImagePlugin.PngInfo()
    for k, v in info.items():
        meta.add_text(k, v)
    extra = {"icc_profile": icc} if icc else {}
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG", pnginfo=meta, **extra)
    return out.getvalue()


# ---- enrolment ------------------------------------------------------------------------------

def test_enrol_answers_a_signed_body_and_the_token_works(fleet_hub):
    c = fleet_hub.client
    r = c.post("/api/v1/enroll", json={"code": fleet_hub.code().lower(), "name": "  大厅 1 ",
                                       "hardware": {"model": "Raspberry Pi 5", "screen": [1080, 1920]}})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) == {"terminal_id", "token", "hub_public_key"}
    signing.verify(answer["hub_public_key"], r.content, r.headers["X-Signature"])  # the exact bytes
    with pytest.raises(signing.SignatureError):
        signing.verify(answer["hub_public_key"], r.content + b" ", r.headers["X-Signature"])
    assert answer["hub_public_key"] == keys.active(fleet_hub.engine, fleet_hub.settings.keys_dir).public_key
    with fleet_hub.engine.connect() as conn:
        row = conn.execute(select(db.terminals).where(db.terminals.c.id == answer["terminal_id"])).mappings().one()
    assert (row["centre_id"], row["name"], row["hardware"]["screen"]) == ("c-a", "大厅 1", [1080, 1920])
    assert answer["token"] not in json.dumps({k: str(v) for k, v in row.items()})  # only its hash is kept
    hb = c.post("/api/v1/heartbeat", json=beat(), headers=auth(answer["token"]))
    assert hb.status_code == 200 and hb.json() == {"latest_version": None, "screenshot": False}


def test_a_code_enrols_once_and_wrong_codes_lock_the_address(fleet_hub):
    c, code = fleet_hub.client, fleet_hub.code()
    assert c.post("/api/v1/enroll", json={"code": code, "name": "one"}).status_code == 200
    again = c.post("/api/v1/enroll", json={"code": code, "name": "two"})
    assert again.status_code == 401 and again.json()["error"] == "bad_code" and again.json()["field"] == "code"
    for _ in range(9):  # with the reuse above: ten failures from this address
        r = c.post("/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC-DDDD", "name": "x"})
        assert r.status_code == 401 and r.json()["error"] == "bad_code"
    eleventh = c.post("/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC-DDDD", "name": "x"})
    assert eleventh.status_code == 429 and eleventh.json()["error"] == "locked"
    good = fleet_hub.code()
    locked = c.post("/api/v1/enroll", json={"code": good, "name": "x"})  # even a good code
    assert locked.status_code == 429, locked.text
    with fleet_hub.engine.connect() as conn:  # ... which is not spent
        assert conn.execute(select(db.enrolment_codes.c.used_at).where(
            db.enrolment_codes.c.code_hash == accounts.digest(org.normalise_code(good)))).scalar() is None
    assert locked.json()["error"] == "locked" and 3500 < locked.json()["retry_after_s"] <= 3600
    assert locked.headers["Retry-After"] == str(locked.json()["retry_after_s"])


def test_an_expired_code_is_refused(fleet_hub):
    code, _ = org.create_code(fleet_hub.engine, "admin", "c-a", dt.timedelta(minutes=1))
    with fleet_hub.engine.begin() as conn:
        conn.execute(db.enrolment_codes.update().values(expires_at=db.utcnow() - dt.timedelta(seconds=1)))
    r = fleet_hub.client.post("/api/v1/enroll", json={"code": code, "name": "late"})
    assert r.status_code == 401 and r.json()["error"] == "bad_code"


HOSTILE_ENROLMENTS = [
    (b"{not json", 400, None),
    (b"\xff\xfe", 400, None),
    (b"[]", 422, None),
    (b'{"code": "A", "name": "x", "admin": true}', 422, "admin"),
    (b'{"code": "A", "name": ""}', 422, "name"),
    (b'{"code": "A", "name": "' + b"x" * 101 + b'"}', 422, "name"),
    (b'{"code": "A", "name": "a\\u0000b"}', 422, "name"),
    (b'{"code": 5, "name": "x"}', 422, "code"),
    (b'{"code": "A", "name": "x", "hardware": {"blob": "' + b"x" * 5000 + b'"}}', 422, "hardware"),
    (b'{"code": "A", "name": "x", "hardware": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400, None),
    (b'{"code": "A", "name": "x", "hardware": "' + b"x" * 70_000 + b'"}', 413, None),
]


def test_hostile_enrolment_bodies_get_json_refusals(fleet_hub):
    for body, status, field in HOSTILE_ENROLMENTS:
        r = fleet_hub.client.post("/api/v1/enroll", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == status, (body[:60], r.text)
        assert r.json()["error"] and r.json().get("field") == field, (body[:60], r.text)
    with fleet_hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.terminals)).scalar() == 0


def test_a_lying_content_length_is_refused_before_reading(fleet_hub):
    r = fleet_hub.client.post("/api/v1/enroll", content=b"{}", headers={"Content-Length": "10000000"})
    assert r.status_code in (400, 413)  # the client may notice the lie first; the hub never reads 10 MB


# ---- heartbeats and revocation -----------------------------------------------------------------

def test_heartbeat_is_kept_and_answers_the_current_version(fleet_hub):
    tid, token = fleet_hub.enroll()
    fleet_hub.manifest("c-a", "v1", NOW)
    fleet_hub.manifest("c-a", "v2", NOW + dt.timedelta(minutes=1))
    fleet_hub.manifest("c-b", "other", NOW + dt.timedelta(minutes=2))
    r = fleet_hub.client.post("/api/v1/heartbeat", headers=auth(token), json=beat(
        printer={"state": "paper_out", "detail": "DLE EOT 4: paper end"}, last_error="print failed:\npaper_out"))
    assert r.status_code == 200 and r.json() == {"latest_version": "v2", "screenshot": False}
    with fleet_hub.engine.connect() as conn:
        row = conn.execute(select(db.terminals).where(db.terminals.c.id == tid)).mappings().one()
    assert (row["version_shown"], row["app_version"], row["last_error"]) == ("v1", "0.4.0", "print failed:\npaper_out")
    assert row["state"]["printer"] == {"state": "paper_out", "detail": "DLE EOT 4: paper end"}
    assert abs(row["state"]["clock_offset_s"]) <= 5
    assert abs((db.as_utc(row["last_seen_at"]) - db.utcnow()).total_seconds()) < 30


def notice(item_id: str, title: str, target: str) -> dict:
    return {"id": item_id, "kind": "notice", "title": title, "updated_at": "2026-11-01T08:00:00",
            "target": target, "sort": 0, "level": "normal", "blocks": [{"type": "paragraph", "text": title}]}


def test_heartbeat_answers_what_publishing_made_current(fleet_hub):
    _, token = fleet_hub.enroll("c-a")
    latest = lambda: fleet_hub.client.post("/api/v1/heartbeat", headers=auth(token), json=beat()).json()["latest_version"]  # noqa: E731
    with fleet_hub.engine.begin() as conn:  # a centre has a manifest once it has its own centre item
        for centre in ("c-a", "c-b"):
            publish.publish_revision(conn, fleet_hub.settings, "admin", centre, {
                "id": centre, "kind": "centre", "title": centre, "updated_at": "2026-11-01T08:00:00",
                "target": centre, "name": centre, "address": "幸福里 1 号"})
    assert latest() is not None
    with fleet_hub.engine.begin() as conn:
        publish.publish_revision(conn, fleet_hub.settings, "editor-a", "n-1", notice("n-1", "停水通知", "s1"))
    with fleet_hub.engine.connect() as conn:
        first = publish.current(conn, "c-a").version
    assert latest() == first
    with fleet_hub.engine.begin() as conn:  # another centre's content does not change c-a's version
        publish.publish_revision(conn, fleet_hub.settings, "editor-b", "n-b", notice("n-b", "乙社区通知", "c-b"))
    assert latest() == first
    with fleet_hub.engine.begin() as conn:
        publish.publish_revision(conn, fleet_hub.settings, "editor-a", "n-1", notice("n-1", "停水通知（改期）", "s1"))
        second = publish.current(conn, "c-a").version
    assert second != first and latest() == second


WRONG_HEARTBEATS = [
    ({"printer": {"state": "on_fire"}}, "printer.state"),
    ({"reader": {"state": "ready", "extra": 1}}, "reader.extra"),
    ({"disk_free_bytes": 10, "disk_total_bytes": 5}, None),
    ({"uptime_s": -1}, "uptime_s"),
    ({"uptime_s": "5"}, "uptime_s"),
    ({"sent_at": "2026-11-03T09:30:00"}, "sent_at"),
    ({"version_shown": "../etc"}, "version_shown"),
    ({"last_error": "x" * 1001}, "last_error"),
    ({"token": "kterm_x"}, "token"),
]


def test_a_wrong_heartbeat_is_refused_and_nothing_is_kept(fleet_hub):
    tid, token = fleet_hub.enroll()
    for change, field in WRONG_HEARTBEATS:
        r = fleet_hub.client.post("/api/v1/heartbeat", headers=auth(token), json=beat(**change))
        assert r.status_code == 422, (change, r.text)
        assert r.json()["error"] == "bad_request" and r.json().get("field") == field, (change, r.text)
    r = fleet_hub.client.post("/api/v1/heartbeat", headers=auth(token), content=b'{"version_shown": ')
    assert r.status_code == 400 and r.json()["error"] == "bad_json"
    with fleet_hub.engine.connect() as conn:
        assert conn.execute(select(db.terminals.c.last_seen_at).where(db.terminals.c.id == tid)).scalar() is None


def test_unknown_staff_and_revoked_tokens_get_401_json(fleet_hub):
    tid, token = fleet_hub.enroll()
    c = fleet_hub.client
    for headers in ({}, auth("kterm_nope"), auth("x" * 5000), fleet_hub.staff("admin")):
        r = c.post("/api/v1/heartbeat", headers=headers, json=beat())
        assert r.status_code == 401 and r.json()["error"] == "unauthorized", headers
    assert c.post("/api/v1/heartbeat", headers=auth(token), json=beat()).status_code == 200
    r = c.post(f"/api/staff/terminals/{tid}/revoke", headers=fleet_hub.staff("editor-a"))
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    for path, kwargs in [("/api/v1/heartbeat", {"json": beat()}), ("/api/v1/stats", {"json": {}}),
                         ("/api/v1/screenshot", {"content": png(), "headers": {"Content-Type": "image/png"}})]:
        kwargs.setdefault("headers", {}).update(auth(token))
        r = c.post(path, **kwargs)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized", path
    with fleet_hub.engine.connect() as conn:
        assert ("terminal.revoke", tid) in [(k, s) for _, k, s in events.since(conn, 0)]
    # revoking again changes nothing: one event, one audit entry
    assert c.post(f"/api/staff/terminals/{tid}/revoke", headers=fleet_hub.staff("admin")).status_code == 200
    with fleet_hub.engine.connect() as conn:
        assert [k for _, k, s in events.since(conn, 0) if s == tid] == ["terminal.revoke"]
        actions = conn.execute(select(db.audit_log.c.actor).where(db.audit_log.c.action == "terminal.revoke")).scalars()
        assert list(actions) == ["editor-a"]


# ---- stats -----------------------------------------------------------------------------------

def figures(**changes) -> dict:
    body = {"issued": 12, "served": 10, "no_show": 1, "transferred": 0, "cancelled": 0, "waiting": 1,
            "wait_mean_min": 6.5, "wait_p90_min": 12.0, "service_mean_min": 4.2,
            "ratings": {"5": 6, "4": 2, "3": 0, "2": 0, "1": 1}}
    return {**body, **changes}


def batch(batch_id="t:queue:2026-11-02", **changes) -> dict:
    body = {"batch_id": batch_id, "kind": "queue_stats", "from": "2026-11-02T00:00:00+08:00",
            "to": "2026-11-03T00:00:00+08:00", "day": "2026-11-02", "services": {"A": figures()},
            "windows": {"1号窗口": figures()}}
    return {**body, **changes}


def test_stats_are_kept_once_per_batch_id(fleet_hub):
    tid, token = fleet_hub.enroll()
    other_tid, other_token = fleet_hub.enroll(name="大厅 2")
    c = fleet_hub.client
    first = c.post("/api/v1/stats", headers=auth(token), json=batch())
    assert first.status_code == 200 and first.json() == {"batch_id": "t:queue:2026-11-02", "duplicate": False}
    again = c.post("/api/v1/stats", headers=auth(token), json=batch())
    assert again.status_code == 200 and again.json()["duplicate"] is True
    changed = c.post("/api/v1/stats", headers=auth(token), json=batch(services={"A": figures(served=11)}))
    assert changed.status_code == 409 and changed.json()["error"] == "batch_conflict"
    # batch ids are per terminal
    assert c.post("/api/v1/stats", headers=auth(other_token), json=batch()).json()["duplicate"] is False
    with fleet_hub.engine.connect() as conn:
        kept = conn.execute(select(db.stats_batches.c.terminal_id, db.stats_batches.c.body)).all()
    assert sorted(t for t, _ in kept) == sorted([tid, other_tid])
    assert all(b["services"]["A"]["served"] == 10 for _, b in kept)


WRONG_BATCHES = [
    (batch(batch_id="../x"), "batch_id"),
    (batch(to="2026-11-01T00:00:00+08:00"), None),
    (batch(services={"A": figures(issued=-1)}), "services.A.issued"),
    (batch(services={"A": figures(ratings={"6": 1})}), "services.A.ratings.6.[key]"),
    (batch(services={"A": {**figures(), "secret": 1}}), "services.A.secret"),
    (batch(kind="something"), "kind"),
]


def test_wrong_stats_are_refused(fleet_hub):
    _, token = fleet_hub.enroll()
    for body, field in WRONG_BATCHES:
        r = fleet_hub.client.post("/api/v1/stats", headers=auth(token), json=body)
        assert r.status_code == 422, (field, r.text)
        assert r.json().get("field") == field, (field, r.text)
    with fleet_hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.stats_batches)).scalar() == 0


# ---- screenshots -----------------------------------------------------------------------------

def test_screenshot_on_request_then_answered(fleet_hub):
    tid, token = fleet_hub.enroll()
    c, png_type = fleet_hub.client, {"Content-Type": "image/png"}
    hb = lambda: c.post("/api/v1/heartbeat", headers=auth(token), json=beat()).json()["screenshot"]  # noqa: E731
    assert hb() is False
    unasked = c.post("/api/v1/screenshot", headers={**auth(token), **png_type}, content=png())
    assert unasked.status_code == 409 and unasked.json()["error"] == "not_requested"
    viewer = c.post(f"/api/staff/terminals/{tid}/screenshot", headers=fleet_hub.staff("viewer-a"))
    assert viewer.status_code == 403 and viewer.json()["error"] == "forbidden"
    asked = c.post(f"/api/staff/terminals/{tid}/screenshot", headers=fleet_hub.staff("editor-a"))
    assert asked.status_code == 200 and asked.json()["screenshot_requested_at"]
    assert hb() is True and hb() is True  # until it arrives

    for body, headers, status in [(b"GIF89a not a png", png_type, 422), (png()[:60], png_type, 422),
                                  (png(), {"Content-Type": "image/jpeg"}, 415), (png(), {}, 415)]:
        r = c.post("/api/v1/screenshot", headers={**auth(token), **headers}, content=body)
        assert r.status_code == status and r.json()["error"], (r.status_code, r.text)
    assert hb() is True

    sent = png(icc=b"a profile that says where it was made", Comment="secret", Author="someone")
    assert b"iCCP" in sent and b"tEXt" in sent
    up = c.post("/api/v1/screenshot", headers={**auth(token), **png_type}, content=sent)
    assert up.status_code == 200, up.text
    assert hb() is False
    row = c.get(f"/api/staff/terminals/{tid}", headers=fleet_hub.staff("viewer-a")).json()
    assert row["screenshot"]["sha256"] == up.json()["sha256"] and row["screenshot_requested_at"] is None
    shot = c.get(f"/api/staff/terminals/{tid}/screenshot", headers=fleet_hub.staff("viewer-a"))
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
    assert b"secret" not in shot.content and b"tEXt" not in shot.content  # metadata stripped
    assert b"iCCP" not in shot.content
    img = Image.open(io.BytesIO(shot.content))
    assert img.size == (40, 30) and img.getpixel((0, 0)) == (200, 30, 30)
    again = c.post("/api/v1/screenshot", headers={**auth(token), **png_type}, content=sent)
    assert again.status_code == 409  # one request, one upload


def test_oversized_screenshots_are_refused(fleet_hub):
    tid, token = fleet_hub.enroll()
    c = fleet_hub.client
    c.post(f"/api/staff/terminals/{tid}/screenshot", headers=fleet_hub.staff("admin"))
    headers = {**auth(token), "Content-Type": "image/png"}
    big = c.post("/api/v1/screenshot", headers=headers, content=b"\x89PNG" + b"\0" * (5 << 20))
    assert big.status_code == 413 and big.json()["error"] == "too_large" and "5120 KB" in big.json()["message"]
    chunked = c.post("/api/v1/screenshot", headers=headers, content=iter([b"\0" * (1 << 20)] * 6))  # no length
    assert chunked.status_code == 413 and chunked.json()["error"] == "too_large"
    wide = c.post("/api/v1/screenshot", headers=headers, content=png(size=(5000, 4000)))
    assert wide.status_code == 413 and "pixels" in wide.json()["message"]
    assert c.post("/api/v1/heartbeat", headers=auth(token), json=beat()).json()["screenshot"] is True
