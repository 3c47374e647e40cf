"""Content items on the hub: drafts, their checks and permissions, listing and reading.

An item is one row of `items` (hub/db.py): `draft` is the document being edited (None when nothing
is unpublished), `revision` the newest published revision (0: never published), whose exact
bytes are in `item_revisions`; publishing and withdrawing are `hub.publish`'s. States:

* `draft` -- never published; `published` -- live on terminals, no pending edit;
* `changed` -- published, with a draft waiting to be published; `deleted` -- withdrawn.

Every document is checked with content.schemas.parse_item, as `kiosk content check` checks a
bundle, and refused with the field's dotted path (`materials.0.name`) and the reason. The row's
`target` is the published target once the item is published (a draft that moves the item takes
effect on publish, so terminals never see a half-made move); permissions go by it and, for a
write that names a new target, by that one too. Every change is audited in its transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from pydantic import ValidationError
from sqlalchemy import JSON, and_, cast, func, insert, or_, select, type_coerce, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from content.schemas import KINDS, dump_item, is_safe_id, parse_item
from hub import audit, db, item_search, perms, publish
from hub.errors import HubError
from hub.perms import Staff, Tree

STATES = ("draft", "published", "changed", "deleted")
MAX_LIMIT, DEFAULT_LIMIT = 500, 100
MAX_PROBLEMS_SHOWN = 5


# ---- checking a document ------------------------------------------------------------------

def field_path(loc: tuple) -> str:
    """pydantic's location as a dotted path, without the union tag it puts first ('guide')."""
    if loc and loc[0] in KINDS:
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "(document)"


def problems(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, reason) for each problem pydantic found, in its order."""
    out = []
    for err in exc.errors():
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            out.append(("kind", f"must be one of {', '.join(KINDS)}"))
            continue
        out.append((field_path(err["loc"]), err["msg"].removeprefix("Value error, ")))
    return out


def check_document(doc: dict, now: dt.datetime) -> dict:
    """The canonical form of an item document (defaults filled in, text trimmed), as stored and
    published; HubError 422 naming the first wrong field (and a few more in the message). The
    hub sets `updated_at` when it is left out; `target` is required (content's default is the
    demo centre, never right on a hub)."""
    found = []
    try:
        item = parse_item(doc if "updated_at" in doc else {**doc, "updated_at": now.isoformat()})
    except ValidationError as exc:
        found = problems(exc)
    if "target" not in doc:
        found.append(("target", "required: the organisation node the item is for"))
    if found:
        shown = "; ".join(f"{f}: {m}" for f, m in found[:MAX_PROBLEMS_SHOWN])
        more = f" (and {len(found) - MAX_PROBLEMS_SHOWN} more)" if len(found) > MAX_PROBLEMS_SHOWN else ""
        raise HubError("invalid", shown + more, 422, found[0][0])
    return json.loads(dump_item(item))


# ---- rows ----------------------------------------------------------------------------------

def _doc_json(conn: Connection):
    """item_revisions.document (JSON text) as a JSON expression on either database."""
    doc = db.item_revisions.c.document
    return cast(doc, JSON) if conn.dialect.name == "postgresql" else type_coerce(doc, JSON)


def _listing(conn: Connection):
    """(select of every item with its title, the title expression): the draft's title, else the
    published one's."""
    i, r = db.items.c, db.item_revisions.c
    draft_title = db.items.c.draft["title"].as_string()
    title = func.coalesce(draft_title, _doc_json(conn)["title"].as_string())
    joined = db.items.outerjoin(db.item_revisions, and_(r.item_id == i.id, r.revision == i.revision))
    query = select(i.id, i.kind, i.target, title.label("title"), draft_title.label("draft_title"), i.revision,
                   i.created_at, i.created_by, i.draft_updated_at, i.draft_by, i.published_at, i.published_by,
                   i.deleted_at).select_from(joined)
    return query, title, draft_title


def _when(value: dt.datetime | None) -> str | None:
    value = db.as_utc(value)
    return value.isoformat() if value else None


def summary(row, title: str | None) -> dict:
    """One row of a listing."""
    has_draft = getattr(row, "draft_title", None) is not None or getattr(row, "draft", None) is not None
    state = ("deleted" if row.deleted_at is not None else "draft" if not row.revision
             else "changed" if has_draft else "published")
    return {"id": row.id, "kind": row.kind, "target": row.target, "title": title, "state": state,
            "revision": row.revision, "created_at": _when(row.created_at), "created_by": row.created_by,
            "draft_updated_at": _when(row.draft_updated_at), "draft_by": row.draft_by,
            "published_at": _when(row.published_at), "published_by": row.published_by,
            "deleted_at": _when(row.deleted_at)}


def list_items(conn: Connection, staff: Staff, *, centre: str | None = None, kind: str | None = None,
               q: str | None = None, state: str | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0) -> dict:
    """What `staff` may read, filtered: {"items": [...], "total", "limit", "offset"}. Ordered by id;
    with `q`, the items it finds (an id equal to it, then the terminal's search -- Chinese, full
    pinyin, initials over title, keywords and category, ranked -- then an id containing it, or a
    title when the text has what the search leaves out: punctuation, spaces). `centre`: the items
    that reach it (target is the node or one above it)."""
    i = db.items.c
    tree = perms.load_tree(conn)
    query, title, draft_title = _listing(conn)
    readable = perms.readable(tree, staff)
    if readable is not None:
        query = query.where(i.target.in_(sorted(readable)))
    if centre is not None:
        if centre not in tree.parent or (readable is not None and centre not in readable):
            raise HubError("not_found", f"no organisation node {centre!r}", 404, "centre")  # the same for both
        query = query.where(i.target.in_([centre, *tree.above(centre)]))
    if kind is not None:
        if kind not in KINDS:
            raise HubError("invalid", f"kind {kind[:40]!r}: allowed {', '.join(KINDS)}", 422, "kind")
        query = query.where(i.kind == kind)
    if state is not None:
        query = query.where(_state_is(state, draft_title))
    if q:
        return _found(conn, query, title, q, limit, offset)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = conn.execute(query.order_by(i.id).limit(limit).offset(offset)).all()
    return {"items": [summary(r, r.title) for r in rows], "total": total, "limit": limit, "offset": offset}


def _found(conn: Connection, query, title, q: str, limit: int, offset: int) -> dict:
    """list_items with a text: SQL keeps the rows whose id contains it or whose stored search text
    contains it (or its pinyin) -- without reading any document -- hub.item_search ranks them,
    then the page's rows are read."""
    i = db.items.c
    low = q.lower()
    wanted = [func.lower(i.id).contains(low, autoescape=True), i.search.is_(None)]
    wanted += [i.search.contains(v, autoescape=True) for v in item_search.variants(q)]
    candidates = conn.execute(query.with_only_columns(i.id, i.search).where(or_(*wanted))).all()
    unindexed = [r.id for r in candidates if r.search is None]  # written by other code: from the title
    titles = dict(conn.execute(query.with_only_columns(i.id, title).where(i.id.in_(unindexed))).all()) \
        if unindexed else {}
    entries = [e for r in candidates for e in item_search.entries(r.id, r.search, titles.get(r.id))]
    exact = [r.id for r in candidates if r.id.lower() == low]
    by_id = {r.id for r in candidates if low in r.id.lower()}
    if item_search.normalize(q) != low:  # punctuation or spaces the search drops: the titles as typed too
        by_id |= set(conn.execute(query.with_only_columns(i.id).where(
            func.lower(title).contains(low, autoescape=True))).scalars())
    ordered = list(dict.fromkeys(exact + item_search.rank(entries, q) + sorted(by_id)))
    page = ordered[offset:offset + limit]
    rows = {r.id: r for r in conn.execute(query.where(i.id.in_(page))).all()} if page else {}
    return {"items": [summary(rows[n], rows[n].title) for n in page if n in rows], "total": len(ordered),
            "limit": limit, "offset": offset}


def _state_is(state: str, draft_title):
    i = db.items.c
    live = i.deleted_at.is_(None)
    if state == "deleted":
        return i.deleted_at.is_not(None)
    if state == "draft":
        return and_(live, i.revision == 0)
    if state == "changed":
        return and_(live, i.revision > 0, draft_title.is_not(None))
    if state == "published":
        return and_(live, i.revision > 0, draft_title.is_(None))
    raise HubError("invalid", f"state {state[:40]!r}: allowed {', '.join(STATES)}", 422, "state")


def get_row(conn: Connection, item_id: str, *, lock: bool = False) -> Row | None:
    if not is_safe_id(item_id):
        return None
    query = select(db.items).where(db.items.c.id == item_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def readable_row(conn: Connection, tree: Tree, staff: Staff, item_id: str, *, lock: bool = False) -> Row:
    """The item's row when `staff` may read it; 404 otherwise (missing or not theirs alike)."""
    row = get_row(conn, item_id, lock=lock)
    if row is None:
        raise HubError("not_found", f"no item {item_id[:130]!r}", 404)
    perms.require_read(tree, staff, row.target, f"item {item_id!r}")
    return row


def writable_row(conn: Connection, tree: Tree, staff: Staff, item_id: str) -> Row:
    """The item's row, locked, when `staff` may change it: 404 / 403 otherwise."""
    row = readable_row(conn, tree, staff, item_id, lock=True)
    perms.require_write(tree, staff, row.target, f"item {item_id!r}")
    return row


def published_document(conn: Connection, item_id: str, revision: int) -> dict | None:
    if not revision:
        return None
    r = db.item_revisions.c
    text = conn.execute(select(r.document).where(r.item_id == item_id, r.revision == revision)).scalar()
    return json.loads(text) if text is not None else None


def detail(conn: Connection, row: Row) -> dict:
    """Everything about one item: both documents, state, revision, times and who."""
    published = published_document(conn, row.id, row.revision)
    title = (row.draft or published or {}).get("title")
    return {**summary(row, title), "draft": row.draft, "published": published,
            "published_sha256": row.published_sha256}


def read(conn: Connection, staff: Staff, item_id: str) -> dict:
    return detail(conn, readable_row(conn, perms.load_tree(conn), staff, item_id))


# ---- writing drafts ------------------------------------------------------------------------

def require_target(tree: Tree, staff: Staff, draft: dict) -> None:
    """A document's target: an existing node `staff` may write (422 when unknown or unreadable,
    alike; 403 when readable but not theirs). A centre item is its own centre's: id = target."""
    target = draft["target"]
    if draft["kind"] == "centre" and draft["id"] != target:
        raise HubError("invalid", f"target: a centre item's target is its own id ({draft['id']!r}), the "
                       "community node it describes", 422, "target")
    readable = perms.readable(tree, staff)
    if target not in tree.parent or (readable is not None and target not in readable):
        raise HubError("invalid", f"target: no organisation node {target!r} that you can reach", 422, "target")
    writable = perms.writable(tree, staff)
    if writable is not None and target not in writable:
        raise HubError("forbidden", f"target: content for {target!r} needs the editor role on it or above it",
                       403, "target")


def snapshot(values, draft: dict | None) -> dict:
    """What the audit log keeps of an item's standing (`values`: its row's mapping), with the
    draft's digest; the full draft goes in the `after` of the change that wrote it."""
    out = {"kind": values["kind"], "target": values["target"], "revision": values.get("revision") or 0,
           "deleted": values.get("deleted_at") is not None}
    if draft is not None:
        out["draft_sha256"] = hashlib.sha256(json.dumps(draft, sort_keys=True).encode()).hexdigest()
    return out


def create(conn: Connection, staff: Staff, doc: dict) -> dict:
    """A new item holding `doc` as its draft; 409 when the id exists (deleted items keep theirs)."""
    now = db.utcnow()
    draft = check_document(doc, now)
    tree = perms.load_tree(conn)
    require_target(tree, staff, draft)
    taken = HubError("conflict", f"id: an item {draft['id']!r} exists already (ids are unique on the hub, and a "
                     "deleted item keeps its id)", 409, "id")
    if conn.execute(select(db.items.c.id).where(db.items.c.id == draft["id"])).first():
        raise taken
    values = dict(id=draft["id"], kind=draft["kind"], target=draft["target"], draft=draft, draft_updated_at=now,
                  draft_by=staff.name, revision=0, created_at=now, created_by=staff.name,
                  search=item_search.stored(draft))
    try:
        conn.execute(insert(db.items).values(**values))
    except IntegrityError:  # PostgreSQL: another request inserted the same id since the check above
        raise taken from None
    audit.record(conn, staff.name, "item.create", f"item:{draft['id']}", None,
                 {**snapshot(values, draft), "draft": draft})
    return detail(conn, get_row(conn, draft["id"]))


def replace_draft(conn: Connection, staff: Staff, item_id: str, doc: dict) -> dict:
    """Replace the item's draft with `doc`. Its id and kind stay; a new target needs write on the
    old and the new one. On an item never published the row's target moves at once."""
    tree = perms.load_tree(conn)
    row = writable_row(conn, tree, staff, item_id)
    doc = {"id": row.id, "kind": row.kind, **doc}
    for name in ("id", "kind"):
        if doc[name] != getattr(row, name):
            raise HubError("invalid", f"{name}: an item's {name} cannot change ({getattr(row, name)!r} here); "
                           f"make a new item and delete this one", 422, name)
    now = db.utcnow()
    draft = check_document(doc, now)
    require_target(tree, staff, draft)
    values = dict(draft=draft, draft_updated_at=now, draft_by=staff.name, search=item_search.stored(draft))
    if not row.revision:
        values["target"] = draft["target"]
    conn.execute(update(db.items).where(db.items.c.id == row.id).values(**values))
    before = dict(row._mapping)
    audit.record(conn, staff.name, "item.draft", f"item:{row.id}", snapshot(before, row.draft),
                 {**snapshot({**before, **values}, draft), "draft": draft})
    return detail(conn, get_row(conn, row.id))


# ---- publishing and withdrawing (hub.publish does the work and audits it) --------------------

def publish_draft(conn: Connection, settings, staff: Staff, item_id: str) -> dict:
    """Publish the item's draft as its next revision (hub.publish checks its references, moves the
    row to the draft's target, clears the draft and rebuilds the centres it left and reaches);
    409 when there is no draft. Publishing a withdrawn item's draft brings it back."""
    tree = perms.load_tree(conn)
    row = writable_row(conn, tree, staff, item_id)
    if row.draft is None:
        raise HubError("conflict", "nothing to publish: the item has no draft", 409)
    require_target(tree, staff, row.draft)
    if row.deleted_at is not None:
        conn.execute(update(db.items).where(db.items.c.id == row.id).values(deleted_at=None))
        audit.record(conn, staff.name, "item.restore", f"item:{row.id}", snapshot(row._mapping, row.draft),
                     snapshot({**row._mapping, "deleted_at": None}, row.draft))
    publish.publish_revision(conn, settings, staff.name, row.id, row.draft)
    return detail(conn, get_row(conn, row.id))


def withdraw(conn: Connection, settings, staff: Staff, item_id: str) -> dict:
    """Take the item off every terminal (it keeps its row, revisions and id); 409 when it is
    withdrawn already, when another item still refers to it, or for a centre's own item."""
    tree = perms.load_tree(conn)
    row = writable_row(conn, tree, staff, item_id)
    if row.deleted_at is not None:
        raise HubError("conflict", f"item {row.id!r} is withdrawn already", 409)
    publish.withdraw(conn, settings, staff.name, row.id)
    return detail(conn, get_row(conn, row.id))
