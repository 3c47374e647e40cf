"""Lockout and rate limits for sign-ins and enrolment, counted in the database (every worker sees
the same counts; a restart forgets nothing).

After `failures` failed attempts within `window` for one key (a user name, a client address) the
key is locked for `lock`; a failure after the lock, still in the same window, locks it again at
once (one guess per lock period, not a fresh allowance). While locked, even a right password is refused, and
the answer says when to try again -- the same answer for a known and an unknown name. A success
clears the key. Keys are namespaced by the caller: `login:user:NAME`, `enroll:ip:ADDR`.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from hub import db
from hub.errors import HubError

MAX_KEY = 200


@dataclass(frozen=True)
class Limit:
    failures: int
    window: dt.timedelta
    lock: dt.timedelta


LOGIN = Limit(failures=5, window=dt.timedelta(minutes=15), lock=dt.timedelta(minutes=15))
ENROL = Limit(failures=10, window=dt.timedelta(hours=1), lock=dt.timedelta(hours=1))


def _key(key: str) -> str:
    return key[:MAX_KEY]


def check(conn: Connection, key: str, now: dt.datetime | None = None) -> None:
    """HubError 429 (with the seconds to wait in the message) while `key` is locked."""
    now = now or db.utcnow()
    until = conn.execute(select(db.auth_failures.c.locked_until)
                         .where(db.auth_failures.c.key == _key(key))).scalar()
    until = db.as_utc(until)
    if until is not None and until > now:
        wait = math.ceil((until - now).total_seconds())
        raise HubError("locked", f"too many failed attempts: try again in {wait} s", 429)


def failed(conn: Connection, key: str, limit: Limit, now: dt.datetime | None = None) -> int:
    """Count one failure for `key`; returns the count in the current window (locks at the limit)."""
    now = now or db.utcnow()
    t = db.auth_failures
    row = conn.execute(select(t.c.count, t.c.first_at).where(t.c.key == _key(key))).first()
    if row is None or db.as_utc(row.first_at) + limit.window <= now:
        count, first = 1, now
    else:
        count, first = row.count + 1, db.as_utc(row.first_at)
    locked = now + limit.lock if count >= limit.failures else None
    values = {"key": _key(key), "count": count, "first_at": first, "locked_until": locked}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(t).values(**values).on_conflict_do_update(
        index_elements=["key"], set_={k: v for k, v in values.items() if k != "key"}))
    return count


def succeeded(conn: Connection, key: str) -> None:
    conn.execute(delete(db.auth_failures).where(db.auth_failures.c.key == _key(key)))


def guard(engine: Engine, keys: list[str], limit: Limit, attempt) -> object:
    """Run `attempt(conn)` (truthy = success) unless a key is locked; count or clear every key.

    The failure is committed before the refusal is raised, so a failed attempt always counts."""
    with engine.begin() as conn:
        for key in keys:
            check(conn, key)
        result = attempt(conn)
        for key in keys:
            if result:
                succeeded(conn, key)
            else:
                failed(conn, key, limit)
    return result
