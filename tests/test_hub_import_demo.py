"""`kiosk-hub import-demo` on SQLite and PostgreSQL: the demo centre's tree, every demo item
published as revision 1 with its files in the blob store, one signed manifest listing exactly the
demo; a second run adds nothing; staff then edit the imported content like any other; a hub
holding only some of the demo's ids is refused without a change."""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json

import pytest
from sqlalchemy import func, select

from content.check import check_bundle
from content.schemas import dump_item
from hub import accounts, audit, blobstore, db, demo_import, items, keys, org, perms, publish
from hub.errors import HubError
from sync import signing
from tests.hub_api_support import api, database_url, init_hub  # noqa: F401  (fixtures)
from tests.test_hub_cli import hub as run_hub

ITEMS = "/api/staff/items"


@pytest.fixture(scope="module")
def demo():
    return demo_import.demo_writer(dt.date.today())  # drawing its images takes seconds: once per module


def _count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar()


def test_import_demo_publishes_the_demo_centre_once(tmp_path, database_url, demo):
    settings = init_hub(tmp_path / "hub", database_url, tmp_path / "pw")
    out = run_hub(settings.data_dir, "import-demo", database=database_url)
    assert out.returncode == 0, out.stderr
    assert f"{len(demo.items)} items published, {len(demo.blobs)} new files" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1

    actor = f"cli:{getpass.getuser()}"
    engine = db.make_engine(settings.database)
    try:
        with engine.connect() as conn:
            nodes = {r.id: (r.kind, r.name, r.parent_id) for r in conn.execute(select(db.org_nodes))}
            assert nodes == {"demo-district": ("district", "示范区", None),
                             "demo-street": ("street", "示范街道", "demo-district"),
                             "demo-centre": ("community", "幸福里社区党群服务中心", "demo-street")}
            rows = conn.execute(select(db.items)).all()
            assert {r.id for r in rows} == {i.id for i in demo.items}
            assert {(r.revision, r.published_by, r.deleted_at, r.draft) for r in rows} == {(1, actor, None, None)}
            assert _count(conn, db.item_revisions) == len(demo.items)
            recorded = {r.sha256: r.mime for r in conn.execute(select(db.blobs))}
            current = publish.current(conn, "demo-centre")
            key = keys.active_in(conn, settings.keys_dir)
            events = _count(conn, db.hub_events)
            audited = [e for e in audit.entries(conn, 1000) if e["actor"] == actor]
        for sha, (data, mime) in demo.blobs.items():
            assert recorded[sha] == mime and (settings.blobs_dir / sha[:2] / sha).read_bytes() == data

        signing.verify(signing.public_key_b64(key.private), current.body, current.signature)
        manifest = json.loads(current.body)
        docs = {i.id: dump_item(i) for i in demo.items}
        assert {(e["id"], e["sha256"], e["size"]) for e in manifest["items"]} == \
            {(k, hashlib.sha256(v).hexdigest(), len(v)) for k, v in docs.items()}
        assert {b["sha256"] for b in manifest["blobs"]} == set(demo.blobs)
        # what a terminal assembles from the wire passes `kiosk content check`
        bundle = tmp_path / "bundle"
        (bundle / "items").mkdir(parents=True)
        (bundle / "blobs").mkdir()
        store = blobstore.BlobStore(settings.blobs_dir)
        for e in manifest["items"]:
            (bundle / "items" / f"{e['id']}.json").write_bytes(store.read(e["sha256"]))
        for b in manifest["blobs"]:
            (bundle / "blobs" / b["sha256"]).write_bytes(store.read(b["sha256"]))
        (bundle / "manifest.json").write_bytes(current.body)
        checked = check_bundle(bundle)
        assert checked.ok, checked.problems[:5]
        assert {e["action"] for e in audited} >= {"node.create", "item.publish", "demo.import"}

        again = run_hub(settings.data_dir, "import-demo", database=database_url)
        assert again.returncode == 0, again.stderr
        assert "nothing new" in again.stderr and current.version in again.stderr
        with engine.connect() as conn:
            assert _count(conn, db.item_revisions) == len(demo.items) and _count(conn, db.hub_events) == events
            assert publish.current(conn, "demo-centre").seq == current.seq
    finally:
        engine.dispose()


def test_imported_content_is_edited_through_the_staff_api(api, demo):
    demo_import.import_demo(api.engine, api.settings, "test", demo)
    api.add_user("demo-editor", "editor", "demo-street")
    listed = api.call("demo-editor", "GET", ITEMS, params={"centre": "demo-centre", "limit": 500}).json()
    assert listed["total"] == len(demo.items) and {r["state"] for r in listed["items"]} == {"published"}
    assert api.call("ed-a", "GET", ITEMS, params={"q": "guide"}).json()["total"] == 0  # another centre's editor

    with api.engine.connect() as conn:
        before = publish.current(conn, "demo-centre").version
    guide = api.call("demo-editor", "GET", f"{ITEMS}/guide-volunteer").json()["published"]
    put = api.call("demo-editor", "PUT", f"{ITEMS}/guide-volunteer", json={**guide, "title": "志愿者注册（新）"})
    assert put.status_code == 200 and put.json()["state"] == "changed"
    published = api.call("demo-editor", "POST", f"{ITEMS}/guide-volunteer/publish")
    assert published.status_code == 200 and published.json()["revision"] == 2
    with api.engine.connect() as conn:
        assert publish.current(conn, "demo-centre").version != before
    # a queue service still lists its guides: withdrawing one of them is refused
    service = next(i for i in demo.items if i.kind == "ticket_service" and i.guide_ids)
    refused = api.call("demo-editor", "DELETE", f"{ITEMS}/{service.guide_ids[0]}")
    assert refused.status_code == 409, refused.text


def test_a_hub_with_some_of_the_demo_ids_is_refused(tmp_path, database_url, demo):
    settings = init_hub(tmp_path / "hub", database_url, tmp_path / "pw")
    engine = db.make_engine(settings.database)
    try:
        org.add_node(engine, "test", "demo-district", "district", "示范区")
        org.add_node(engine, "test", "demo-street", "street", "示范街道", "demo-district")
        org.add_node(engine, "test", "demo-centre", "community", "别的中心", "demo-street")
        volunteer = next(i for i in demo.items if i.id == "guide-volunteer")
        admin = perms.staff_named(engine, "admin")
        with engine.begin() as conn:
            items.create(conn, admin, json.loads(dump_item(volunteer)))
        with pytest.raises(HubError) as err:
            demo_import.import_demo(engine, settings, "test", demo)
        assert err.value.status == 409 and "guide-volunteer" in err.value.message
        with engine.connect() as conn:
            assert _count(conn, db.items) == 1 and _count(conn, db.item_revisions) == 0
            assert publish.current(conn, "demo-centre") is None

        other = tmp_path / "other"
        settings = init_hub(other, f"sqlite:///{other / 'hub.sqlite'}", tmp_path / "pw2")
        second = db.make_engine(settings.database)
        try:
            org.add_node(second, "test", "demo-centre", "district", "同名的区")
            with pytest.raises(HubError) as err:
                demo_import.import_demo(second, settings, "test", demo)
            assert err.value.status == 409 and "demo-centre" in err.value.message
            assert accounts.roles_of(second, "admin") == [("admin", None)]
        finally:
            second.dispose()
    finally:
        engine.dispose()
