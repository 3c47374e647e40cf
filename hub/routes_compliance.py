"""The staff API behind the admin pages' reports (hub.perms decides who sees what):

* `GET /api/staff/terminals/{id}/history?since=&limit=` -> {terminal, entries}: the terminal's
  heartbeats (hub.history), newest first, `limit` 1..1000 (default 100), `since` an ISO time.
  404 for staff who may not see the terminal (the rule of `GET /api/staff/terminals/{id}`).
* `PUT /api/staff/nodes/{id}/disclosure-day` {"day": 1..28 or null} -> {node, day}: the node's
  monthly 公开日 (null: follow the node above); editors of the node or above and admins (403 for
  a viewer, 404 for a node they cannot read); audited.
* `GET /api/staff/compliance?node=&period=` -> hub.compliance.report: per centre below the node
  that the user may read and per 三务公开 category, published / due / late.
"""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hub import compliance, db, history, perms
from hub.errors import HubError
from hub.http import current_staff
from hub.routes_terminals import visible_terminal

router = APIRouter(prefix="/api/staff")


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise HubError("bad_request", "since: an ISO 8601 time, e.g. 2026-11-03T09:30:00+08:00", 422, "since") from None
    return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


@router.get("/terminals/{terminal_id}/history")
def terminal_history(request: Request, terminal_id: str, since: str | None = None,
                     limit: int = Query(100, ge=1, le=history.MAX_LIMIT),
                     staff: perms.Staff = Depends(current_staff)):
    after = _since(since)
    with request.app.state.engine.connect() as conn:
        visible_terminal(conn, staff, terminal_id)
        return {"terminal": terminal_id, "entries": history.rows(conn, terminal_id, after, limit)}


class DayBody(BaseModel):
    day: int | None = Field(ge=1, le=28)


@router.put("/nodes/{node_id}/disclosure-day")
def set_disclosure_day(request: Request, node_id: str, body: DayBody, staff: perms.Staff = Depends(current_staff)):
    with request.app.state.engine.begin() as conn:
        tree = perms.load_tree(conn)
        if node_id not in tree.parent:
            raise HubError("not_found", "no such node", 404)
        perms.require_write(tree, staff, node_id, "this node's disclosure day")
        compliance.set_day(conn, staff.name, node_id, body.day)
    return {"node": node_id, "day": body.day}


@router.get("/compliance")
def compliance_report(request: Request, node: str, period: str | None = None,
                      staff: perms.Staff = Depends(current_staff)):
    now = db.utcnow()
    asked = compliance.period_or_default(period, now)
    with request.app.state.engine.connect() as conn:
        return compliance.report(conn, staff, node, asked, now)
