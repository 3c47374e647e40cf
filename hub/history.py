"""A terminal's heartbeat history: every accepted heartbeat is also a `heartbeat_log` row (written
in the heartbeat's own transaction, hub.terminals.heartbeat), kept KEEP_DAYS days.

Pruning stays cheap: each heartbeat deletes its own terminal's rows older than KEEP_DAYS (an
index range on (terminal_id, at): usually nothing, after two weeks the one row that fell off), and
about one heartbeat in SWEEP_EVERY also sweeps every terminal's old rows (those of terminals that
stopped sending), at most SWEEP_ROWS at a time.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from hub import db

KEEP_DAYS = 14
SWEEP_EVERY = 500
SWEEP_ROWS = 5000
MAX_LIMIT = 1000


def record(conn: Connection, terminal_id: str, now: dt.datetime, state: dict) -> None:
    """Keep one heartbeat (`state`: the validated heartbeat as stored on the terminal's row)."""
    h = db.heartbeat_log.c
    conn.execute(insert(db.heartbeat_log).values(terminal_id=terminal_id, at=now, state=state))
    cutoff = now - dt.timedelta(days=KEEP_DAYS)
    conn.execute(delete(db.heartbeat_log).where(h.terminal_id == terminal_id, h.at < cutoff))
    if random.randrange(SWEEP_EVERY) == 0:
        prune(conn, now)


def prune(conn: Connection, now: dt.datetime, limit: int = SWEEP_ROWS) -> int:
    """Delete up to `limit` rows (of any terminal) older than KEEP_DAYS; how many went."""
    h = db.heartbeat_log.c
    old = select(h.id).where(h.at < now - dt.timedelta(days=KEEP_DAYS)).order_by(h.id).limit(limit)
    ids = conn.execute(old).scalars().all()
    if ids:
        conn.execute(delete(db.heartbeat_log).where(h.id.in_(ids)))
    return len(ids)


def _percent(part, whole) -> float | None:
    if not isinstance(part, int) or not isinstance(whole, int) or whole <= 0:
        return None
    return round(100 * part / whole, 1)


def _device(report) -> dict | None:
    return {"state": report.get("state"), "detail": report.get("detail")} if isinstance(report, dict) else None


def entry(at: dt.datetime, state: dict) -> dict:
    """One row as a terminal's page shows it."""
    return {"at": db.as_utc(at).isoformat(), "version_shown": state.get("version_shown"),
            "app_version": state.get("app_version"), "printer": _device(state.get("printer")),
            "reader": _device(state.get("reader")),
            "disk_free_pct": _percent(state.get("disk_free_bytes"), state.get("disk_total_bytes")),
            "last_error": state.get("last_error"), "uptime_s": state.get("uptime_s"),
            "clock_offset_s": state.get("clock_offset_s")}


def rows(conn: Connection, terminal_id: str, since: dt.datetime | None, limit: int) -> list[dict]:
    """The terminal's heartbeats at or after `since`, newest first, at most `limit`."""
    h = db.heartbeat_log.c
    query = select(h.at, h.state).where(h.terminal_id == terminal_id)
    if since is not None:
        query = query.where(h.at >= since)
    found = conn.execute(query.order_by(h.at.desc(), h.id.desc()).limit(min(limit, MAX_LIMIT))).all()
    return [entry(r.at, r.state or {}) for r in found]
