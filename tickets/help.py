"""呼叫工作人员: a resident at a kiosk asks for help; every signed-in counter page hears it at once
(a staff-only event), and it stays open until someone takes it."""
from __future__ import annotations

import logging
import re

from sqlalchemy import insert, select, update

from tickets import db
from tickets.queue import QueueError, iso

log = logging.getLogger(__name__)

H = db.help_calls
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


def _text(value, field: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise QueueError("bad_request", f"{field} must be 1 to 64 characters of text", 422, field)
    return value


def call_for_help(queue, terminal, screen) -> dict:
    terminal, screen = _text(terminal, "terminal"), _text(screen, "screen")
    now = iso(queue.clock.now())
    with queue.engine.begin() as conn:
        hid = conn.execute(insert(H).values(terminal=terminal, screen=screen, at=now)).inserted_primary_key[0]
        queue._event(conn, "help", {"id": hid, "terminal": terminal, "screen": screen, "at": now}, "staff")
    log.info("help requested at terminal %s (screen %s)", terminal, screen)
    queue._notify()
    return {"id": hid, "terminal": terminal, "screen": screen, "at": now}


def take(queue, help_id: int, user: str) -> dict:
    now = iso(queue.clock.now())
    with queue.engine.begin() as conn:
        row = conn.execute(select(H).where(H.c.id == help_id)).first()
        if row is None:
            raise QueueError("not_found", "no such help call", 404)
        if row.taken_by:
            raise QueueError("already_taken", f"{row.taken_by} is already on the way", 409, taken_by=row.taken_by)
        conn.execute(update(H).where(H.c.id == help_id).values(taken_by=user, taken_at=now))
        queue._event(conn, "help_taken", {"id": help_id, "by": user, "terminal": row.terminal}, "staff")
    queue._notify()
    return {"id": help_id, "taken_by": user}


def open_calls(queue) -> list[dict]:
    with queue.engine.connect() as conn:
        rows = conn.execute(select(H).where(H.c.taken_by.is_(None)).order_by(H.c.id)).all()
    return [{"id": r.id, "terminal": r.terminal, "screen": r.screen, "at": r.at} for r in rows]
