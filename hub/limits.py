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

from sqlalchemy import case, delete, literal, null, select
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
    """Count one failure for `key`; returns the count in the current window (locks at the limit).

    One upsert that reads the old row and writes the new one in the same statement: workers
    counting failures for the same key at the same moment never lose one (a read, then a write,
    would let two of them both write "3")."""
    now = now or db.utcnow()
    t = db.auth_failures
    cutoff, lock_until = now - limit.window, now + limit.lock
    stale = t.c.first_at <= cutoff                        # the old row's window is over: start again
    never = null().cast(t.c.locked_until.type)
    first_lock = lock_until if limit.failures <= 1 else None
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(t).values(key=_key(key), count=1, first_at=now, locked_until=first_lock)
    statement = statement.on_conflict_do_update(index_elements=["key"], set_={
        "count": case((stale, 1), else_=t.c.count + 1),
        "first_at": case((stale, now), else_=t.c.first_at),
        "locked_until": case((stale, literal(first_lock, t.c.locked_until.type) if first_lock else never),
                             (t.c.count + 1 >= limit.failures, literal(lock_until, t.c.locked_until.type)),
                             else_=never),
    })
    return conn.execute(statement.returning(t.c.count)).scalar_one()


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
