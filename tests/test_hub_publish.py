"""hub.publish: revisions, signed manifests per centre, deltas, and the reference checks -- on SQLite
and PostgreSQL. The demo centre goes through the hub and comes out as a bundle `kiosk content check`
accepts, byte for byte signed."""
from __future__ import annotations

import json
import shutil
import threading

import pytest

from content.bundle import BundleWriter
from content.check import check_bundle
from content.demo import build_demo
from content.schemas import dump_item
from hub import blobstore, db, keys, migrate, org, publish
from hub.errors import HubError
from hub.settings import HubSettings
from sync import manifest as wire_manifest
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)

ACTOR = "cli:test"


@pytest.fixture(scope="module")
def demo_blobs(tmp_path_factory):
    """The demo's files and item documents in a blob folder, written (and fsynced) once per module."""
    folder = tmp_path_factory.mktemp("demo-blobs")
    store = blobstore.BlobStore(folder)
    writer = BundleWriter()
    build_demo(writer)
    for data, _mime in writer.blobs.values():
        store.put_bytes(data)
    for item in writer.items:
        store.put_bytes(dump_item(item))
    return folder, writer


@pytest.fixture
def hub(tmp_path, database_url, demo_blobs):
    settings = HubSettings(data_dir=tmp_path / "hub", database=database_url)
    settings.data_dir.mkdir()
    shutil.copytree(demo_blobs[0], settings.blobs_dir)
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    keys.create_first(engine, settings.keys_dir, ACTOR)
    org.add_node(engine, ACTOR, "d1", "district", "示范区")
    org.add_node(engine, ACTOR, "s1", "street", "示范街道", "d1")
    for c in ("demo-centre", "c2"):
        org.add_node(engine, ACTOR, c, "community", c, "s1")
    yield engine, settings, demo_blobs[1]
    engine.dispose()


def _publish_demo(engine, settings, writer) -> list[dict]:
    """The demo through publish_many: guides and the queue services that list them arrive together."""
    docs = [json.loads(dump_item(i)) for i in writer.items]
    with engine.begin() as conn:
        for sha, (data, mime) in writer.blobs.items():
            blobstore.record(conn, sha, len(data), mime, ACTOR)
        revisions = publish.publish_many(conn, settings, ACTOR, docs)
    assert set(revisions.values()) == {1} and len(revisions) == len(docs)
    return docs


def test_items_that_refer_to_each_other_arrive_together_or_not_at_all(hub):
    engine, settings, writer = hub
    docs = [json.loads(dump_item(i)) for i in writer.items]
    with engine.begin() as conn:
        for sha, (data, mime) in writer.blobs.items():
            blobstore.record(conn, sha, len(data), mime, ACTOR)
    service = next(d for d in docs if d["kind"] == "ticket_service" and d["guide_ids"])
    centre = next(d for d in docs if d["kind"] == "centre")
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.publish_many(conn, settings, ACTOR, [centre, service])  # its guides are not there
    assert err.value.status == 422 and err.value.field == "guide_ids"
    guides = [d for d in docs if d["id"] in service["guide_ids"]]
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.publish_many(conn, settings, ACTOR, [centre, *guides])  # they join a queue not there
    assert err.value.field == "ticket_service"
    with engine.connect() as conn:
        assert publish.current(conn, "demo-centre") is None
    with engine.begin() as conn:
        publish.publish_many(conn, settings, ACTOR, [centre, service, *guides])
        ids = {e["id"] for e in json.loads(publish.current(conn, "demo-centre").body)["items"]}
    assert ids == {centre["id"], service["id"], *service["guide_ids"]}


def _write_bundle(out, current, settings):
    """What a terminal would assemble from the wire: manifest, item documents and blobs."""
    manifest = json.loads(current.body)
    store = blobstore.BlobStore(settings.blobs_dir)
    (out / "items").mkdir(parents=True)
    (out / "blobs").mkdir()
    for e in manifest["items"]:
        (out / "items" / f"{e['id']}.json").write_bytes(store.read(e["sha256"]))
    for b in manifest["blobs"]:
        (out / "blobs" / b["sha256"]).write_bytes(store.read(b["sha256"]))
    (out / "manifest.json").write_bytes(current.body)
    return manifest


def test_the_demo_published_through_the_hub_is_a_signed_bundle_the_terminal_accepts(hub, tmp_path):
    engine, settings, _writer = hub
    docs = _publish_demo(engine, settings, hub[2])
    with engine.connect() as conn:
        cur = publish.current(conn, "demo-centre")
        assert publish.current(conn, "c2") is None  # no centre item of its own yet: no manifest
        public = keys.active_in(conn, settings.keys_dir).public_key
    signing.verify(public, cur.body, cur.signature)
    assert cur.body == wire_manifest.encode(json.loads(cur.body))  # canonical bytes
    manifest = _write_bundle(tmp_path / "bundle", cur, settings)
    assert {e["id"] for e in manifest["items"]} == {d["id"] for d in docs}
    result = check_bundle(tmp_path / "bundle")
    assert result.ok, result.problems[:5]
    assert cur.etag == f'"{manifest["version"]}"'


def test_a_manifest_changes_only_when_content_does_and_a_delta_rebuilds_it(hub):
    engine, settings, _writer = hub
    docs = _publish_demo(engine, settings, hub[2])
    with engine.connect() as conn:
        before = publish.current(conn, "demo-centre")
    with engine.begin() as conn:  # the same document again: a new revision, the same content
        guide = next(d for d in docs if d["kind"] == "guide")
        publish.publish_revision(conn, settings, ACTOR, guide["id"], guide)
        assert publish.current(conn, "demo-centre").seq == before.seq
        publish.publish_revision(conn, settings, ACTOR, guide["id"], {**guide, "title": "新标题"})
        after = publish.current(conn, "demo-centre")
    assert after.seq == before.seq + 1 and after.version != before.version
    with engine.connect() as conn:
        body, signature = publish.delta(conn, "demo-centre", before.version)
        assert publish.delta(conn, "demo-centre", after.version) is None
        assert publish.delta(conn, "demo-centre", "unknown") is None
    d = json.loads(body)
    assert [e["id"] for e in d["items"]] == [guide["id"]] and d["removed_items"] == [] and d["blobs"] == []
    rebuilt = wire_manifest.apply_delta(json.loads(before.body), d)
    assert rebuilt == after.body
    signing.verify(keys.active(engine, settings.keys_dir).public_key, rebuilt, signature)
    assert len(body) < 600
    with pytest.raises(wire_manifest.DeltaError):
        wire_manifest.apply_delta(json.loads(after.body), d)


def test_references_are_checked_before_anything_is_written(hub):
    engine, settings, _writer = hub
    docs = _publish_demo(engine, settings, hub[2])
    service = next(d for d in docs if d["kind"] == "ticket_service" and d["guide_ids"])
    listed = service["guide_ids"][0]
    with engine.connect() as conn:
        seq = publish.current(conn, "demo-centre").seq
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.withdraw(conn, settings, ACTOR, listed)
    assert err.value.status == 409 and listed in err.value.message
    guide = next(d for d in docs if d["kind"] == "guide" and d.get("ticket_service"))
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.publish_revision(conn, settings, ACTOR, guide["id"], {**guide, "ticket_service": "Z"})
    assert err.value.status == 422 and err.value.field == "ticket_service"
    notice = next(d for d in docs if d["kind"] == "notice")
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.publish_revision(conn, settings, ACTOR, "n-new", {
            **notice, "id": "n-new", "blocks": [{"type": "image", "blob": "ab" * 32}]})
    assert err.value.field == "blobs" and "not on the hub" in err.value.message
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.publish_revision(conn, settings, ACTOR, "x", {**notice, "id": "x", "title": ""})
    assert err.value.status == 422 and err.value.field == "title"
    with pytest.raises(HubError) as err, engine.begin() as conn:
        publish.withdraw(conn, settings, ACTOR, "demo-centre")
    assert err.value.status == 409
    with engine.connect() as conn:
        assert publish.current(conn, "demo-centre").seq == seq
        assert conn.execute(db.items.select().where(db.items.c.id.in_(["n-new", "x"]))).first() is None


def test_content_for_a_street_reaches_each_centre_below_it(hub):
    engine, settings, _writer = hub
    docs = _publish_demo(engine, settings, hub[2])
    centre = next(d for d in docs if d["kind"] == "centre")
    notice = next(d for d in docs if d["kind"] == "notice")
    with engine.begin() as conn:
        publish.publish_revision(conn, settings, ACTOR, "c2", {**centre, "id": "c2", "target": "c2"})
        c2_before = publish.current(conn, "c2").version
        publish.publish_revision(conn, settings, ACTOR, "street-notice", {**notice, "id": "street-notice",
                                                                         "target": "s1"})
    with engine.connect() as conn:
        for c in ("demo-centre", "c2"):
            ids = {e["id"] for e in json.loads(publish.current(conn, c).body)["items"]}
            assert "street-notice" in ids
        assert publish.current(conn, "c2").version != c2_before
    with engine.begin() as conn:
        publish.withdraw(conn, settings, ACTOR, "street-notice")
        assert publish.current(conn, "c2").version == c2_before  # the same content: the same version
        events = [(k, s) for _i, k, s in __import__("hub.events", fromlist=["since"]).since(conn, 0)]
    assert ("manifest", "c2") in events


def test_racing_publishes_lose_nothing(hub):
    engine, settings, _writer = hub
    docs = _publish_demo(engine, settings, hub[2])
    notice = next(d for d in docs if d["kind"] == "notice")
    errors = []

    def one(n):
        try:
            for k in range(3):
                with engine.begin() as conn:
                    publish.publish_revision(conn, settings, ACTOR, f"race-{n}-{k}", {**notice, "id": f"race-{n}-{k}"})
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with engine.connect() as conn:
        ids = {e["id"] for e in json.loads(publish.current(conn, "demo-centre").body)["items"]}
    assert {f"race-{n}-{k}" for n in range(4) for k in range(3)} <= ids


def test_a_new_key_re_signs_every_manifest(hub):
    engine, settings, _writer = hub
    _publish_demo(engine, settings, hub[2])
    with engine.connect() as conn:
        old = publish.current(conn, "demo-centre")
    new_key = keys.rotate(engine, settings.keys_dir, ACTOR)
    with engine.begin() as conn:
        publish.rebuild_all(conn, settings, force=True)
        cur = publish.current(conn, "demo-centre")
    assert cur.version == old.version and cur.seq == old.seq + 1
    signing.verify(new_key.public_key, cur.body, cur.signature)


def test_check_finds_a_missing_blob_and_a_tampered_manifest(hub):
    from sqlalchemy import update

    from hub import consistency

    engine, settings, writer = hub
    _publish_demo(engine, settings, writer)
    store = blobstore.BlobStore(settings.blobs_dir)
    assert consistency.blobs(engine, store)[0] and consistency.manifests(engine, store)[0]
    with engine.connect() as conn:
        cur = publish.current(conn, "demo-centre")
    victim = json.loads(cur.body)["blobs"][0]["sha256"]
    store.path(victim).rename(settings.data_dir / "elsewhere")
    ok, _name, detail = consistency.blobs(engine, store)
    assert not ok and victim[:12] in detail and "missing" in detail
    ok, _name, detail = consistency.manifests(engine, store)
    assert not ok and "demo-centre" in detail and "1 blob(s) missing" in detail
    (settings.data_dir / "elsewhere").rename(store.path(victim))
    with engine.begin() as conn:
        conn.execute(update(db.manifests).where(db.manifests.c.seq == cur.seq)
                     .values(body=cur.body.replace(b'"format":1', b'"format":2')))
    ok, _name, detail = consistency.manifests(engine, store)
    assert not ok and "signature" in detail
