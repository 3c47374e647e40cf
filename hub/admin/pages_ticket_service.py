"""The 取号业务 form: a queue service (`kind: ticket_service`) of the centres its target reaches.
`/admin/items/{id}/edit-ticket-service` edits its draft, `/admin/new-ticket-service?target=NODE`
makes a new one (on a node the staff member may write).

Fields (content.schemas.TicketService): title, the code (one capital letter: the ticket numbers'
prefix, typed lower case it is raised), name, windows (a hub.admin.rows list of plain text),
daily limit, the hours numbers are issued (one line each, checked by content.hours), and the guides
whose 取号 button joins this queue (guide_ids: checkboxes of the guides that reach the same
centres -- their target is the service's target or a node above it, so hub.publish finds them
published wherever the service is). Changing the target offers that node's guides once the form
is posted back (显示该范围的办事指南). `sort` is kept. Publishing: `/admin/items/{id}/publish-check`."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from content.i18n import N_
from content.schemas import is_safe_id
from hub import db, items, perms
from hub.admin import forms, rows, sessions, web
from hub.admin.pages_guide import shown_local, stored_time
from hub.admin.pages_items import FIELD_LABELS, STATE_LABELS
from hub.errors import HubError

router = APIRouter()
LISTS = {"windows": None}
WIDGETS = {"windows": "input"}
TEXTS = ("title", "code", "name", "daily_limit", "hours", "target", "publish_at", "expire_at")
TIMES = ("publish_at", "expire_at")
KEPT = ("sort",)
MAX_GUIDES = 500  # guides offered; a centre has far fewer
LABELS = {**FIELD_LABELS, "id": N_("Id"), "code": N_("Ticket letter"), "name": N_("Service name"),
          "windows": N_("Windows"), "daily_limit": N_("Numbers a day"), "hours": N_("Issuing hours"),
          "guide_ids": N_("Guides that join this queue")}


def values_of(doc: dict) -> dict:
    """A ticket service document as the form's values (text, and the lists)."""
    values = {name: "" if doc.get(name) is None else str(doc.get(name)) for name in TEXTS}
    values["hours"] = "\n".join(doc.get("hours") or [])
    for name in TIMES:
        values[name] = shown_local(doc.get(name))
    values["windows"] = [str(w) for w in doc.get("windows") or []]
    values["guide_ids"] = [str(g) for g in doc.get("guide_ids") or []]
    return values


def values_from(form) -> dict:
    values = forms.posted_texts(form, TEXTS)
    values["code"] = values["code"].upper()
    values.update(rows.lists_from(form, LISTS))
    chosen = [str(g).strip() for g in form.getlist("guide_ids")]
    values["guide_ids"] = list(dict.fromkeys(g for g in chosen if g))
    return values


def document(values: dict, base: dict) -> dict:
    """The ticket service the values make, over `base` (the fields the form does not show)."""
    doc = {k: base[k] for k in KEPT if k in base}
    doc.update(kind="ticket_service", title=values["title"] or values["name"], code=values["code"],
               name=values["name"], windows=list(values["windows"]), daily_limit=values["daily_limit"] or 200,
               hours=rows.lines(values["hours"]), guide_ids=list(values["guide_ids"]), target=values["target"])
    for name in TIMES:
        doc[name] = stored_time(values[name])
    return doc


def guide_choices(request: Request, staff: perms.Staff, target: str, chosen: list[str]) -> list[dict]:
    """The guides to tick ({id, title, state, reaches}): the chosen ones first in their order (a
    chosen id that does not reach every centre `target` reaches is kept, marked: publishing would
    refuse it), then the other guides reaching them -- their target is `target` or above it."""
    try:
        with request.app.state.engine.connect() as conn:
            found = items.list_items(conn, staff, centre=target, kind="guide", limit=MAX_GUIDES)["items"]
    except HubError:  # no such node, or not theirs: no guides to offer
        found = []
    offered = {g["id"]: dict(g, reaches=True) for g in found if g["state"] != "deleted"}
    first = [offered.pop(g, None) or {"id": g, "title": "", "state": "", "reaches": False} for g in chosen]
    return first + list(offered.values())


def code_taken(request: Request, staff: perms.Staff, target: str, code: str, own_id: str | None) -> str | None:
    """The name of another queue service (not withdrawn) with this letter, in its draft or published
    version, at a centre `target` reaches: a terminal keys its queues by letter, so the two would be
    one queue there. None when the letter is free, or the target is not the staff member's to write
    (hub.items refuses that, without telling what is there)."""
    i = db.items.c
    with request.app.state.engine.connect() as conn:
        tree = perms.load_tree(conn)
        writable = perms.writable(tree, staff)
        if target not in tree.parent or (writable is not None and target not in writable):
            return None
        nodes = {n for c in tree.centres_below(target) for n in (c, *tree.above(c))} | {target}
        query = select(i.id, i.draft, i.revision).where(i.kind == "ticket_service", i.deleted_at.is_(None),
                                                        i.target.in_(sorted(nodes)))
        for row in conn.execute(query.where(i.id != own_id) if own_id else query).all():
            for doc in (row.draft, items.published_document(conn, row.id, row.revision)):
                if doc and doc.get("code") == code:
                    return str(doc.get("name") or row.id)
    return None


def _form(request, session, staff, values, item=None, status=200, field="", taken=None):
    return web.render(request, "ticket_service_edit.html", status, session=session, item=item, values=values,
                      taken=taken,
                      labels=LABELS, lists=LISTS, widgets=WIDGETS, extra=rows.EXTRA_ROWS, field=field,
                      targets=forms.writable_targets(request, staff), states=STATE_LABELS,
                      guides=guide_choices(request, staff, values["target"], values["guide_ids"]))


def _posted_back(form) -> bool:
    """Rows moved or removed, or the guides of another target asked for: shown again, unsaved."""
    return rows.rearranging(form) or bool(form.get("refresh"))


@router.get("/admin/items/{item_id}/edit-ticket-service")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    item = forms.writable_item(request, staff, item_id, "ticket_service")
    return _form(request, session, staff, values_of(item["draft"] or item["published"]), item)


@router.post("/admin/items/{item_id}/edit-ticket-service")
@web.form_post
def save_service(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = forms.writable_item(request, staff, request.path_params["item_id"], "ticket_service")
    values = values_from(form)
    if _posted_back(form):
        return _form(request, session, staff, values, item)
    taken = code_taken(request, staff, values["target"], values["code"], item["id"])
    if taken:
        return _form(request, session, staff, values, item, 409, "code", taken)
    try:
        forms.save(request, staff, document(values, item["draft"] or item["published"]), item["id"])
    except forms.Refused as exc:
        return _form(request, session, staff, values, item, exc.status, exc.marked(values))
    return forms.after_save(form, item["id"])


@router.get("/admin/new-ticket-service")
def new_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    targets = dict(forms.targets_or_403(request, staff))
    target = request.query_params.get("target") or ""
    values = {**values_of({"daily_limit": 200}), "id": "", "target": target if target in targets else next(iter(targets))}
    return _form(request, session, staff, values)


@router.post("/admin/new-ticket-service")
@web.form_post
def create_service(request: Request, form):
    session, staff = web.signed_form(request, form)
    forms.targets_or_403(request, staff)
    values = {**values_from(form), "id": str(form.get("id") or "").strip()}
    if _posted_back(form):
        return _form(request, session, staff, values)
    item_id = values["id"] or "queue-" + secrets.token_hex(4)
    if not is_safe_id(item_id):
        return _form(request, session, staff, values, status=422, field="id")
    taken = code_taken(request, staff, values["target"], values["code"], None)
    if taken:
        return _form(request, session, staff, values, None, 409, "code", taken)
    try:
        forms.save(request, staff, {**document(values, {}), "id": item_id})
    except forms.Refused as exc:
        return _form(request, session, staff, values, None, exc.status, exc.marked(values))
    return forms.after_save(form, item_id)
