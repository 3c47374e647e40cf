"""The 公开 form: editing a disclosure's draft (`/admin/items/{id}/edit-disclosure`) and a new one
(`/admin/new-disclosure?target=NODE&category=...`, on a node the staff member may write), saved
through hub.items.create / replace_draft (which check the document, the rights, and audit).

Values and buttons: hub.admin.disclosure_form; the tables' numbers and totals check:
hub.admin.disclosure_tables. A totals row that does not add up is a warning that must be
confirmed: the form comes back (422) with 计算合计与填写不符：应为 X at each such cell and a
checkbox (`totals_ok`) to save it as written. "Save and publish…" saves, then goes to the
publish check at `/admin/items/{id}/publish-check`."""
from __future__ import annotations

import datetime as dt
import secrets

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from content.schemas import DISCLOSURE_CATEGORIES, is_safe_id
from hub import items
from hub.admin import disclosure_form as forms
from hub.admin import sessions, web
from hub.admin.forms import after_save, targets_or_403, writable_item, writable_targets
from hub.admin.pages_items import FIELD_LABELS
from hub.errors import HubError

router = APIRouter()
LABELS = {**FIELD_LABELS, "id": N_("Id"), "pdf": N_("PDF file")}
ALIGN_LABELS = {"auto": N_("Automatic"), "left": N_("Left"), "center": N_("Centred"), "right": N_("Right")}
TOTALS_WRONG = N_("A totals row does not add up. Correct it, or tick the box below to save it as written.")


def _form(request, session, staff, values, item=None, status=200, field=None, totals_warning=False):
    return web.render(request, "disclosure_edit.html", status, session=session, item=item, values=values,
                      categories=DISCLOSURE_CATEGORIES, targets=writable_targets(request, staff), labels=LABELS,
                      aligns=ALIGN_LABELS, grids=forms.grid_state(values), field=field or "",
                      totals_warning=totals_warning, totals_wrong=TOTALS_WRONG)


def _totals_unconfirmed(form, values: dict) -> bool:
    """A totals row differs and the staff member has not ticked "save it as written"."""
    return form.get("totals_ok") != "yes" and any(g["problems"] for g in forms.grid_state(values))


def _save(request, session, staff, form, values, item=None):
    """Save the values (a new item when `item` is None); the form again when something is wrong."""
    if _totals_unconfirmed(form, values):
        return _form(request, session, staff, values, item, 422, totals_warning=True)
    doc, owner = forms.document(values, (item["draft"] or item["published"]) if item else {})
    try:
        with request.app.state.engine.begin() as conn:
            if item is None:
                items.create(conn, staff, {**doc, "id": values["id"]})
            else:
                items.replace_draft(conn, staff, item["id"], doc)
    except HubError as exc:
        if exc.status not in ((403, 409, 422) if item is None else (422,)):
            raise web.page_error(exc) from None
        field = forms.form_field(exc.field, doc, owner) or ("id" if item is None else None)
        return _form(request, session, staff, values, item, exc.status, field)
    return after_save(form, values["id"] if item is None else item["id"])


@router.get("/admin/items/{item_id}/edit-disclosure")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    item = writable_item(request, staff, item_id, "disclosure")
    return _form(request, session, staff, forms.values_of(item["draft"] or item["published"]), item)


@router.post("/admin/items/{item_id}/edit-disclosure")
@web.form_post
def save_disclosure(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = writable_item(request, staff, request.path_params["item_id"], "disclosure")
    values = forms.values_from(form)
    if form.get("op"):
        return _form(request, session, staff, values, item)
    return _save(request, session, staff, form, values, item)


@router.get("/admin/new-disclosure")
def new_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    targets = [t for t, _name in targets_or_403(request, staff)]
    params = request.query_params
    category = params.get("category") if params.get("category") in DISCLOSURE_CATEGORIES else "财务公开"
    today = dt.datetime.now(web.SHOWN_ZONE).date()
    values = forms.values_of({"category": category, "period": forms.previous_month(today),
                              "target": params.get("target") if params.get("target") in targets else targets[0]})
    if category == "财务公开":
        values["blocks"] = [{"type": "text", "text": ""}, forms.finance_table()]
    else:
        values["blocks"] = [{"type": "text", "text": ""}]
    return _form(request, session, staff, {**values, "id": ""})


@router.post("/admin/new-disclosure")
@web.form_post
def create_disclosure(request: Request, form):
    session, staff = web.signed_form(request, form)
    targets_or_403(request, staff)
    values = {**forms.values_from(form), "id": str(form.get("id") or "").strip()}
    if form.get("op"):
        return _form(request, session, staff, values)
    values["id"] = values["id"] or "disclosure-" + secrets.token_hex(4)
    if not is_safe_id(values["id"]):
        return _form(request, session, staff, values, status=422, field="id")
    return _save(request, session, staff, form, values)
