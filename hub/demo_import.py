"""`kiosk-hub import-demo`: the embedded demo centre (content.demo) as real hub content.

It adds the organisation nodes 示范区 `demo-district` > 示范街道 `demo-street` > the community
`demo-centre` (named as the demo's centre item names it), stores every demo file in the blob
store, publishes every demo item as its revision 1, and builds the centre's signed manifest.

The demo's guides and queue services refer to one another (a guide's `ticket_service`, a
service's `guide_ids`), so they are published together as one change (`hub.publish.publish_many`:
checked as a whole, every revision in one transaction, then one rebuild).

Running it again adds nothing and says so. A hub where only some of the demo's ids exist (a staff
member made or deleted one) is refused with their names: nothing is overwritten.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from content.bundle import BundleWriter
from content.schemas import Guide, TicketService, dump_item
from hub import audit, blobstore, db, org, publish
from hub.errors import HubError
from hub.settings import HubSettings

DEMO_CENTRE = "demo-centre"
NODES = (("demo-district", "district", "示范区", None), ("demo-street", "street", "示范街道", "demo-district"))


@dataclass(frozen=True)
class Imported:
    items: int        # items published now (0 when the demo was there already)
    blobs: int        # files stored now
    version: str | None   # the centre's manifest version
    existing: int     # demo items that were on the hub already


def demo_writer(today: dt.date | None = None) -> BundleWriter:
    """The demo bundle in memory (draws its images: a few seconds)."""
    from content.demo import build_demo

    writer = BundleWriter(centre=DEMO_CENTRE)
    build_demo(writer, today)
    return writer


def import_demo(engine: Engine, settings: HubSettings, actor: str, writer: BundleWriter) -> Imported:
    ids = [item.id for item in writer.items]
    with engine.connect() as conn:
        existing = set(conn.execute(select(db.items.c.id).where(db.items.c.id.in_(ids))).scalars())
    if existing and len(existing) < len(ids):
        shown = ", ".join(sorted(existing)[:5]) + (", …" if len(existing) > 5 else "")
        raise HubError("conflict", f"{len(existing)} of the demo's {len(ids)} item ids are on the hub already "
                       f"({shown}) but not all: nothing imported, nothing overwritten", 409)
    _check_references(writer)
    _add_nodes(engine, actor, _centre_name(writer))
    if existing:
        with engine.connect() as conn:
            now = publish.current(conn, DEMO_CENTRE)
        return Imported(0, 0, now.version if now else None, len(existing))
    store = blobstore.BlobStore(settings.blobs_dir)
    new_blobs = sum(not store.has(sha) for sha in writer.blobs)
    for data, _mime in writer.blobs.values():
        store.put_bytes(data)
    with engine.begin() as conn:
        for sha, (data, mime) in sorted(writer.blobs.items()):
            blobstore.record(conn, sha, len(data), mime, actor)
        publish.publish_many(conn, settings, actor, [json.loads(dump_item(item)) for item in writer.items])
        version = publish.current(conn, DEMO_CENTRE).version
        audit.record(conn, actor, "demo.import", f"node:{DEMO_CENTRE}", None,
                     {"items": len(ids), "blobs": len(writer.blobs), "version": version})
    return Imported(len(ids), new_blobs, version, 0)


def _centre_name(writer: BundleWriter) -> str:
    centre = next((i for i in writer.items if i.kind == "centre" and i.id == DEMO_CENTRE), None)
    if centre is None:
        raise HubError("invalid", f"the demo has no centre item {DEMO_CENTRE!r}", 500)
    return centre.name


def _add_nodes(engine: Engine, actor: str, centre_name: str) -> None:
    """The demo's three nodes, each unless it exists (with the kind and parent expected)."""
    n = db.org_nodes.c
    for node, kind, name, parent in (*NODES, (DEMO_CENTRE, "community", centre_name, "demo-street")):
        with engine.connect() as conn:
            row = conn.execute(select(n.kind, n.parent_id).where(n.id == node)).first()
        if row is None:
            org.add_node(engine, actor, node, kind, name, parent)
        elif (row.kind, row.parent_id) != (kind, parent):
            raise HubError("conflict", f"node {node!r} exists as a {row.kind} under {row.parent_id!r}, the demo "
                           f"needs a {kind} under {parent!r}: nothing imported", 409)


def _check_references(writer: BundleWriter) -> None:
    """The references `kiosk content check` checks in a bundle, for the whole demo at once."""
    guides = {i.id for i in writer.items if isinstance(i, Guide)}
    codes = {i.code for i in writer.items if isinstance(i, TicketService)}
    for item in writer.items:
        broken = [s for s in item.blob_refs() if s not in writer.blobs]
        broken += [g for g in getattr(item, "guide_ids", []) if g not in guides]
        if isinstance(item, Guide) and item.ticket_service and item.ticket_service not in codes:
            broken.append(item.ticket_service)
        if broken:
            raise HubError("reference", f"demo item {item.id} refers to {broken[0]!r}, which the demo lacks", 500)
