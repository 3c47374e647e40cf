"""Terminals: enrolment with a one-time code, their bearer tokens, and revocation.

A terminal enrols once (`POST /api/v1/enroll` with a code from `kiosk-hub enroll-code`) and gets
an id and a token (`kterm_…`, shown once; only its sha256 is kept). Every later request carries
the token; a revoked terminal's token is refused at once (the revocation is an event every worker
process hears: hub.events.TERMINAL_REVOKED).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from hub import audit, db, org
from hub.accounts import digest
from hub.errors import HubError

TOKEN_PREFIX = "kterm_"
MAX_TOKEN = 200


@dataclass(frozen=True)
class Terminal:
    id: str
    centre_id: str


def new_id() -> str:
    return "t-" + secrets.token_hex(6)


def enroll(engine: Engine, code: str, name: str, hardware: dict | None, client: str | None) -> tuple[Terminal, str]:
    """(the new terminal, its token) for a live one-time code; HubError 401 for any other code,
    429 while the client address is locked out (hub.limits.ENROL)."""
    centre = org.redeem(engine, code, client)
    if centre is None:
        raise HubError("bad_code", "this enrolment code is wrong, used or expired: ask for a new one", 401, "code")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    terminal = Terminal(new_id(), centre)
    with engine.begin() as conn:
        conn.execute(insert(db.terminals).values(id=terminal.id, centre_id=centre, name=name, hardware=hardware,
                                                 token_hash=digest(token), enrolled_at=db.utcnow()))
        audit.record(conn, "terminal", "terminal.enroll", f"terminal:{terminal.id}", None,
                     {"centre": centre, "name": name})
    return terminal, token


def authenticate(conn: Connection, token: str | None) -> Terminal | None:
    """The live (not revoked) terminal holding `token`, or None."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN:
        return None
    t = db.terminals.c
    row = conn.execute(select(t.id, t.centre_id).where(t.token_hash == digest(token), t.revoked_at.is_(None))).first()
    return Terminal(row.id, row.centre_id) if row else None
