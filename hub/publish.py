"""Publishing: an item's published revisions and each centre's signed manifest.

A centre's content is every published, undeleted item whose `target` is the centre or a node
above it. Its manifest (sync.manifest: canonical bytes, DESIGN.md "Hub ↔ terminal wire") lists
those items' documents and the files they show, all as content-addressed blobs, and is signed
with the active key. `rebuild` makes a new manifest row only when the content changed, records a
`manifest` event (every worker wakes its long-polls) and keeps the last KEEP_MANIFESTS rows so a
terminal holding one of them gets a delta.

Before anything is published or withdrawn, the content of every centre it reaches is checked the
way `kiosk content check` checks a bundle's references: every file an item shows is on the hub,
a guide's `ticket_service` names a queue service that reaches the same centres, a service's
`guide_ids` name guides that do. A change that would break a centre is refused (HubError 422 or
409 naming the item and field) and nothing is written.

Everything here runs inside the caller's transaction. Rebuilders of one centre are serialised (a
row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so racing publishes never lose one another's
items nor collide on a sequence number.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Iterable

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection

from content.schemas import Guide, TicketService, dump_item, parse_item
from hub import audit, blobstore, db, events, item_search, keys, perms
from hub.errors import HubError
from hub.settings import HubSettings
from sync import manifest as wire_manifest
from sync import signing

KEEP_MANIFESTS = 20  # per centre: the current one and the bases a delta can start from
ITEM_MIME = "application/json"


@dataclass(frozen=True)
class Current:
    centre: str
    seq: int
    version: str
    body: bytes
    signature: str
    created_at: dt.datetime

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


@dataclass(frozen=True)
class _Entry:
    id: str
    kind: str
    target: str
    revision: int
    sha256: str
    size: int
    blob_refs: tuple[str, ...]


def centres_reached(conn: Connection, node: str) -> set[str]:
    """The community nodes at or below `node` (an item targeting `node` reaches them)."""
    return perms.load_tree(conn).centres_below(node)


def current(conn: Connection, centre: str) -> Current | None:
    m = db.manifests.c
    row = conn.execute(select(m.seq, m.version, m.body, m.signature, m.created_at).where(m.centre_id == centre)
                       .order_by(m.seq.desc()).limit(1)).first()
    if row is None:
        return None
    return Current(centre, row.seq, row.version, bytes(row.body), row.signature, db.as_utc(row.created_at))


def delta(conn: Connection, centre: str, base_version: str) -> tuple[bytes, str] | None:
    """(delta body, signature) from `base_version` to the current manifest, or None when the hub no
    longer holds that version (or it is the current one). The signature is the hub's signature of
    the FULL new manifest: the terminal rebuilds it (sync.manifest.apply_delta) and verifies that."""
    now = current(conn, centre)
    if now is None or now.version == base_version:
        return None
    m = db.manifests.c
    base = conn.execute(select(m.body).where(m.centre_id == centre, m.version == base_version)
                        .order_by(m.seq.desc()).limit(1)).scalar()
    if base is None:
        return None
    body = wire_manifest.make_delta(json.loads(bytes(base)), json.loads(now.body), now.body)
    return wire_manifest.encode(body), now.signature


# ---- the content of a centre ---------------------------------------------------------------

def _entries(conn: Connection, nodes: Iterable[str]) -> list[_Entry]:
    i, r = db.items.c, db.item_revisions.c
    rows = conn.execute(
        select(i.id, i.kind, i.target, i.revision, r.sha256, r.size, r.blob_refs)
        .join(db.item_revisions, (r.item_id == i.id) & (r.revision == i.revision))
        .where(i.target.in_(list(nodes)), i.revision > 0, i.deleted_at.is_(None))).all()
    return [_Entry(x.id, x.kind, x.target, x.revision, x.sha256, x.size, tuple(x.blob_refs or ())) for x in rows]


def _reaching(tree: perms.Tree, centre: str) -> list[str]:
    return [centre, *tree.above(centre)]


def _blob_rows(conn: Connection, shas: set[str]) -> dict[str, tuple[int, str]]:
    if not shas:
        return {}
    b = db.blobs.c
    rows = conn.execute(select(b.sha256, b.size, b.mime).where(b.sha256.in_(sorted(shas)))).all()
    return {x.sha256: (x.size, x.mime) for x in rows}


LOCK_CLASS = 0x6B68  # "kh": the class of the hub's advisory locks on PostgreSQL


def _lock_centres(conn: Connection, centres: Iterable[str]) -> None:
    """Serialise the writers of these centres' content until the transaction ends, taking the locks
    in one order (no deadlock). PostgreSQL: transaction-level advisory locks (a row lock on the
    centre's node would collide with the key-share locks its foreign keys take); SQLite: BEGIN
    IMMEDIATE already serialises all writers."""
    if conn.dialect.name != "postgresql":
        return
    for centre in sorted(set(centres)):
        conn.execute(text("SELECT pg_advisory_xact_lock(:cls, hashtext(:centre))"), {"cls": LOCK_CLASS, "centre": centre})


def rebuild(conn: Connection, settings: HubSettings, centres: Iterable[str], *, force: bool = False) -> dict[str, str]:
    """Rebuild each centre's manifest; {centre: version} for the centres that have content.

    A centre without its own `centre` item (id = the centre's node id) has no manifest yet: a
    terminal's content check requires one. `force` writes a new row even when nothing changed
    (a new signing key)."""
    tree = perms.load_tree(conn)
    key = None
    out: dict[str, str] = {}
    for centre in sorted(set(centres)):
        if tree.kind.get(centre) != "community":
            continue
        _lock_centres(conn, [centre])
        entries = _entries(conn, _reaching(tree, centre))
        if not any(e.kind == "centre" and e.id == centre for e in entries):
            continue
        refs = set().union(*(e.blob_refs for e in entries)) if entries else set()
        known = _blob_rows(conn, refs)
        items = [{"id": e.id, "kind": e.kind, "sha256": e.sha256, "size": e.size} for e in entries]
        blobs = [{"sha256": s, "size": known[s][0], "mime": known[s][1]} for s in refs if s in known]
        version = wire_manifest.content_version(items, blobs)
        now = current(conn, centre)
        out[centre] = version
        if now is not None and now.version == version and not force:
            continue
        key = key or keys.active_in(conn, settings.keys_dir)
        created = db.utcnow().replace(microsecond=0)
        body = wire_manifest.encode({"format": wire_manifest.FORMAT, "version": version, "centre": centre,
                                     "created_at": created.isoformat(), "items": items, "blobs": blobs})
        seq = (now.seq if now else 0) + 1
        conn.execute(insert(db.manifests).values(centre_id=centre, seq=seq, version=version, body=body,
                                                 signature=signing.sign(key.private, body), key_id=key.id,
                                                 created_at=created))
        conn.execute(delete(db.manifests).where(db.manifests.c.centre_id == centre,
                                                db.manifests.c.seq <= seq - KEEP_MANIFESTS))
        events.record(conn, events.MANIFEST, centre)
    return out


def rebuild_all(conn: Connection, settings: HubSettings, *, force: bool = False) -> dict[str, str]:
    tree = perms.load_tree(conn)
    return rebuild(conn, settings, [n for n, k in tree.kind.items() if k == "community"], force=force)


# ---- references, checked before a change -----------------------------------------------------

def _refs_of(conn: Connection, entries: list[_Entry]) -> dict[str, dict]:
    """For guides and queue services: {id: {"ticket_service": code} | {"code": c, "guide_ids": [...]}}."""
    wanted = [(e.id, e.revision) for e in entries if e.kind in ("guide", "ticket_service")]
    if not wanted:
        return {}
    r = db.item_revisions.c
    out: dict[str, dict] = {}
    ids = [w[0] for w in wanted]
    revs = dict(wanted)
    for chunk in range(0, len(ids), 500):
        rows = conn.execute(select(r.item_id, r.revision, r.document)
                            .where(r.item_id.in_(ids[chunk:chunk + 500]))).all()
        for row in rows:
            if revs.get(row.item_id) == row.revision:
                doc = json.loads(row.document)
                out[row.item_id] = {k: doc.get(k) for k in ("kind", "ticket_service", "code", "guide_ids")}
    return out


Change = tuple[str, "tuple[_Entry, dict] | None"]  # (kind, (new entry, its references) or None: withdrawn)


def _problems(conn: Connection, tree: perms.Tree, centres: set[str], changes: dict[str, Change]) -> list[tuple[str, str]]:
    """(field, message) of what would break in `centres` when the items in `changes` become what
    they map to. Only guides and queue services refer to one another, so only their changes are
    checked; a guide's change reads the centre's few services, not every guide."""
    kinds = {kind for kind, _new in changes.values()}
    if not kinds & {"guide", "ticket_service"}:
        return []
    problems: list[tuple[str, str]] = []
    for centre in sorted(centres):
        reach = set(_reaching(tree, centre))
        entries = [e for e in _entries(conn, reach) if e.id not in changes]
        arriving = {i: new for i, (_k, new) in changes.items() if new is not None and new[0].target in reach}
        entries += [new[0] for new in arriving.values()]
        guides = {e.id for e in entries if e.kind == "guide"}
        services = _refs_of(conn, [e for e in entries if e.kind == "ticket_service" and e.id not in changes])
        services.update({i: new[1] for i, new in arriving.items() if new[0].kind == "ticket_service"})
        codes = {ref["code"] for ref in services.values()}
        for sid, ref in sorted(services.items()):
            for gid in ref.get("guide_ids") or []:
                if gid not in guides:
                    problems.append(("guide_ids", f"at {centre}: ticket_service {sid} lists guide {gid!r}, "
                                     "which is not published there"))
        if "ticket_service" in kinds:  # a service changed or left: every guide's queue is checked again
            joins = _refs_of(conn, [e for e in entries if e.kind == "guide" and e.id not in changes])
        else:
            joins = {}
        joins.update({i: new[1] for i, new in arriving.items() if new[0].kind == "guide"})
        for gid, ref in sorted(joins.items()):
            if ref.get("ticket_service") and ref["ticket_service"] not in codes:
                problems.append(("ticket_service", f"at {centre}: guide {gid} joins queue {ref['ticket_service']!r}, "
                                 "which no published ticket_service there has"))
        if len(problems) >= 10:
            break
    return problems


def _refuse(problems: list[tuple[str, str]], status: int, mine: bool) -> None:
    if problems:
        field = problems[0][0] if mine else None
        text = "; ".join(p[1] for p in problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        raise HubError("reference", text, status, field)


def invalid_document(exc: ValidationError) -> HubError:
    """A pydantic error as a 422 naming the first wrong field (dotted path)."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    if loc and loc[0] in ("guide", "disclosure", "notice", "slide", "centre", "ticket_service"):
        loc = loc[1:]  # the discriminated union's tag
    field = ".".join(loc) or None
    return HubError("invalid", f"{field or 'document'}: {err['msg']}", 422, field)


# ---- publish and withdraw ---------------------------------------------------------------------

def _item_row(conn: Connection, item_id: str):
    i = db.items.c
    query = select(db.items).where(i.id == item_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def publish_revision(conn: Connection, settings: HubSettings, actor: str, item_id: str, document: dict) -> int:
    """Publish `document` as the next revision of `item_id` (the row is made when it is new) and
    rebuild the centres it reaches, before and after; the draft is cleared. Returns the revision."""
    if isinstance(document, dict) and document.get("id") != item_id:
        raise HubError("invalid", f"the document's id {str(document.get('id'))[:80]!r} is not {item_id!r}", 422, "id")
    return publish_many(conn, settings, actor, [document])[item_id]


def publish_many(conn: Connection, settings: HubSettings, actor: str, documents: list[dict]) -> dict[str, int]:
    """Publish several documents at once, checked as one change (items that refer to one another,
    like a guide and its queue service, can only arrive together), then one rebuild of every centre
    they reach. Nothing is written when any is refused. {item id: its new revision}."""
    items = []
    for document in documents:
        try:
            items.append(parse_item(document))
        except ValidationError as exc:
            raise invalid_document(exc) from None
    if len({i.id for i in items}) != len(items):
        raise HubError("invalid", "the same item id twice in one publish", 422, "id")
    tree = perms.load_tree(conn)
    rows = {item.id: _item_row(conn, item.id) for item in items}
    for item in items:
        _acceptable(conn, tree, item, rows[item.id])

    store = blobstore.BlobStore(settings.blobs_dir)
    staged, changes, reached = [], {}, set()
    for item in items:
        row = rows[item.id]
        data = dump_item(item)
        sha = store.put_bytes(data)  # content-addressed: a refused publish leaves only an unlisted file
        entry = _Entry(item.id, item.kind, item.target, (row.revision if row is not None else 0) + 1, sha,
                       len(data), tuple(sorted(set(item.blob_refs()))))
        ref = {"kind": item.kind, "ticket_service": getattr(item, "ticket_service", None),
               "code": getattr(item, "code", None), "guide_ids": list(getattr(item, "guide_ids", []) or [])}
        staged.append((item, row, entry, data))
        changes[item.id] = (item.kind, (entry, ref))
        reached |= tree.centres_below(item.target) | (tree.centres_below(row.target) if row is not None else set())
    _lock_centres(conn, reached)
    _refuse(_problems(conn, tree, reached, changes), 422, True)

    now = db.utcnow()
    for item, row, entry, data in staged:
        blobstore.record(conn, entry.sha256, entry.size, ITEM_MIME, actor)
        values = dict(kind=item.kind, target=item.target, revision=entry.revision, published_sha256=entry.sha256,
                      published_at=now, published_by=actor, draft=None, draft_updated_at=None, draft_by=None,
                      search=item_search.stored(json.loads(data)))
        if row is None:
            conn.execute(insert(db.items).values(id=item.id, created_at=now, created_by=actor, **values))
        else:
            conn.execute(update(db.items).where(db.items.c.id == item.id).values(**values))
        conn.execute(insert(db.item_revisions).values(
            item_id=item.id, revision=entry.revision, sha256=entry.sha256, size=entry.size,
            document=data.decode("utf-8"), blob_refs=list(entry.blob_refs), target=item.target,
            published_at=now, published_by=actor))
        audit.record(conn, actor, "item.publish", f"item:{item.id}",
                     {"revision": row.revision, "sha256": row.published_sha256, "target": row.target} if row else None,
                     {"revision": entry.revision, "sha256": entry.sha256, "target": item.target, "kind": item.kind})
    rebuild(conn, settings, reached)
    return {entry.id: entry.revision for _i, _r, entry, _d in staged}


def _acceptable(conn: Connection, tree: perms.Tree, item, row) -> None:
    """HubError for what can be told from the item alone: its kind, target and files."""
    if row is not None and row.kind != item.kind:
        raise HubError("invalid", f"item {item.id} is a {row.kind}; its kind cannot change", 422, "kind")
    if row is not None and row.deleted_at is not None:
        raise HubError("not_found", f"item {item.id} was deleted", 404)
    if item.target not in tree.kind:
        raise HubError("invalid", f"no organisation node {item.target!r}", 422, "target")
    if item.kind == "centre" and item.id != item.target:
        raise HubError("invalid", "a centre item's id and target are its centre's node id", 422, "target")
    refs = set(item.blob_refs())
    missing = sorted(refs - set(_blob_rows(conn, refs)))
    if missing:
        raise HubError("reference", f"item {item.id} shows file {missing[0]}, which is not on the hub: "
                       "upload it first (POST /api/staff/files)", 422, "blobs")


def withdraw(conn: Connection, settings: HubSettings, actor: str, item_id: str) -> None:
    """Delete an item: it leaves every manifest (its revisions stay, for the record). 409 when a
    published item still refers to it, or when it is a centre's own item."""
    row = _item_row(conn, item_id)
    if row is None or row.deleted_at is not None:
        raise HubError("not_found", f"no item {item_id!r}", 404)
    if row.kind == "centre" and row.revision > 0:
        raise HubError("conflict", f"{item_id} is the centre's own item: edit it instead of deleting it", 409)
    tree = perms.load_tree(conn)
    reached = tree.centres_below(row.target) if row.revision > 0 else set()
    _lock_centres(conn, reached)
    _refuse(_problems(conn, tree, reached, {item_id: (row.kind, None)}), 409, False)
    conn.execute(update(db.items).where(db.items.c.id == item_id).values(deleted_at=db.utcnow()))
    audit.record(conn, actor, "item.delete", f"item:{item_id}",
                 {"revision": row.revision, "target": row.target, "kind": row.kind}, None)
    rebuild(conn, settings, reached)
