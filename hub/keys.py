"""The hub's Ed25519 signing keys: the private half in `DATA_DIR/keys/<file>` (mode 0600, written
by temp file + fsync + rename, never overwritten), the public half and its history in
`signing_keys`. Exactly one key is active; `rotate` makes a new one, signed by the one before
(`sync.signing.sign_rotation`), so terminals that pinned the old key accept the new one.
Every worker process shares the folder and the database, so they sign with the same key.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from hub import audit, db
from hub.errors import HubError
from sync import signing


@dataclass(frozen=True)
class ActiveKey:
    id: int
    public_key: str                 # the wire form: base64 of the raw 32 bytes
    private: Ed25519PrivateKey
    rotation_signature: str | None  # the previous key's signature of this one


def _write_private(keys_dir: Path, key: Ed25519PrivateKey) -> str:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = "hub-" + hashlib.sha256(signing.public_key_b64(key).encode()).hexdigest()[:16] + ".pem"
    tmp = keys_dir / (name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, signing.private_key_pem(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.link(tmp, keys_dir / name)  # fails rather than replace an existing key file
    os.unlink(tmp)
    dir_fd = os.open(keys_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return name


def _active_row(conn: Connection):
    return conn.execute(select(db.signing_keys).where(db.signing_keys.c.active.is_(True))).first()


def create_first(engine: Engine, keys_dir: Path, actor: str) -> str:
    """The hub's first key (kiosk-hub init); its public key. HubError when one exists already."""
    with engine.begin() as conn:
        if conn.execute(select(db.signing_keys.c.id)).first():
            raise HubError("conflict", "the hub has a signing key already: use rotate-key", 409)
        key = signing.generate_private_key()
        name = _write_private(keys_dir, key)
        public = signing.public_key_b64(key)
        kid = conn.execute(insert(db.signing_keys).values(public_key=public, file=name, created_at=db.utcnow(),
                                                          active=True)).inserted_primary_key[0]
        audit.record(conn, actor, "key.create", f"key:{kid}", None, {"public_key": public})
    return public


def load_private(keys_dir: Path, name: str) -> Ed25519PrivateKey:
    path = keys_dir / name
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        data = path.read_bytes()
    except OSError as exc:
        raise HubError("key_missing", f"cannot read the signing key {path}: {exc.strerror}", 500) from None
    if mode & 0o077:
        raise HubError("key_mode", f"the signing key {path} has mode {mode:04o}: it must be 0600 "
                       f"(chmod 600 {path})", 500)
    try:
        return signing.load_private_key_pem(data)
    except signing.SignatureError as exc:
        raise HubError("key_bad", f"the signing key {path}: {exc}", 500) from None


def active(engine: Engine, keys_dir: Path) -> ActiveKey:
    with engine.connect() as conn:
        return active_in(conn, keys_dir)


def active_in(conn: Connection, keys_dir: Path) -> ActiveKey:
    """The active key, read inside the caller's transaction (a rotation committed by another
    process is seen by the next transaction)."""
    row = _active_row(conn)
    if row is None:
        raise HubError("no_key", "the hub has no signing key: run kiosk-hub init", 500)
    private = load_private(keys_dir, row.file)
    if signing.public_key_b64(private) != row.public_key:
        raise HubError("key_bad", f"the signing key {keys_dir / row.file} does not match the database's", 500)
    return ActiveKey(row.id, row.public_key, private, row.rotation_signature)


def rotate(engine: Engine, keys_dir: Path, actor: str) -> ActiveKey:
    """A new active key, signed by the current one; the old row stays (inactive) as the chain's link."""
    old = active(engine, keys_dir)
    new = signing.generate_private_key()
    proof = signing.sign_rotation(old.private, new)
    name = _write_private(keys_dir, new)
    public = signing.public_key_b64(new)
    changed = HubError("conflict", "the signing key changed meanwhile (another rotate-key?): try again", 409)
    try:
        with engine.begin() as conn:
            current = _active_row(conn)
            if current is None or current.id != old.id:
                raise changed
            kid = _replace_active(conn, actor, old, public, name, proof)
    except IntegrityError:  # the same race, lost at the database (uq_signing_keys_active)
        raise changed from None
    return ActiveKey(kid, public, new, proof)


def _replace_active(conn: Connection, actor: str, old: ActiveKey, public: str, name: str, proof: str) -> int:
    conn.execute(update(db.signing_keys).where(db.signing_keys.c.id == old.id).values(active=False))
    kid = conn.execute(insert(db.signing_keys).values(
        public_key=public, file=name, created_at=db.utcnow(), active=True, previous_id=old.id,
        rotation_signature=proof)).inserted_primary_key[0]
    audit.record(conn, actor, "key.rotate", f"key:{kid}", {"key_id": old.id, "public_key": old.public_key},
                 {"key_id": kid, "public_key": public, "rotation_signature": proof})
    return kid


def chain(engine: Engine) -> list[tuple[str, str | None]]:
    """Every key, oldest first: (public key, the previous key's signature of it)."""
    with engine.connect() as conn:
        rows = conn.execute(select(db.signing_keys.c.public_key, db.signing_keys.c.rotation_signature)
                            .order_by(db.signing_keys.c.id)).all()
    return [(r.public_key, r.rotation_signature) for r in rows]


def key_files(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(db.signing_keys.c.file).order_by(db.signing_keys.c.id)).scalars())
