"""The fleet view: one row per terminal with its status by rule, and why when it is not `ok`.

A terminal sends a heartbeat about once a minute (`POST /api/v1/heartbeat`); the hub keeps the
last one on the terminal's row (hub.terminals). From that row, the centre's current manifest and
the time, `status` decides, first match wins:

* `revoked` -- staff revoked it; its token is refused.
* `never_seen` -- enrolled, but no heartbeat has arrived yet.
* `offline` -- no heartbeat for more than OFFLINE_AFTER (ten missed heartbeats: a network blip or
  a restart is not an alarm, a dead terminal is one within minutes).
* `stale` -- it answers, but residents may not be served well: it shows another version than the
  centre's latest more than VERSION_GRACE after that version was built (a terminal fetches a new
  version within seconds to minutes; longer means it cannot), or its printer or ID reader is in a
  fault state (sync.wire.PRINTER_FAULTS, READER_FAULTS -- a refused card is not a reader fault),
  or less than DISK_LOW_FRACTION of its disk is free (the next version may not fit).
* `ok` -- none of the above.

`reasons` are short English codes for the admin pages to translate: `revoked`, `never_seen`,
`offline`, `version:behind`, `printer:<state>` (e.g. `printer:paper_out`), `reader:error`,
`disk:low`. Times come in as `now` so the rules can be tested at any moment.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from hub import db
from sync.wire import PRINTER_FAULTS, is_reader_fault

HEARTBEAT_EVERY = dt.timedelta(minutes=1)      # what terminals are built to send
OFFLINE_AFTER = dt.timedelta(minutes=10)
VERSION_GRACE = dt.timedelta(minutes=15)
DISK_LOW_FRACTION = 0.05
STATUSES = ("revoked", "never_seen", "offline", "stale", "ok")


@dataclass(frozen=True)
class Latest:
    """A centre's current manifest: its version and when the hub built it."""
    version: str
    created_at: dt.datetime


def latest_versions(conn: Connection, centres: Iterable[str] | None = None) -> dict[str, Latest]:
    """The newest manifest's version and time for each centre (of `centres`, or of all), in one
    query: hub.publish.current gives one centre's with its body, which the fleet view does not need
    (a 2,000-item centre's body is ~250 KB)."""
    m = db.manifests.c
    newest = select(m.centre_id, func.max(m.seq).label("seq")).group_by(m.centre_id)
    if centres is not None:
        newest = newest.where(m.centre_id.in_(list(centres)))
    newest = newest.subquery()
    rows = conn.execute(select(m.centre_id, m.version, m.created_at).join(
        newest, and_(m.centre_id == newest.c.centre_id, m.seq == newest.c.seq))).all()
    return {r.centre_id: Latest(r.version, db.as_utc(r.created_at)) for r in rows}


def status(row, latest: Latest | None, now: dt.datetime) -> tuple[str, list[str]]:
    """(status, reasons) of one `terminals` row (a mapping) given its centre's latest manifest."""
    if row["revoked_at"] is not None:
        return "revoked", ["revoked"]
    seen = db.as_utc(row["last_seen_at"])
    if seen is None:
        return "never_seen", ["never_seen"]
    if now - seen > OFFLINE_AFTER:
        return "offline", ["offline"]
    reasons = []
    if latest is not None and row["version_shown"] != latest.version and now - latest.created_at > VERSION_GRACE:
        reasons.append("version:behind")
    state = row["state"] or {}
    printer, reader = state.get("printer") or {}, state.get("reader") or {}
    if printer.get("state") in PRINTER_FAULTS:
        reasons.append(f"printer:{printer['state']}")
    if is_reader_fault(reader.get("state"), reader.get("detail")):
        reasons.append("reader:error")
    free, total = state.get("disk_free_bytes"), state.get("disk_total_bytes")
    if isinstance(free, int) and isinstance(total, int) and total > 0 and free < total * DISK_LOW_FRACTION:
        reasons.append("disk:low")
    return ("stale", reasons) if reasons else ("ok", [])


def _when(value: dt.datetime | None) -> str | None:
    value = db.as_utc(value)
    return value.isoformat() if value is not None else None


def view(row, latest: Latest | None, now: dt.datetime) -> dict:
    """The fleet view's row for one terminal (JSON-able)."""
    state = row["state"] or {}
    what, reasons = status(row, latest, now)
    return {
        "id": row["id"], "name": row["name"], "centre": row["centre_id"],
        "enrolled_at": _when(row["enrolled_at"]), "last_seen_at": _when(row["last_seen_at"]),
        "status": what, "reasons": reasons,
        "version_shown": row["version_shown"], "latest_version": latest.version if latest else None,
        "app_version": row["app_version"],
        "printer": state.get("printer"), "reader": state.get("reader"),
        "disk_free_bytes": state.get("disk_free_bytes"), "disk_total_bytes": state.get("disk_total_bytes"),
        "uptime_s": state.get("uptime_s"), "clock_offset_s": state.get("clock_offset_s"),
        "last_error": row["last_error"],
        "screenshot": {"sha256": row["screenshot_sha256"], "at": _when(row["screenshot_at"])}
        if row["screenshot_sha256"] else None,
        "screenshot_requested_at": _when(row["screenshot_requested_at"]),
        "revoked_at": _when(row["revoked_at"]), "revoked_by": row["revoked_by"],
        "hardware": row["hardware"],
    }


_COLUMNS = [c for c in db.terminals.c if c.name != "token_hash"]


def rows(conn: Connection, centres: set[str] | None, now: dt.datetime, want: str | None = None) -> list[dict]:
    """The fleet view of the terminals of `centres` (None: every centre), ordered by centre and
    name; with `want`, only the terminals in that status."""
    t = db.terminals.c
    query = select(*_COLUMNS).order_by(t.centre_id, t.name, t.id)
    if centres is not None:
        if not centres:
            return []
        query = query.where(t.centre_id.in_(sorted(centres)))
    found = conn.execute(query).mappings().all()
    latest = latest_versions(conn, {r["centre_id"] for r in found})
    out = [view(r, latest.get(r["centre_id"]), now) for r in found]
    return [r for r in out if want is None or r["status"] == want]


ATTENTION_FIRST = ("stale", "offline", "never_seen", "ok", "revoked")  # the fleet page's order of statuses
_LIGHT = [db.terminals.c[n] for n in ("id", "centre_id", "name", "revoked_at", "last_seen_at", "version_shown",
                                      "state")]  # what `status` reads


def page(conn: Connection, centres: set[str] | None, now: dt.datetime, want: str | None = None,
         offset: int = 0, limit: int = 50) -> dict:
    """One page of the fleet view for the admin pages: {"rows": the views of `limit` terminals from
    `offset`, "total": how many (in status `want`, when given), "counts": {status: how many} of all
    of `centres`}. Ordered needing attention first (ATTENTION_FIRST), then by centre and name. Only
    the statuses are worked out for every terminal; the full row only for the page's."""
    t = db.terminals.c
    if centres is not None and not centres:
        return {"rows": [], "total": 0, "counts": {s: 0 for s in STATUSES}}
    query = select(*_LIGHT)
    if centres is not None:
        query = query.where(t.centre_id.in_(sorted(centres)))
    light = conn.execute(query).mappings().all()
    latest = latest_versions(conn, {r["centre_id"] for r in light})
    keyed = [(status(r, latest.get(r["centre_id"]), now)[0], r["centre_id"], r["name"], r["id"]) for r in light]
    counts = {s: 0 for s in STATUSES}
    for key in keyed:
        counts[key[0]] += 1
    chosen = sorted((k for k in keyed if want is None or k[0] == want),
                    key=lambda k: (ATTENTION_FIRST.index(k[0]), k[1], k[2], k[3]))
    ids = [k[3] for k in chosen[offset:offset + limit]]
    full = {r["id"]: r for r in conn.execute(select(*_COLUMNS).where(t.id.in_(ids))).mappings()} if ids else {}
    return {"rows": [view(full[i], latest.get(full[i]["centre_id"]), now) for i in ids if i in full],
            "total": len(chosen), "counts": counts}


def one(conn: Connection, terminal_id: str, now: dt.datetime) -> dict | None:
    row = conn.execute(select(*_COLUMNS).where(db.terminals.c.id == terminal_id)).mappings().first()
    if row is None:
        return None
    return view(row, latest_versions(conn, [row["centre_id"]]).get(row["centre_id"]), now)
