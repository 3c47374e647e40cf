"""The terminal wire's reading side in process (FastAPI's TestClient, the app's lifespan and its
event watcher running), on SQLite and PostgreSQL: terminal tokens and their revocation, blobs
with Range, the key chain, refusals as JSON."""
from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import update

from hub import blobstore, db, events, keys
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_wire_support import WireHub, auth, make_hub


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


def test_a_revoked_terminal_gets_no_content_at_once(hub):
    sha = _blob(hub, b"some bytes")
    assert hub.client.get(f"/api/v1/blobs/{sha}", headers=auth(hub.token)).status_code == 200
    assert hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 200  # now in the cache
    revoke(hub.engine, hub.terminal_id)
    answer = hub.client.get(f"/api/v1/blobs/{sha}", headers=auth(hub.token))
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    # the cache forgot it too, in this process at once (the blob fetch asked the database) ...
    assert hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 401


def test_the_watcher_forgets_a_revoked_token(hub):
    """... and through hub_events when another process revoked it: within a second."""
    assert hub.client.get("/api/v1/keys", headers=auth(hub.token)).status_code == 200
    wire = hub.client.app.state.wire
    assert wire.trusted()
    revoke(hub.engine, hub.terminal_id)
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
