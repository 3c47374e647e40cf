"""Changes every worker process must hear of at once: a centre's manifest changed (wake its
long-polls), a terminal was revoked (refuse its token). `record` writes a row to `hub_events` in the
caller's transaction and, on PostgreSQL, sends NOTIFY on `CHANNEL` (delivered at commit, so no
process hears of a change that rolled back). Each process follows them (the watcher in
hub.notify): by LISTEN on PostgreSQL, by reading new rows on SQLite.
"""
from __future__ import annotations

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from hub import db

CHANNEL = "kiosk_hub_events"
MANIFEST = "manifest"              # subject: a centre id
TERMINAL_REVOKED = "terminal.revoke"  # subject: a terminal id


def record(conn: Connection, kind: str, subject: str) -> None:
    conn.execute(insert(db.hub_events).values(at=db.utcnow(), kind=kind, subject=subject))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                     {"channel": CHANNEL, "payload": f"{kind}:{subject}"})


def since(conn: Connection, last_id: int, limit: int = 1000) -> list[tuple[int, str, str]]:
    """Events after `last_id`, oldest first: (id, kind, subject)."""
    e = db.hub_events.c
    rows = conn.execute(select(e.id, e.kind, e.subject).where(e.id > last_id).order_by(e.id).limit(limit)).all()
    return [tuple(r) for r in rows]


def latest_id(conn: Connection) -> int:
    from sqlalchemy import func

    return conn.execute(select(func.coalesce(func.max(db.hub_events.c.id), 0))).scalar()
