"""`kiosk-hub check`'s content checks: the blob store holds every blob the database records (with
its size), and every centre's current manifest verifies with the key that signed it and lists
only blobs the store holds. Each check is one line: what is wrong, where, and the fix."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hub import db
from hub.blobstore import BlobStore
from sync import signing

Result = tuple[bool, str, str]
SHOWN = 3  # names listed in a failure; the rest counted


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def blobs(engine: Engine, store: BlobStore) -> Result:
    bad: list[str] = []
    count = 0
    with engine.connect() as conn:
        for sha, size in conn.execute(select(db.blobs.c.sha256, db.blobs.c.size)).yield_per(1000):
            count += 1
            try:
                if store.path(sha).stat().st_size != size:
                    bad.append(f"{sha[:12]}… (size differs)")
            except OSError:
                bad.append(f"{sha[:12]}… (missing)")
    if bad:
        return (False, "blob store", f"{len(bad)} of {count} blobs in the database are not right in {store.root}: "
                f"{_listed(bad)}; restore the folder from a backup (blobs are named by their sha256)")
    return True, "blob store", f"{count} blobs present in {store.root}"


def manifests(engine: Engine, store: BlobStore) -> Result:
    m, k = db.manifests.c, db.signing_keys.c
    bad: list[str] = []
    with engine.connect() as conn:
        newest = (select(m.centre_id, func.max(m.seq).label("seq")).group_by(m.centre_id).subquery())
        rows = conn.execute(select(m.centre_id, m.body, m.signature, k.public_key)
                            .join(newest, (m.centre_id == newest.c.centre_id) & (m.seq == newest.c.seq))
                            .join(db.signing_keys, k.id == m.key_id)).all()
    for row in rows:
        body = bytes(row.body)
        try:
            signing.verify(row.public_key, body, row.signature)
            doc = json.loads(body)
            missing = [e["sha256"] for e in doc["items"] + doc["blobs"] if not store.has(e["sha256"])]
        except (signing.SignatureError, ValueError, KeyError, TypeError) as exc:
            bad.append(f"{row.centre_id} ({exc})")
            continue
        if missing:
            bad.append(f"{row.centre_id} ({len(missing)} blob(s) missing, e.g. {missing[0][:12]}…)")
    if bad:
        return (False, "manifests", f"{_listed(bad)}: restore the blob folder, or publish again to rebuild")
    return True, "manifests", f"{len(rows)} centre manifest(s) verify and are complete"
