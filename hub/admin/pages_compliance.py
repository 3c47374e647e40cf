"""The 公开日 page (`/admin/compliance`): for a node and a period, per centre below it and per 三务公开
category, whether this period's disclosure is published (on time or late), still due, or late --
so a 街道 officer sees at a glance which 社区 still owes its 财务公开 (hub.compliance decides).
Editors of the node set its monthly disclosure day here (POST, CSRF)."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import compliance, db, nodes, perms
from hub.admin import sessions, web
from hub.errors import HubError

router = APIRouter()
KIND_LABELS = {"district": N_("District"), "street": N_("Street"), "community": N_("Community")}
STATUS_LABELS = {"published": N_("Published"), "due": N_("Due"), "late": N_("Late")}


def _report(request: Request, staff: perms.Staff, node: str | None, period: str | None):
    """(the readable nodes, the node shown, the report) -- the first street (else node) the staff
    may read when none is asked for."""
    now = db.utcnow()
    with request.app.state.engine.connect() as conn:
        choices = [n for n in nodes.readable_nodes(conn, staff) if n["kind"] in ("district", "street", "community")]
        if not choices:
            raise web.PageError(404, N_("Not found, or not yours to see."))
        ids = {n["id"] for n in choices}
        if node not in ids:
            node = next((n["id"] for n in choices if n["kind"] == "street"), choices[0]["id"])
        try:
            asked = compliance.period_or_default(period, now)
        except HubError:
            asked = compliance.period_or_default(None, now)
        try:
            report = compliance.report(conn, staff, node, asked, now)
        except HubError as exc:
            raise web.page_error(exc) from None
        writable = perms.writable(perms.load_tree(conn), staff)
        own_day = compliance.days(conn).get(node)
    return choices, node, report, (writable is None or node in writable), own_day


@router.get("/admin/compliance")
def compliance_page(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    params = request.query_params
    choices, node, report, can_write, own_day = _report(request, staff, params.get("node"),
                                                        (params.get("period") or "").strip()[:10] or None)
    return web.render(request, "compliance.html", session=session, choices=choices, node=node, report=report,
                      can_write=can_write, own_day=own_day, kinds=KIND_LABELS, statuses=STATUS_LABELS,
                      saved=params.get("saved") == "1")


@router.post("/admin/compliance/day")
@web.form_post
def set_day(request: Request, form):
    _session, staff = web.signed_form(request, form)
    node = str(form.get("node") or "")[:64]
    raw = str(form.get("day") or "").strip()
    day = None if raw in ("", "none") else (int(raw) if raw.isdigit() else -1)
    if day is not None and not 1 <= day <= 28:
        raise web.PageError(422, N_("Something in the form is not right."))
    with request.app.state.engine.begin() as conn:
        tree = perms.load_tree(conn)
        try:
            if node not in tree.parent:
                raise HubError("not_found", "no such node", 404)
            perms.require_write(tree, staff, node, "this node's disclosure day")
        except HubError as exc:
            raise web.page_error(exc) from None
        compliance.set_day(conn, staff.name, node, day)
    query = {"node": node, "saved": "1"}
    if form.get("period"):
        query["period"] = str(form.get("period"))[:10]
    return web.redirect("/admin/compliance?" + urlencode(query))
