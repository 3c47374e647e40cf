"""The 中心信息 form: a centre's own item (`kind: centre`, its id and target both the community
node's id -- hub.items and hub.publish insist, and a centre gets a manifest only once this item is
published). `/admin/items/{id}/edit-centre` edits its draft, `/admin/new-centre?target=NODE` makes
the item of a centre that has none yet.

Fields (content.schemas.Centre): title, name, address, opening hours (one line each), phone, the
floor plan (an image uploaded through pages_files, its hash saved), rooms 功能室 and the duty rota
值班表 as hub.admin.rows lists, publish/expire time in China's time. `sort` is kept as it is.
Publishing goes through the generic check page, `/admin/items/{id}/publish-check`."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from content.i18n import N_
from hub import db, perms
from hub.admin import forms, rows, sessions, web
from hub.admin.pages_guide import shown_local, stored_time
from hub.admin.pages_items import FIELD_LABELS


router = APIRouter()
LISTS = {"rooms": ("name", "floor", "hours", "description"), "duty": ("date", "name", "role", "phone")}
WIDGETS = {"description": "area", "date": "date"}
TEXTS = ("title", "name", "address", "hours", "phone", "floor_plan", "publish_at", "expire_at")
LINES = ("hours",)
TIMES = ("publish_at", "expire_at")
KEPT = ("sort",)
LABELS = {**FIELD_LABELS, "target": N_("Centre"), "name": N_("Name"), "address": N_("Address"),
          "hours": N_("Centre opening hours"), "phone": N_("Centre phone"), "rooms": N_("Rooms"),
          "duty": N_("Duty rota"), "floor": N_("Floor"), "description": N_("Description"), "date": N_("Date"),
          "role": N_("Duty role"), "floor_plan": N_("Floor plan"), "id": N_("Centre")}
ROW_LABELS = {**LABELS, "hours": N_("Room opening hours"), "phone": N_("Duty phone")}  # inside a row


def values_of(doc: dict) -> dict:
    """A centre document as the form's values (all text)."""
    values = {name: "" if doc.get(name) is None else str(doc.get(name)) for name in TEXTS}
    values["hours"] = "\n".join(doc.get("hours") or [])
    for name in TIMES:
        values[name] = shown_local(doc.get(name))
    for name, parts in LISTS.items():
        values[name] = [{p: str(row.get(p) or "") for p in parts} for row in doc.get(name) or []]
    return values


def values_from(form) -> dict:
    """The posted form as values: blank rows dropped, "move up" / "remove" applied."""
    values = forms.posted_texts(form, TEXTS)
    if form.get("floor_plan_clear"):
        values["floor_plan"] = ""
    values.update(rows.lists_from(form, LISTS))
    return values


def document(values: dict, node: str, base: dict) -> dict:
    """The centre item the values make for `node`, over `base` (the fields the form does not show)."""
    doc = {k: base[k] for k in KEPT if k in base}
    doc.update(id=node, kind="centre", target=node, title=values["title"] or values["name"], name=values["name"],
               address=values["address"], hours=rows.lines(values["hours"]), phone=values["phone"],
               floor_plan=values["floor_plan"] or None, rooms=[dict(r) for r in values["rooms"]],
               duty=[dict(r) for r in values["duty"]])
    for name in TIMES:
        doc[name] = stored_time(values[name])
    return doc


def open_centres(request: Request, staff: perms.Staff) -> list[tuple[str, str]]:
    """(id, name) of the centres (community nodes) `staff` may write that have no centre item yet."""
    with request.app.state.engine.connect() as conn:
        writable = perms.writable(perms.load_tree(conn), staff)
        n, i = db.org_nodes.c, db.items.c
        nodes = conn.execute(select(n.id, n.name).where(n.kind == "community").order_by(n.id)).all()
        taken = set(conn.execute(select(i.id).where(i.id.in_([r.id for r in nodes]))).scalars())
    return [(r.id, r.name) for r in nodes if (writable is None or r.id in writable) and r.id not in taken]


def _form(request, session, values, item=None, status=200, field="", centres=()):
    return web.render(request, "centre_edit.html", status, session=session, item=item, values=values,
                      labels=LABELS, row_labels=ROW_LABELS, lists=LISTS, widgets=WIDGETS, extra=rows.EXTRA_ROWS, field=field,
                      centres=centres)


@router.get("/admin/items/{item_id}/edit-centre")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    item = forms.writable_item(request, web.staff_of(request, session), item_id, "centre")
    return _form(request, session, values_of(item["draft"] or item["published"]), item)


@router.post("/admin/items/{item_id}/edit-centre")
@web.form_post
def save_centre(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = forms.writable_item(request, staff, request.path_params["item_id"], "centre")
    values = values_from(form)
    if rows.rearranging(form):
        return _form(request, session, values, item)
    try:
        forms.save(request, staff, document(values, item["id"], item["draft"] or item["published"]), item["id"])
    except forms.Refused as exc:
        return _form(request, session, values, item, exc.status, exc.marked(values))
    return forms.after_save(form, item["id"])


def _new_values(target: str) -> dict:
    return {**values_of({}), "target": target}


def _centres_or_refuse(request: Request, staff: perms.Staff) -> list[tuple[str, str]]:
    centres = open_centres(request, staff)
    if not centres:
        if not (staff.admin or staff.editor_of):
            raise web.PageError(403, N_("You may read this but not change it."))
        raise web.PageError(409, N_("Every centre you may edit has its centre information already."))
    return centres


@router.get("/admin/new-centre")
def new_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    target = request.query_params.get("target") or ""
    if target and target not in dict(open_centres(request, staff)):  # it has its item: edit that one
        try:
            forms.writable_item(request, staff, target, "centre")
            return web.redirect(f"/admin/items/{target}/edit-centre")
        except web.PageError:
            pass  # not a centre item of theirs: the form as for no target
    centres = _centres_or_refuse(request, staff)
    return _form(request, session, _new_values(target if target in dict(centres) else centres[0][0]),
                 centres=centres)


@router.post("/admin/new-centre")
@web.form_post
def create_centre(request: Request, form):
    session, staff = web.signed_form(request, form)
    centres = _centres_or_refuse(request, staff)
    values = {**values_from(form), "target": str(form.get("target") or "").strip()}
    if rows.rearranging(form):
        return _form(request, session, values, centres=centres)
    if values["target"] not in dict(centres):  # unknown, not theirs, not a centre, or has its item already
        return _form(request, session, values, status=422, field="target", centres=centres)
    try:
        forms.save(request, staff, document(values, values["target"], {}))
    except forms.Refused as exc:
        field = exc.marked(values)
        return _form(request, session, values, None, exc.status, "target" if field == "id" else field, centres)
    return forms.after_save(form, values["target"])
