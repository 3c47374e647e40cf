"""Who may read and write what, by role on the organisation tree (DESIGN.md, "Staff API").

* admin: everything.
* editor of node N: reads and writes content, files and terminals of N and every node below it;
  reads content that targets a node above N too (it reaches N's centres).
* viewer of node N: reads what an editor of N reads; writes nothing.

Something a user may not read is answered as if it did not exist (404), so one centre's staff
cannot even learn the ids of another's items or terminals; something they may read but not change
is a 403 naming the role that would be needed.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from hub import accounts, db
from hub.errors import HubError


@dataclass(frozen=True)
class Staff:
    name: str
    admin: bool
    editor_of: frozenset[str]   # nodes granted directly
    viewer_of: frozenset[str]


@dataclass(frozen=True)
class Tree:
    parent: dict[str, str | None]   # node -> parent
    kind: dict[str, str]

    def below(self, node: str) -> set[str]:
        """`node` and every node under it."""
        children: dict[str, list[str]] = {}
        for n, p in self.parent.items():
            children.setdefault(p, []).append(n)
        found, stack = set(), [node]
        while stack:
            n = stack.pop()
            if n not in found and n in self.parent:
                found.add(n)
                stack.extend(children.get(n, []))
        return found

    def above(self, node: str) -> list[str]:
        """`node`'s ancestors, nearest first (not `node` itself)."""
        out, n = [], self.parent.get(node)
        while n is not None and n not in out:
            out.append(n)
            n = self.parent.get(n)
        return out

    def centres_below(self, node: str) -> set[str]:
        return {n for n in self.below(node) if self.kind[n] == "community"}


def load_tree(conn: Connection) -> Tree:
    rows = conn.execute(select(db.org_nodes.c.id, db.org_nodes.c.parent_id, db.org_nodes.c.kind)).all()
    return Tree({r.id: r.parent_id for r in rows}, {r.id: r.kind for r in rows})


def staff_for_token(engine: Engine, token: str | None) -> Staff | None:
    name = accounts.user_for_token(engine, token) if token else None
    return staff_named(engine, name) if name else None


def staff_named(engine: Engine, name: str) -> Staff:
    roles = accounts.roles_of(engine, name)
    return Staff(name=name, admin=any(r == "admin" for r, _ in roles),
                 editor_of=frozenset(n for r, n in roles if r == "editor"),
                 viewer_of=frozenset(n for r, n in roles if r == "viewer"))


def writable(tree: Tree, staff: Staff) -> set[str] | None:
    """Nodes whose content and terminals `staff` may change; None: all."""
    if staff.admin:
        return None
    return set().union(*(tree.below(n) for n in staff.editor_of)) if staff.editor_of else set()


def readable(tree: Tree, staff: Staff) -> set[str] | None:
    """Nodes whose content `staff` may read (their subtrees and the nodes above them); None: all."""
    if staff.admin:
        return None
    out: set[str] = set()
    for n in staff.editor_of | staff.viewer_of:
        out |= tree.below(n) | set(tree.above(n))
    return out


def managed(tree: Tree, staff: Staff) -> set[str] | None:
    """Nodes whose terminals `staff` may see: their subtrees only (not the nodes above)."""
    if staff.admin:
        return None
    return set().union(*(tree.below(n) for n in staff.editor_of | staff.viewer_of)) \
        if staff.editor_of | staff.viewer_of else set()


def require_read(tree: Tree, staff: Staff, node: str, what: str) -> None:
    nodes = readable(tree, staff)
    if nodes is not None and node not in nodes:
        raise HubError("not_found", f"no {what}", 404)


def require_write(tree: Tree, staff: Staff, node: str, what: str) -> None:
    """404 when `staff` cannot even read it, 403 when they can read but not change it."""
    require_read(tree, staff, node, what)
    nodes = writable(tree, staff)
    if nodes is not None and node not in nodes:
        raise HubError("forbidden", f"changing {what} needs the editor role on {node!r} or above it", 403)
