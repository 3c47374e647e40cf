"""The terminals pages (issue #14): the fleet list (`/admin/terminals`, filters by centre and
status, PAGE_SIZE a page, needing attention first, the counts per status above it), one terminal
(`/admin/terminals/{id}`: state, last error, heartbeat history, last screenshot, ask for a
screenshot, revoke with a confirmation step) and enrolment codes
(`/admin/enrol`). The permission rule is the staff API's (hub.routes_terminals.visible_terminal:
perms.managed to see, perms.writable to change): another centre's terminal is a 404 page, a
viewer's POST a 403 page.

Words are in the `hub_admin_fleet` gettext domain, marked with F_ here and with gettext
in the terminal*/enrol* templates (so hub_admin's own catalog check does not count them).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from content.i18n import N_ as F_
from hub import db, fleet, history, org, perms, terminals
from hub.admin import sessions, web
from hub.errors import HubError
from hub.routes_terminals import visible_terminal

router = APIRouter()
HISTORY_ROWS = 60
PAGE_SIZE = 50
STATUS_LABELS = {"ok": F_("Working normally"), "stale": F_("Needs attention"), "offline": F_("Offline"),
                 "never_seen": F_("Never online"), "revoked": F_("Revoked")}
REASON_LABELS = {"revoked": F_("Revoked"), "never_seen": F_("Never online"), "offline": F_("Offline"),
                 "version:behind": F_("Content not updated"), "printer:paper_out": F_("Printer out of paper"),
                 "printer:cover_open": F_("Printer cover open"), "printer:offline": F_("Printer not connected"),
                 "printer:timeout": F_("Printer not answering"), "printer:unknown": F_("Printer fault"),
                 "reader:error": F_("Card reader fault"), "disk:low": F_("Disk space low")}
DEVICE_LABELS = {"off": F_("Off"), "checking": F_("Checking"), "ok": F_("Device OK"), "near_end": F_("Paper low"),
                 "paper_out": F_("Out of paper"), "cover_open": F_("Cover open"), "offline": F_("Not connected"),
                 "timeout": F_("Not answering"), "unknown": F_("Unknown"), "ready": F_("Ready"),
                 "error": F_("Fault")}
HIGHLIGHT = ("stale", "offline")
LIFETIMES = {"1h": (F_("1 hour"), dt.timedelta(hours=1)), "24h": (F_("24 hours"), dt.timedelta(hours=24)),
             "7d": (F_("7 days"), dt.timedelta(days=7))}
LABELS = {"statuses": STATUS_LABELS, "reasons": REASON_LABELS, "devices": DEVICE_LABELS}


def highlighted(row: dict) -> bool:
    """Stale, offline and out-of-paper rows stand out in the list."""
    return row["status"] in HIGHLIGHT or "printer:paper_out" in row["reasons"]


def disk_percent(row: dict) -> float | None:
    free, total = row.get("disk_free_bytes"), row.get("disk_total_bytes")
    if not isinstance(free, int) or not isinstance(total, int) or total <= 0:
        return None
    return round(100 * free / total, 1)


def _centres(conn, allowed: set[str] | None) -> list[tuple[str, str]]:
    """(id, name) of the centres in `allowed` (None: every centre)."""
    n = db.org_nodes.c
    rows = conn.execute(select(n.id, n.name).where(n.kind == "community").order_by(n.id)).all()
    return [(r.id, r.name) for r in rows if allowed is None or r.id in allowed]


@router.get("/admin/terminals")
def terminal_list(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    params = request.query_params
    want = params.get("status") if params.get("status") in fleet.STATUSES else None
    number = web.page_number(params.get("page"))
    with request.app.state.engine.connect() as conn:
        tree = perms.load_tree(conn)
        seen = perms.managed(tree, staff)
        centres = _centres(conn, seen)
        names = dict(centres)
        centre = params.get("centre") if params.get("centre") in names else None
        shown = tree.below(centre) if centre else seen
        found = fleet.page(conn, shown, db.utcnow(), want, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    for row in found["rows"]:
        row["highlight"], row["disk_pct"] = highlighted(row), disk_percent(row)
    pages = max(1, -(-found["total"] // PAGE_SIZE))

    def url(**changed) -> str:
        query = {k: v for k, v in {"centre": centre, "status": want, **changed}.items() if v}
        return "/admin/terminals" + ("?" + urlencode(query) if query else "")

    tally = [(s, found["counts"][s]) for s in fleet.ATTENTION_FIRST]
    return web.render(request, "terminals.html", session=session, rows=found["rows"], total=found["total"],
                      tally=tally, all_count=sum(found["counts"].values()), centres=centres, names=names,
                      filters={"centre": centre, "status": want}, page=number, pages=pages, url=url,
                      page_url=lambda page: url(page=page), **LABELS)


def _visible(request: Request, staff: perms.Staff, terminal_id: str, write: bool = False) -> dict:
    """The terminal's fleet row (and whether `staff` may change it): the 404 / 403 page otherwise."""
    try:
        with request.app.state.engine.connect() as conn:
            visible_terminal(conn, staff, terminal_id, write=write)
            writable = perms.writable(perms.load_tree(conn), staff)
            row = fleet.one(conn, terminal_id, db.utcnow())
            row["history"] = history.rows(conn, terminal_id, None, HISTORY_ROWS)
            row["centre_name"] = conn.execute(select(db.org_nodes.c.name)
                                              .where(db.org_nodes.c.id == row["centre"])).scalar()
    except HubError as exc:
        raise web.page_error(exc) from None
    row["can_write"] = writable is None or row["centre"] in writable
    row["disk_pct"] = disk_percent(row)
    return row


@router.get("/admin/terminals/{terminal_id}")
def terminal_page(terminal_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    row = _visible(request, web.staff_of(request, session), terminal_id)
    confirm = request.query_params.get("confirm") == "revoke" and row["can_write"] and not row["revoked_at"]
    return web.render(request, "terminal.html", session=session, t=row, confirm=confirm, **LABELS)


@router.get("/admin/terminals/{terminal_id}/screenshot.png")
def terminal_screenshot(terminal_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    row = _visible(request, web.staff_of(request, session), terminal_id)
    blobs = request.app.state.blobs
    sha = (row["screenshot"] or {}).get("sha256")
    if not sha or not blobs.has(sha):
        raise web.PageError(404, F_("This terminal has sent no screenshot."))
    return Response(blobs.read(sha), media_type="image/png",
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _change(request: Request, form, action) -> Response:
    _session, staff = web.signed_form(request, form)
    terminal_id = request.path_params["terminal_id"]
    try:
        with request.app.state.engine.begin() as conn:
            visible_terminal(conn, staff, terminal_id, write=True)
            action(conn, staff.name, terminal_id)
    except HubError as exc:
        raise web.page_error(exc) from None
    return web.redirect(f"/admin/terminals/{terminal_id}")


@router.post("/admin/terminals/{terminal_id}/screenshot")
@web.form_post
def ask_screenshot(request: Request, form):
    return _change(request, form, terminals.request_screenshot)


@router.post("/admin/terminals/{terminal_id}/revoke")
@web.form_post
def revoke(request: Request, form):
    if form.get("confirm") != "yes":
        web.signed_form(request, form)
        return web.redirect(f"/admin/terminals/{request.path_params['terminal_id']}?confirm=revoke")
    return _change(request, form, terminals.revoke)


def _writable_centres(request: Request, staff: perms.Staff) -> list[tuple[str, str]]:
    with request.app.state.engine.connect() as conn:
        return _centres(conn, perms.writable(perms.load_tree(conn), staff))


@router.get("/admin/enrol")
def enrol_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    centres = _writable_centres(request, web.staff_of(request, session))
    if not centres:
        raise web.PageError(403, F_("Only editors and administrators can create enrolment codes."))
    return web.render(request, "enrol.html", session=session, centres=centres, lifetimes=LIFETIMES, error=None)


@router.post("/admin/enrol")
@web.form_post
def enrol_create(request: Request, form):
    session, staff = web.signed_form(request, form)
    centres = dict(_writable_centres(request, staff))
    if not centres:
        raise web.PageError(403, F_("Only editors and administrators can create enrolment codes."))
    centre, lifetime = form.get("centre"), form.get("lifetime")
    if centre not in centres or lifetime not in LIFETIMES:
        return web.render(request, "enrol.html", 422, session=session, centres=list(centres.items()),
                          lifetimes=LIFETIMES, error=F_("Choose a centre and a lifetime."))
    code, expires = org.create_code(request.app.state.engine, staff.name, centre, LIFETIMES[lifetime][1])
    return web.render(request, "enrol_done.html", session=session, code=code, expires=expires.isoformat(),
                      centre=centres[centre], hub_url=str(request.base_url).rstrip("/"))
