"""Which terminals show an item now: for the admin's "sent to N terminals, M show it" (an urgent
notice above all). A terminal shows the item when the content version it last reported
(`version_shown` in its heartbeat) is a manifest of its centre that lists the item's current
published document. The hub keeps the last `publish.KEEP_MANIFESTS` manifests of each centre;
a terminal reporting an older version than those is counted as not showing it.
"""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from hub import db, perms
from hub.items import readable_row
from hub.perms import Staff


def item_reach(conn: Connection, staff: Staff, item_id: str) -> dict:
    """{"item", "published_sha256", "centres", "terminals", "showing", "not_showing": [terminal ids…]}
    over the centres the item reaches that `staff` may see (404 when the item is not readable)."""
    tree = perms.load_tree(conn)
    row = readable_row(conn, tree, staff, item_id)
    centres = tree.centres_below(row.target) if row.revision and row.deleted_at is None else set()
    seen = perms.managed(tree, staff)
    if seen is not None:
        centres &= seen
    t, m = db.terminals.c, db.manifests.c
    terminals = conn.execute(select(t.id, t.centre_id, t.version_shown).where(
        t.centre_id.in_(sorted(centres)), t.revoked_at.is_(None)).order_by(t.id)).all() if centres else []
    wanted = {(x.centre_id, x.version_shown) for x in terminals if x.version_shown}
    lists: dict[tuple[str, str], bool] = {}
    for centre, version in wanted:
        body = conn.execute(select(m.body).where(m.centre_id == centre, m.version == version)
                            .order_by(m.seq.desc()).limit(1)).scalar()
        entries = json.loads(bytes(body))["items"] if body is not None else []
        lists[(centre, version)] = any(e["id"] == item_id and e["sha256"] == row.published_sha256 for e in entries)
    showing = [x.id for x in terminals if lists.get((x.centre_id, x.version_shown))]
    return {"item": item_id, "published_sha256": row.published_sha256, "centres": len(centres),
            "terminals": len(terminals), "showing": len(showing),
            "not_showing": [x.id for x in terminals if x.id not in set(showing)]}
