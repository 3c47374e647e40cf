"""The organisation tree (区 district > 街道 street > 社区 community) and enrolment codes.

A centre is a `community` node: terminals are enrolled to one, and content that targets a node
reaches every centre below it (`subtree`). Node ids follow content item ids (`content.schemas`),
at most 64 characters, because content's `target` names them.

An enrolment code (`kiosk-hub enroll-code --centre ID`) is shown once and kept as its sha256; it
enrols one terminal before it expires (`redeem` marks it used in the same statement that checks it,
so two terminals racing with one code cannot both win).
"""
from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from content.schemas import is_safe_id
from hub import audit, db, limits
from hub.accounts import digest
from hub.errors import HubError

PARENT_KIND = {"district": None, "street": "district", "community": "street"}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a kiosk
CODE_GROUPS, CODE_GROUP_LEN = 4, 4                    # 16 characters, 80 bits
MAX_EXPIRY = dt.timedelta(days=30)
_DURATION_RE = re.compile(r"([1-9][0-9]{0,4})([mhd])")


def add_node(engine: Engine, actor: str, node_id: str, kind: str, name: str, parent: str | None = None) -> None:
    if not is_safe_id(node_id) or len(node_id) > 64:
        raise HubError("bad_request", "a node id is 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or "
                       "digit", 422, "id")
    if kind not in PARENT_KIND:
        raise HubError("bad_request", f"kind {kind!r}: allowed district, street, community", 422, "kind")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        raise HubError("bad_request", "a name is 1 to 200 characters", 422, "name")
    with engine.begin() as conn:
        if conn.execute(select(db.org_nodes.c.id).where(db.org_nodes.c.id == node_id)).first():
            raise HubError("conflict", f"node {node_id!r} exists already", 409, "id")
        parent_kind = None
        if parent is not None:
            parent_kind = conn.execute(select(db.org_nodes.c.kind).where(db.org_nodes.c.id == parent)).scalar()
            if parent_kind is None:
                raise HubError("not_found", f"no organisation node {parent!r}", 404, "parent")
        if parent_kind != PARENT_KIND[kind]:
            want = PARENT_KIND[kind]
            raise HubError("bad_request", f"a {kind} sits " + (f"under a {want}" if want else "at the top"),
                           422, "parent")
        conn.execute(insert(db.org_nodes).values(id=node_id, parent_id=parent, kind=kind, name=name.strip(),
                                                 created_at=db.utcnow()))
        audit.record(conn, actor, "node.create", f"node:{node_id}", None,
                     {"kind": kind, "name": name.strip(), "parent": parent})


def subtree(engine: Engine, node_id: str) -> set[str]:
    """`node_id` and every node below it (the tree is three levels deep: a few queries at most)."""
    found, frontier = {node_id}, [node_id]
    with engine.connect() as conn:
        while frontier:
            rows = conn.execute(select(db.org_nodes.c.id).where(db.org_nodes.c.parent_id.in_(frontier))).scalars()
            frontier = [r for r in rows if r not in found]
            found.update(frontier)
    return found


def centres(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(db.org_nodes.c.id).where(db.org_nodes.c.kind == "community")
                                 .order_by(db.org_nodes.c.id)).scalars())


def choose_centre(engine: Engine, centre: str | None) -> str:
    """`centre` when it is a centre; with None, the only centre when there is exactly one (DESIGN.md)."""
    known = centres(engine)
    if centre is None:
        if len(known) == 1:
            return known[0]
        raise HubError("bad_request", "no centre yet: add the organisation first" if not known else
                       f"{len(known)} centres: name one with --centre", 422, "centre")
    if centre not in known:
        raise HubError("not_found", f"no centre {centre!r} (a centre is a community node)", 404, "centre")
    return centre


def parse_duration(text: str, most: dt.timedelta = MAX_EXPIRY, what: str = "an enrolment code") -> dt.timedelta:
    """'30m', '24h', '7d' -> a timedelta of at most `most`."""
    m = _DURATION_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise HubError("bad_request", f"{str(text)[:20]!r} is not a duration like 30m, 24h or 7d", 422, "expires")
    value = dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]: int(m.group(1))})
    if value > most:
        raise HubError("bad_request", f"{what} lives at most {most.days} days", 422, "expires")
    return value


def normalise_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def create_code(engine: Engine, actor: str, centre: str, lifetime: dt.timedelta) -> tuple[str, dt.datetime]:
    """(the one-time code, when it expires); only the code's sha256 is stored."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LEN))
    code = "-".join(raw[i:i + CODE_GROUP_LEN] for i in range(0, len(raw), CODE_GROUP_LEN))
    now = db.utcnow()
    with engine.begin() as conn:
        cid = conn.execute(insert(db.enrolment_codes).values(
            code_hash=digest(raw), centre_id=centre, created_by=actor, created_at=now,
            expires_at=now + lifetime)).inserted_primary_key[0]
        audit.record(conn, actor, "enrolment_code.create", f"node:{centre}", None,
                     {"code_id": cid, "expires_at": (now + lifetime).isoformat()})
    return code, now + lifetime


def redeem(engine: Engine, code: str, client: str | None = None) -> str | None:
    """The centre of a live, unused code, marking it used; None for any other code. With `client`
    (the terminal's address) failures count towards `limits.ENROL`: HubError 429 while it is locked,
    so nobody can walk the code space from one address."""
    c = db.enrolment_codes.c

    def attempt(conn) -> str | None:
        if not isinstance(code, str) or len(code) > 64:
            return None
        now = db.utcnow()
        row = conn.execute(update(db.enrolment_codes)
                           .where(c.code_hash == digest(normalise_code(code)), c.used_at.is_(None), c.expires_at > now)
                           .values(used_at=now).returning(c.id, c.centre_id)).first()
        if row is None:
            return None
        audit.record(conn, "terminal", "enrolment_code.use", f"node:{row.centre_id}", None, {"code_id": row.id})
        return row.centre_id

    return limits.guard(engine, [f"enroll:ip:{client}"] if client else [], limits.ENROL, attempt)
