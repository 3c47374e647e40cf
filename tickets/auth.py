"""Who may do what to the queue: kiosks by their shared token, counter staff by signing in.

* A kiosk sends `Authorization: Bearer <token>` (`[tickets] token` or `KIOSK_TICKETS_TOKEN`). It
  may issue tickets, mark them printed and call for help -- never call a number.
* Counter staff sign in with a name and password (argon2 hashes, `kiosk tickets user add`). The
  session is a random token: in a browser an HttpOnly cookie plus a CSRF token the page sends
  back in `X-CSRF-Token` on every change; a script may send the same token as a bearer instead.
  A counter session may call, finish and transfer tickets -- never issue one.
* Five wrong passwords for one name lock it for a minute (and the answer to a wrong name and a
  wrong password is the same).
Tokens are stored as their sha256 only: a copy of the file does not sign anybody in.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tickets import db
from tickets.queue import QueueError, iso

log = logging.getLogger(__name__)

SESSION_HOURS = 12
LOCK_AFTER = 5
LOCK_SECONDS = 60
USER_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_PASSWORD = 8
_HASHER = PasswordHasher()
# verified against when the name is unknown, so both failures take the same time
_DUMMY_HASH = _HASHER.hash("not a real password")


@dataclass(frozen=True)
class Principal:
    role: str               # "kiosk" or "counter"
    user: str | None = None
    csrf: str | None = None  # set when the session came from a cookie: changes must present it


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not USER_RE.match(name):
        raise QueueError("bad_request", "a user name is 1 to 32 letters, digits, '.', '_' or '-'", 422, "user")
    return name


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= 200:
        raise QueueError("bad_request", f"a password is {MIN_PASSWORD} to 200 characters", 422, "password")
    return password


class Accounts:
    def __init__(self, engine, clock, kiosk_token: str):
        self.engine, self.clock, self.kiosk_token = engine, clock, kiosk_token

    # ---- users ---------------------------------------------------------------------------

    def add_user(self, name: str, password: str, windows: list[str] | None = None) -> None:
        """Add `name` (or set a new password); `windows` limits where they may call (None: anywhere)."""
        check_user_name(name)
        hashed = _HASHER.hash(check_password(password))
        if windows is not None and (not windows or not all(isinstance(w, str) and 1 <= len(w) <= 64 for w in windows)):
            raise QueueError("bad_request", "windows are 1 to 64 characters each, at least one", 422, "windows")
        allowed = json.dumps(sorted(set(windows)), ensure_ascii=False) if windows is not None else None
        with self.engine.begin() as conn:
            conn.execute(sqlite_insert(db.users).values(name=name, password_hash=hashed, windows=allowed,
                                                        created_at=iso(self.clock.now()))
                         .on_conflict_do_update(index_elements=["name"],
                                                set_={"password_hash": hashed, "windows": allowed}))
            conn.execute(delete(db.sessions).where(db.sessions.c.user == name))  # a new password signs everyone out

    def remove_user(self, name: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(db.sessions).where(db.sessions.c.user == name))
            return conn.execute(delete(db.users).where(db.users.c.name == name)).rowcount > 0

    def list_users(self) -> list[tuple[str, list[str] | None]]:
        """(name, windows or None for every window), by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.users.c.name, db.users.c.windows).order_by(db.users.c.name)).all()
        return [(name, json.loads(w) if w else None) for name, w in rows]

    def windows_of(self, name: str) -> list[str] | None:
        """The windows `name` may call at (None: every one)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(db.users.c.windows).where(db.users.c.name == name)).scalar()
        return json.loads(value) if value else None

    # ---- sessions ------------------------------------------------------------------------

    def login(self, name, password) -> tuple[str, str]:
        """(session token, csrf token); QueueError 401/429 on a wrong or locked account."""
        if not isinstance(name, str) or not isinstance(password, str) or len(name) > 64 or len(password) > 200:
            raise QueueError("bad_login", "wrong user name or password", 401)
        now = self.clock.now()
        with self.engine.begin() as conn:
            fail = conn.execute(select(db.login_failures).where(db.login_failures.c.user == name)).first()
            if fail and fail.count >= LOCK_AFTER:
                since = (now - dt.datetime.fromisoformat(fail.last_at)).total_seconds()
                if since < LOCK_SECONDS:
                    raise QueueError("locked", f"too many wrong passwords: try again in {LOCK_SECONDS - int(since)} s",
                                     429, retry_after=LOCK_SECONDS - int(since))
            row = conn.execute(select(db.users).where(db.users.c.name == name)).first()
            try:
                ok = _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
            except (VerificationError, InvalidHashError):
                ok = False
            if ok:
                conn.execute(delete(db.login_failures).where(db.login_failures.c.user == name))
                token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
                conn.execute(insert(db.sessions).values(
                    token_hash=_digest(token), user=name, csrf=csrf, created_at=iso(now),
                    expires_at=iso(now + dt.timedelta(hours=SESSION_HOURS))))
                conn.execute(delete(db.sessions).where(db.sessions.c.expires_at < iso(now)))
            else:  # counted in this transaction, which commits: the refusal is raised after it
                count = (fail.count if fail else 0) + 1
                conn.execute(sqlite_insert(db.login_failures).values(user=name[:64], count=count, last_at=iso(now))
                             .on_conflict_do_update(index_elements=["user"], set_={"count": count, "last_at": iso(now)}))
        if not ok:
            log.warning("counter sign-in failed for %r (%d in a row)", name[:64], count)
            raise QueueError("bad_login", "wrong user name or password", 401)
        log.info("counter user %s signed in", name)
        return token, csrf

    def logout(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.sessions).where(db.sessions.c.token_hash == _digest(token)))

    def session(self, token: str) -> tuple[str, str] | None:
        """(user, csrf) of a live session, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(db.sessions).where(db.sessions.c.token_hash == _digest(token))).first()
        if row is None or row.expires_at < iso(self.clock.now()):
            return None
        return row.user, row.csrf

    # ---- the request's principal ---------------------------------------------------------

    def principal(self, authorization: str | None, cookie: str | None) -> Principal | None:
        if authorization:
            scheme, _, value = authorization.partition(" ")
            value = value.strip()
            if scheme.lower() != "bearer" or not value:
                return None
            if self.kiosk_token and hmac.compare_digest(value.encode(), self.kiosk_token.encode()):
                return Principal("kiosk")
            found = self.session(value)
            return Principal("counter", found[0]) if found else None
        if cookie:
            found = self.session(cookie)
            if found:
                return Principal("counter", found[0], csrf=found[1])
        return None
