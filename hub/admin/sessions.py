"""Browser sessions of the staff web pages (`staff_sessions`, hub/db.py).

The cookie holds a random id; only its sha256 is stored, so a copy of the database signs nobody
in. A session ends after IDLE without a request, after ABSOLUTE in any case, when its user signs
out, changes their password (every other session of theirs), or is disabled (refused at once).
Each session has its own CSRF token, sent back in every POST form.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Engine

from hub import accounts, audit, db

COOKIE = "khub_session"
IDLE = dt.timedelta(hours=8)
ABSOLUTE = dt.timedelta(days=7)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Session:
    id_hash: str
    user: str
    csrf: str


def start(engine: Engine, user: str, client: str | None) -> str:
    """A new session for `user` (already verified); the cookie value, returned once. Sessions of
    anyone that have timed out are removed on the way."""
    raw = secrets.token_urlsafe(32)
    now = db.utcnow()
    s = db.staff_sessions.c
    with engine.begin() as conn:
        uid = conn.execute(select(db.users.c.id).where(db.users.c.name == user)).scalar_one()
        conn.execute(delete(db.staff_sessions).where(or_(s.expires_at <= now, s.last_seen_at <= now - IDLE)))
        conn.execute(insert(db.staff_sessions).values(
            id_hash=accounts.digest(raw), user_id=uid, csrf=secrets.token_urlsafe(32), created_at=now,
            last_seen_at=now, expires_at=now + ABSOLUTE, client=(client or "")[:100] or None))
        audit.record(conn, user, "session.start", f"user:{user}", None, {"client": client})
    return raw


def find(engine: Engine, raw: str | None) -> Session | None:
    """The live session of an enabled user whose cookie is `raw`, or None (a dead one is removed)."""
    if not raw or len(raw) > 100:
        return None
    s, u = db.staff_sessions.c, db.users.c
    id_hash, now = accounts.digest(raw), db.utcnow()
    with engine.connect() as conn:
        row = conn.execute(select(s.csrf, s.last_seen_at, s.expires_at, u.name, u.disabled)
                           .join(db.users, u.id == s.user_id).where(s.id_hash == id_hash)).first()
    if row is None:
        return None
    last_seen, expires = db.as_utc(row.last_seen_at), db.as_utc(row.expires_at)
    if row.disabled or now >= expires or now - last_seen >= IDLE:
        with engine.begin() as conn:
            conn.execute(delete(db.staff_sessions).where(s.id_hash == id_hash))
        return None
    if now - last_seen >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(update(db.staff_sessions).where(s.id_hash == id_hash).values(last_seen_at=now))
    return Session(id_hash=id_hash, user=row.name, csrf=row.csrf)


def end(engine: Engine, session: Session) -> None:
    with engine.begin() as conn:
        conn.execute(delete(db.staff_sessions).where(db.staff_sessions.c.id_hash == session.id_hash))
        audit.record(conn, session.user, "session.end", f"user:{session.user}", None, None)


def change_password(engine: Engine, session: Session, new: str) -> int:
    """Store `new` (checked with accounts.check_password) for the session's user and end every
    other session of theirs; the number ended. The old password is verified by the caller."""
    hashed = _HASHER.hash(accounts.check_password(new))
    s, u = db.staff_sessions.c, db.users.c
    with engine.begin() as conn:
        uid = conn.execute(select(u.id).where(u.name == session.user)).scalar_one()
        conn.execute(update(db.users).where(u.id == uid).values(password_hash=hashed))
        ended = conn.execute(delete(db.staff_sessions).where(s.user_id == uid, s.id_hash != session.id_hash)).rowcount
        audit.record(conn, session.user, "user.password", f"user:{session.user}", None,
                     {"other_sessions_ended": ended})
    return ended
