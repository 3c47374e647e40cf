"""Staff accounts: users with argon2 passwords, role grants on the organisation tree, API tokens.

* A user name is 1 to 64 letters, digits, '.', '_' or '-'; a password 10 to 200 characters.
* Roles: `admin` (the whole tree), `editor` or `viewer` of a node and everything below it.
* An API token (`kiosk-hub token --user U`) is a random bearer value shown once; only its sha256
  is stored, so a copy of the database signs nobody in. `user_for_token` finds its user and
  notes when it was last used; a revoked token or a disabled user finds nobody.
Every change is written to the audit log in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from hub import audit, db, limits
from hub.errors import HubError

USER_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 200
TOKEN_PREFIX = "khub_"  # recognisable in a leaked config or log, so it can be found and revoked
TOKEN_LIFETIME = dt.timedelta(days=365)   # kiosk-hub token --expires; refused once past
MAX_TOKEN_LIFETIME = dt.timedelta(days=3650)
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not anybody's password")  # verified for unknown names: same time, same answer


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not USER_RE.match(name):
        raise HubError("bad_request", "a user name is 1 to 64 letters, digits, '.', '_' or '-'", 422, "user")
    return name


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise HubError("bad_request", f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters", 422, "password")
    if password != password.strip() or any(ord(c) < 32 for c in password):
        raise HubError("bad_request", "a password has no leading or trailing spaces and no control characters",
                       422, "password")
    return password


def _user_id(conn: Connection, name: str) -> int:
    uid = conn.execute(select(db.users.c.id).where(db.users.c.name == name)).scalar()
    if uid is None:
        raise HubError("not_found", f"no user {name!r}", 404, "user")
    return uid


def create_user(engine: Engine, actor: str, name: str, password: str, role: str, node: str | None = None) -> int:
    """A new user with one role grant; HubError when the name is taken or the grant is wrong."""
    check_user_name(name)
    hashed = _HASHER.hash(check_password(password))
    with engine.begin() as conn:
        if conn.execute(select(db.users.c.id).where(db.users.c.name == name)).first():
            raise HubError("conflict", f"user {name!r} exists already", 409, "user")
        uid = conn.execute(insert(db.users).values(name=name, password_hash=hashed, disabled=False,
                                                   created_at=db.utcnow())).inserted_primary_key[0]
        audit.record(conn, actor, "user.create", f"user:{name}", None, {"name": name, "disabled": False})
        _grant(conn, actor, uid, name, role, node)
    return uid


def grant(engine: Engine, actor: str, name: str, role: str, node: str | None = None) -> None:
    with engine.begin() as conn:
        _grant(conn, actor, _user_id(conn, name), name, role, node)


def _grant(conn: Connection, actor: str, uid: int, name: str, role: str, node: str | None) -> None:
    if role not in db.ROLES:
        raise HubError("bad_request", f"role {role!r}: allowed {', '.join(db.ROLES)}", 422, "role")
    if (role == "admin") != (node is None):
        raise HubError("bad_request", "admin covers the whole tree (no node); editor and viewer need a node",
                       422, "node")
    if node is not None and conn.execute(select(db.org_nodes.c.id).where(db.org_nodes.c.id == node)).first() is None:
        raise HubError("not_found", f"no organisation node {node!r}", 404, "node")
    c = db.role_grants.c
    same = select(c.id).where(c.user_id == uid, c.role == role,
                              c.node_id.is_(None) if node is None else c.node_id == node)
    if conn.execute(same).first() is None:
        conn.execute(insert(db.role_grants).values(user_id=uid, role=role, node_id=node, created_at=db.utcnow()))
        audit.record(conn, actor, "role.grant", f"user:{name}", None, {"role": role, "node": node})


def roles_of(engine: Engine, name: str) -> list[tuple[str, str | None]]:
    """(role, node or None) of `name`, sorted."""
    with engine.connect() as conn:
        uid = _user_id(conn, name)
        rows = conn.execute(select(db.role_grants.c.role, db.role_grants.c.node_id)
                            .where(db.role_grants.c.user_id == uid)).all()
    return sorted((r, n) for r, n in rows)


def create_token(engine: Engine, actor: str, name: str, lifetime: dt.timedelta = TOKEN_LIFETIME) -> str:
    """A new API token for `name`, valid for `lifetime`, returned once: only its sha256 is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = db.utcnow() + lifetime
    with engine.begin() as conn:
        uid = _user_id(conn, name)
        if conn.execute(select(db.users.c.disabled).where(db.users.c.id == uid)).scalar():
            raise HubError("disabled", f"user {name!r} is disabled", 409, "user")
        tid = conn.execute(insert(db.api_tokens).values(token_hash=digest(token), user_id=uid, created_at=db.utcnow(),
                                                        expires_at=expires)).inserted_primary_key[0]
        audit.record(conn, actor, "token.create", f"user:{name}", None,
                     {"token_id": tid, "expires_at": expires.isoformat()})
    return token


def revoke_token(engine: Engine, actor: str, token: str) -> bool:
    with engine.begin() as conn:
        row = conn.execute(select(db.api_tokens.c.id, db.users.c.name).join(db.users)
                           .where(db.api_tokens.c.token_hash == digest(token),
                                  db.api_tokens.c.revoked_at.is_(None))).first()
        if row is None:
            return False
        conn.execute(update(db.api_tokens).where(db.api_tokens.c.id == row.id).values(revoked_at=db.utcnow()))
        audit.record(conn, actor, "token.revoke", f"user:{row.name}", {"token_id": row.id}, None)
    return True


def user_for_token(engine: Engine, token: str) -> str | None:
    """The name of the live, enabled user holding `token`, or None; notes the token as used."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    t = db.api_tokens.c
    with engine.begin() as conn:
        now = db.utcnow()
        row = conn.execute(select(t.id, db.users.c.name, db.users.c.disabled).join(db.users)
                           .where(t.token_hash == digest(token), t.revoked_at.is_(None),
                                  or_(t.expires_at.is_(None), t.expires_at > now))).first()
        if row is None or row.disabled:
            return None
        conn.execute(update(db.api_tokens).where(t.id == row.id).values(last_used_at=now))
    return row.name


def verify_login(engine: Engine, name: str, password: str, client: str | None = None) -> str:
    """`name` when the password is right and the account enabled; HubError 401 otherwise, 429 while
    the name (or the client address) is locked by `limits.LOGIN`. Unknown names cost the same time
    and get the same answer as wrong passwords."""
    if not isinstance(name, str) or not isinstance(password, str) or len(name) > 64 or len(password) > MAX_PASSWORD:
        raise HubError("bad_login", "wrong user name or password", 401)
    keys = [f"login:user:{name}"] + ([f"login:ip:{client}"] if client else [])

    def attempt(conn: Connection) -> bool:
        row = conn.execute(select(db.users.c.password_hash, db.users.c.disabled).where(db.users.c.name == name)).first()
        try:
            ok = _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            ok = False
        return bool(ok and row is not None and not row.disabled)

    if not limits.guard(engine, keys, limits.LOGIN, attempt):
        raise HubError("bad_login", "wrong user name or password", 401)
    return name


def list_users(engine: Engine) -> list[dict]:
    """Every user by name: {name, disabled, created_at, roles: [(role, node or None)]}."""
    u, g = db.users.c, db.role_grants.c
    with engine.connect() as conn:
        users = conn.execute(select(u.id, u.name, u.disabled, u.created_at).order_by(u.name)).all()
        grants = conn.execute(select(g.user_id, g.role, g.node_id)).all()
    roles: dict[int, list] = {}
    for row in grants:
        roles.setdefault(row.user_id, []).append((row.role, row.node_id))
    return [{"name": r.name, "disabled": bool(r.disabled), "created_at": db.as_utc(r.created_at),
             "roles": sorted(roles.get(r.id, []), key=lambda x: (x[0], x[1] or ""))} for r in users]


def revoke_grant(engine: Engine, actor: str, name: str, role: str, node: str | None = None) -> bool:
    """Remove `name`'s grant of `role` on `node` (None for admin); False when there was none. An
    actor cannot take away their own admin grant (so the hub always keeps the admin doing it)."""
    c = db.role_grants.c
    with engine.begin() as conn:
        uid = _user_id(conn, name)
        if role == "admin" and name == actor:
            raise HubError("conflict", "you cannot remove your own admin role", 409, "role")
        removed = conn.execute(delete(db.role_grants).where(
            c.user_id == uid, c.role == role, c.node_id.is_(None) if node is None else c.node_id == node)).rowcount
        if removed:
            audit.record(conn, actor, "role.revoke", f"user:{name}", {"role": role, "node": node}, None)
    return bool(removed)


def set_disabled(engine: Engine, actor: str, name: str, disabled: bool) -> bool:
    """Disable or enable `name`; whether it changed. A disabled user's sessions, tokens and sign-in
    are refused at once (sessions.find, user_for_token, verify_login read `disabled`); their
    browser sessions are deleted too. Nobody disables themselves."""
    u = db.users.c
    with engine.begin() as conn:
        uid = _user_id(conn, name)
        if disabled and name == actor:
            raise HubError("conflict", "you cannot disable yourself", 409, "user")
        was = bool(conn.execute(select(u.disabled).where(u.id == uid)).scalar())
        if was == disabled:
            return False
        conn.execute(update(db.users).where(u.id == uid).values(disabled=disabled))
        if disabled:
            conn.execute(delete(db.staff_sessions).where(db.staff_sessions.c.user_id == uid))
        audit.record(conn, actor, "user.disable" if disabled else "user.enable", f"user:{name}",
                     {"disabled": was}, {"disabled": disabled})
    return True
