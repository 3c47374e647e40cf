"""The organisation tree as the staff API shows it: the nodes a user may read, and new nodes
(admins only; `hub.org.add_node` checks and audits them)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from hub import db, org, perms
from hub.errors import HubError
from hub.perms import Staff

NODE_FIELDS = ("id", "kind", "name", "parent")


def readable_nodes(conn: Connection, staff: Staff) -> list[dict]:
    """Every node `staff` may read, parents before children, each with whether they may write it."""
    tree = perms.load_tree(conn)
    readable, writable = perms.readable(tree, staff), perms.writable(tree, staff)
    n = db.org_nodes.c
    rows = conn.execute(select(n.id, n.kind, n.name, n.parent_id)).all()
    depth = {"district": 0, "street": 1, "community": 2}
    rows = sorted((r for r in rows if readable is None or r.id in readable), key=lambda r: (depth[r.kind], r.id))
    return [{"id": r.id, "kind": r.kind, "name": r.name, "parent": r.parent_id,
             "writable": writable is None or r.id in writable} for r in rows]


def create_node(engine: Engine, staff: Staff, body: dict) -> dict:
    """Add a node from `{id, kind, name, parent}`; 403 unless `staff` is an admin."""
    if not staff.admin:
        raise HubError("forbidden", "adding to the organisation tree needs the admin role", 403)
    unknown = sorted(set(body) - set(NODE_FIELDS))
    if unknown:
        raise HubError("invalid", f"{unknown[0][:40]}: unknown field; allowed {', '.join(NODE_FIELDS)}", 422,
                       unknown[0][:40])
    for name in NODE_FIELDS:
        value = body.get(name)
        if not isinstance(value, str) and not (name == "parent" and value is None):
            raise HubError("invalid", f"{name}: required, a string" + (" (or null for a district)"
                           if name == "parent" else ""), 422, name)
    org.add_node(engine, staff.name, body["id"], body["kind"], body["name"], body.get("parent"))
    return {"id": body["id"], "kind": body["kind"], "name": body["name"].strip(), "parent": body.get("parent"),
            "writable": True}
