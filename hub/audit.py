"""The audit log: every change, in the same transaction as the change itself (so there is never a
change without its record, nor a record of a change that rolled back). `before` and `after` are
JSON-able snapshots; secrets (hashes, tokens, codes) are never put in them."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from hub import db

CLI_ACTOR = "cli"  # a command run on the server by whoever can read its data dir


def record(conn: Connection, actor: str, action: str, target: str,
           before: dict | None = None, after: dict | None = None) -> None:
    conn.execute(insert(db.audit_log).values(at=db.utcnow(), actor=actor, action=action, target=target,
                                             before=before, after=after))


def entries(conn: Connection, limit: int = 100) -> list[dict]:
    """The newest entries first."""
    rows = conn.execute(select(db.audit_log).order_by(db.audit_log.c.id.desc()).limit(limit)).mappings().all()
    return [{**row, "at": db.as_utc(row["at"])} for row in rows]
