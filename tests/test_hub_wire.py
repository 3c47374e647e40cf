"""The terminal wire's reading side in process (FastAPI's TestClient, the app's lifespan and its
event watcher running), on SQLite and PostgreSQL: terminal tokens and their revocation, blobs
with Range, the key chain, refusals as JSON."""
from __future__ import annotations

import hashlib
import json
import time

import pytest
from sqlalchemy import update

from hub import blobstore, db, events, keys
from hub import publish as publishing
from sync import manifest as wire_manifest
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_wire_support import WireHub, auth, centre_doc, enrol, guide_doc, make_hub, publish


@pytest.fixture
def hub(tmp_path, database_url):
    with make_hub(tmp_path, database_url) as made:
        yield made


def _blob(hub: WireHub, data: bytes, mime: str = "image/png") -> str:
    sha = hub.client.app.state.blobs.put_bytes(data)
    with hub.engine.begin() as conn:
        blobstore.record(conn, sha, len(data), mime, "test")
    return sha


def revoke(engine, terminal_id: str) -> None:
    """As the fleet's revoke does it: the row and the event in one transaction."""
    with engine.begin() as conn:
        conn.execute(update(db.terminals).where(db.terminals.c.id == terminal_id)
                     .values(revoked_at=db.utcnow(), revoked_by="test"))
        events.record(conn, events.TERMINAL_REVOKED, terminal_id)


def test_blob_whole_and_ranges(hub):
    data = bytes(range(256)) * 40  # 10,240 bytes
    sha = _blob(hub, data)
    answer = hub.client.get(f"/api/v1/blobs/{sha}", headers=auth(hub.token))
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["etag"] == f'"{sha}"' and answer.headers["content-length"] == str(len(data))

    first = hub.client.get(f"/api/v1/blobs/{sha}", headers={**auth(hub.token), "Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == data[:100]
    assert first.headers["content-range"] == f"bytes 0-99/{len(data)}"
    suffix = hub.client.get(f"/api/v1/blobs/{sha}", headers={**auth(hub.token), "Range": "bytes=-10"})
    assert suffix.status_code == 206 and suffix.content == data[-10:]
    assert suffix.headers["content-range"] == f"bytes {len(data) - 10}-{len(data) - 1}/{len(data)}"
    rest = hub.client.get(f"/api/v1/blobs/{sha}", headers={**auth(hub.token), "Range": "bytes=10000-"})
    assert rest.status_code == 206 and rest.content == data[10000:]
    past = hub.client.get(f"/api/v1/blobs/{sha}", headers={**auth(hub.token), "Range": "bytes=99999-"})
    assert past.status_code == 416 and past.json()["error"] == "range"
    assert past.headers["content-range"] == f"bytes */{len(data)}"
    for ignored in ("bytes=5-3", "bytes=0-1,5-6", "items=0-1", "bytes=x-y"):  # served whole, as RFC 9110 allows
        whole = hub.client.get(f"/api/v1/blobs/{sha}", headers={**auth(hub.token), "Range": ignored})
        assert whole.status_code == 200 and whole.content == data, ignored
    again = hub.client.get(f"/api/v1/blobs/{sha}", headers={**auth(hub.token), "If-None-Match": f'"{sha}"'})
    assert again.status_code == 304 and again.content == b""


def test_blob_refusals_are_json(hub):
    unknown = hashlib.sha256(b"never stored").hexdigest()
    answer = hub.client.get(f"/api/v1/blobs/{unknown}", headers=auth(hub.token))
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    # in the store but not in the blobs table: not served either
    sha = hub.client.app.state.blobs.put_bytes(b"stray")
    assert hub.client.get(f"/api/v1/blobs/{sha}", headers=auth(hub.token)).status_code == 404
    for name in ("..", "..%2F..%2Fhub.sqlite", "%2e%2e", sha.upper(), sha[:-1], sha + "0", "x" * 64):
        answer = hub.client.get(f"/api/v1/blobs/{name}", headers=auth(hub.token))
        assert 400 <= answer.status_code < 500 and "error" in answer.json(), name
    assert hub.client.get("/api/v1/blobs/../hub.sqlite", headers=auth(hub.token)).status_code == 404
    assert hub.client.get(f"/api/v1/blobs/{sha}").status_code == 401


def test_bad_tokens_are_refused_as_json(hub):
    for token in (None, "", "kterm_", "kterm_nope", "khub_staff", "kterm_" + "x" * 300, "Basic x", hub.token + "x"):
        headers = {"Authorization": token if token and " " in token else f"Bearer {token}"} if token is not None else {}
        for path in ("/api/v1/manifest", "/api/v1/keys", f"/api/v1/blobs/{'a' * 64}"):
            for _ in range(2):  # the second time from the cache of refused tokens
                answer = hub.client.get(path, headers={**headers, "If-None-Match": '"x"'})
                assert answer.status_code == 401 and answer.json()["error"] == "unauthorized", (path, token)


def test_key_chain_verifies_from_the_first_key(hub):
    keys.rotate(hub.engine, hub.settings.keys_dir, "test")
    keys.rotate(hub.engine, hub.settings.keys_dir, "test")
    answer = hub.client.get("/api/v1/keys", headers=auth(hub.token))
    assert answer.status_code == 200
    chain = answer.json()["keys"]
    assert len(chain) == 3 and chain[0]["rotation_signature"] is None
    pinned = chain[0]["public_key"]
    for link in chain[1:]:
        signing.verify_rotation(pinned, link["public_key"], link["rotation_signature"])
        pinned = link["public_key"]
    assert pinned == keys.active(hub.engine, hub.settings.keys_dir).public_key


def test_a_terminal_revoked_here_gets_nothing_more_at_once(hub):
    publish(hub.engine, hub.settings, centre_doc("centre-a"))
    etag = hub.client.get("/api/v1/manifest", headers=auth(hub.token)).headers["etag"]
    poll = {**auth(hub.token), "If-None-Match": etag}
    other_id, other_token = enrol(hub.engine, "centre-a")
    for token in (hub.token, other_token):
        assert hub.client.get("/api/v1/manifest", headers={**poll, **auth(token)}).status_code == 304
    revoke(hub.engine, hub.terminal_id)  # through this process's engine, as the fleet endpoint does
    answer = hub.client.get("/api/v1/manifest", headers=poll)
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert hub.client.get("/api/v1/manifest", headers={**poll, **auth(other_token)}).status_code == 304


def test_revoked_through_the_staff_api_its_next_poll_is_refused(hub):
    from tests.hub_api_support import ApiHub

    publish(hub.engine, hub.settings, centre_doc("centre-a"))
    poll = {**auth(hub.token), "If-None-Match": hub.client.get("/api/v1/manifest", headers=auth(hub.token)).headers["etag"]}
    assert hub.client.get("/api/v1/manifest", headers=poll).status_code == 304
    staff = ApiHub(hub.client, hub.settings, hub.engine)
    staff.add_user("boss", "admin", None)
    assert staff.call("boss", "POST", f"/api/staff/terminals/{hub.terminal_id}/revoke").status_code == 200
    answer = hub.client.get("/api/v1/manifest", headers=poll)
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"


def test_a_revoked_terminal_gets_no_content_at_once(hub):
    sha = _blob(hub, b"some bytes")
    assert hub.client.get(f"/api/v1/blobs/{sha}", headers=auth(hub.token)).status_code == 200
    assert hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 200  # now in the cache
    revoke(hub.other, hub.terminal_id)
    answer = hub.client.get(f"/api/v1/blobs/{sha}", headers=auth(hub.token))
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    # the cache forgot it too, in this process at once (the blob fetch asked the database) ...
    assert hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 401


def test_the_watcher_forgets_a_revoked_token(hub):
    """... and through hub_events when another process revoked it: within a second."""
    assert hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 200
    assert hub.client.app.state.wire.trusted()
    revoke(hub.other, hub.terminal_id)
    deadline = time.monotonic() + 1.0
    while hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 200:
        assert time.monotonic() < deadline, "the revoked token is still served after 1 s"
        time.sleep(0.02)


def test_wait_must_be_seconds_from_0_to_60(hub):
    for bad in ("1e309", "nan", "inf", "-1", "61", "", "abc", "1" * 400, "0x10", "1e1"):
        answer = hub.client.get("/api/v1/manifest", params={"wait": bad}, headers=auth(hub.token))
        assert answer.status_code == 422 and answer.json()["field"] == "wait", bad


def test_no_manifest_yet_is_404_json(hub):
    answer = hub.client.get("/api/v1/manifest", headers=auth(hub.token))
    assert answer.status_code == 404 and answer.json()["error"] == "no_content"


# ---- the manifest ----

def test_manifest_200_is_signed_and_304_answers_its_etag(hub):
    publish(hub.engine, hub.settings, centre_doc("centre-a"), guide_doc("g1", "street"))
    answer = hub.client.get("/api/v1/manifest", headers=auth(hub.token))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-cache"
    public = keys.active(hub.engine, hub.settings.keys_dir).public_key
    signing.verify(public, answer.content, answer.headers["x-signature"])  # over the exact bytes
    body = json.loads(answer.content)
    assert body["centre"] == "centre-a" and {i["id"] for i in body["items"]} == {"centre-a", "g1"}
    etag = answer.headers["etag"]
    assert etag == f'"{body["version"]}"'
    for query in ("", "?wait=0"):  # the ASGI layer's 304, and the route's
        again = hub.client.get("/api/v1/manifest" + query, headers={**auth(hub.token), "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag, query
        assert again.headers["cache-control"] == "no-cache"
    for other in (f'W/{etag}', f'"old", {etag}', "*"):
        assert hub.client.get("/api/v1/manifest", headers={**auth(hub.token), "If-None-Match": other}).status_code == 304
    stale = hub.client.get("/api/v1/manifest", headers={**auth(hub.token), "If-None-Match": '"old"'})
    assert stale.status_code == 200 and stale.content == answer.content


def test_each_terminal_gets_its_own_centres_manifest(hub):
    publish(hub.engine, hub.settings, centre_doc("centre-a"), centre_doc("centre-b"), guide_doc("gb", "centre-b"))
    _, token_b = enrol(hub.engine, "centre-b")
    a = json.loads(hub.client.get("/api/v1/manifest", headers=auth(hub.token)).content)
    b = json.loads(hub.client.get("/api/v1/manifest", headers=auth(token_b)).content)
    assert a["centre"] == "centre-a" and [i["id"] for i in a["items"]] == ["centre-a"]
    assert b["centre"] == "centre-b" and {i["id"] for i in b["items"]} == {"centre-b", "gb"}


def test_a_revoked_terminal_gets_no_manifest_at_once_and_no_304_within_a_second(hub):
    publish(hub.engine, hub.settings, centre_doc("centre-a"))
    etag = hub.client.get("/api/v1/manifest", headers=auth(hub.token)).headers["etag"]
    poll = {**auth(hub.token), "If-None-Match": etag}
    assert hub.client.get("/api/v1/manifest", headers=poll).status_code == 304
    revoke(hub.other, hub.terminal_id)  # by another process
    assert hub.client.get("/api/v1/manifest", headers=auth(hub.token)).status_code == 401  # content: at once
    deadline = time.monotonic() + 1.0
    while (answer := hub.client.get("/api/v1/manifest", headers=poll)).status_code == 304:
        assert time.monotonic() < deadline, "a revoked token still gets 304s after 1 s"
        time.sleep(0.02)
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"


def test_delta_rebuilds_the_new_manifest_byte_for_byte(hub):
    guides = [guide_doc(f"g{i:03d}", "centre-a", f"指南{i}") for i in range(30)]
    publish(hub.engine, hub.settings, centre_doc("centre-a"), *guides)
    old = hub.client.get("/api/v1/manifest", headers=auth(hub.token))
    publish(hub.engine, hub.settings, guide_doc("g007", "centre-a", "指南七 (新)"), guide_doc("g100", "street"))
    with hub.engine.begin() as conn:
        publishing.withdraw(conn, hub.settings, "test", "g003")
    ask = {**auth(hub.token), "If-None-Match": old.headers["etag"], "A-IM": "manifest-delta"}
    answer = hub.client.get("/api/v1/manifest", headers=ask)
    assert answer.status_code == 226 and answer.headers["im"] == "manifest-delta"
    full = hub.client.get("/api/v1/manifest", headers=auth(hub.token))
    assert answer.headers["etag"] == full.headers["etag"] and len(answer.content) < len(full.content) / 4
    delta = json.loads(answer.content)
    assert {i["id"] for i in delta["items"]} == {"g007", "g100"} and delta["removed_items"] == ["g003"]
    rebuilt = wire_manifest.apply_delta(json.loads(old.content), delta)
    assert rebuilt == full.content and hashlib.sha256(rebuilt).hexdigest() == delta["manifest_sha256"]
    public = keys.active(hub.engine, hub.settings.keys_dir).public_key
    signing.verify(public, rebuilt, answer.headers["x-signature"])  # the full manifest's signature
    # a base the hub no longer holds, or no A-IM: the whole manifest
    for headers in ({**ask, "If-None-Match": '"0123456789abcdef0123"'}, {**auth(hub.token), "If-None-Match": old.headers["etag"]}):
        whole = hub.client.get("/api/v1/manifest", headers=headers)
        assert whole.status_code == 200 and whole.content == full.content
    # served again from the delta cache: the same bytes
    assert hub.client.get("/api/v1/manifest", headers=ask).content == answer.content


def test_old_events_are_pruned(hub):
    import datetime as dt

    from sqlalchemy import insert, select

    from hub.notify import prune_events

    with hub.other.begin() as conn:
        conn.execute(insert(db.hub_events).values(at=db.utcnow() - dt.timedelta(days=2), kind="manifest",
                                                  subject="centre-a"))
        events.record(conn, events.MANIFEST, "centre-b")
    assert prune_events(hub.other) == 1
    with hub.other.connect() as conn:
        assert [r.subject for r in conn.execute(select(db.hub_events.c.subject))] == ["centre-b"]
