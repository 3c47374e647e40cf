"""`GET /api/staff/audit?limit=&before_id=&target=&actor=`: who changed what, newest first
(DESIGN.md, "Staff API").

An admin sees every entry. An editor or viewer sees the entries about what they may read: a node
(`node:ID`) they may read (`perms.readable`: their subtrees and the nodes above them), an item
(`item:ID`) targeting such a node, a terminal (`terminal:ID`) of a node they look after
(`perms.managed`), and the files they uploaded themselves (`blob:SHA256` with their name as the
actor). Entries about users, keys and files of others are for admins.

Pages go backwards by id (keyset): pass the answer's `next_before_id` as `before_id` for the next
page; it is null on the last one. Times are ISO 8601 in UTC.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import String, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hub import db, perms
from hub.http import current_staff
from hub.perms import Staff

MAX_LIMIT = 500

router = APIRouter()


def _visible(tree: perms.Tree, staff: Staff) -> ColumnElement[bool]:
    """The entries `staff` (not an admin) may see."""
    a = db.audit_log.c
    nodes = perms.readable(tree, staff) or set()
    managed = perms.managed(tree, staff) or set()
    items = select(literal("item:", String) + db.items.c.id).where(db.items.c.target.in_(nodes))
    terminals = select(literal("terminal:", String) + db.terminals.c.id).where(db.terminals.c.centre_id.in_(managed))
    return or_(a.target.in_([f"node:{n}" for n in sorted(nodes)]),
               a.target.in_(items.scalar_subquery()),
               a.target.in_(terminals.scalar_subquery()),
               (a.actor == staff.name) & a.target.startswith("blob:"))


def page(conn: Connection, staff: Staff, limit: int, before_id: int | None = None, target: str | None = None,
         actor: str | None = None) -> dict:
    """`{"entries", "next_before_id"}`: up to `limit` entries `staff` may see, newest first, with an
    id below `before_id`, of that target and actor when given (the API and the 审计 page share it)."""
    a = db.audit_log.c
    query = select(db.audit_log).order_by(a.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(a.id < before_id)
    if target is not None:
        query = query.where(a.target == target)
    if actor is not None:
        query = query.where(a.actor == actor)
    if not staff.admin:
        query = query.where(_visible(perms.load_tree(conn), staff))
    rows = conn.execute(query).mappings().all()
    entries = [{"id": r["id"], "at": db.as_utc(r["at"]).isoformat(), "actor": r["actor"], "action": r["action"],
                "target": r["target"], "before": r["before"], "after": r["after"]} for r in rows]
    return {"entries": entries, "next_before_id": entries[-1]["id"] if len(entries) == limit else None}


@router.get("/api/staff/audit")
def audit_entries(request: Request, staff: Staff = Depends(current_staff),
                  limit: int = Query(100, ge=1, le=MAX_LIMIT),
                  before_id: int | None = Query(None, ge=1),
                  target: str | None = Query(None, min_length=1, max_length=200),
                  actor: str | None = Query(None, min_length=1, max_length=100)):
    with request.app.state.engine.connect() as conn:
        return page(conn, staff, limit, before_id, target, actor)
