"""The 办事指南 form: editing a guide's draft (`/admin/items/{id}/edit-guide`), a new guide
(`/admin/new-guide`, on a node the staff member may write); "save and publish…" goes on to
`/admin/items/{id}/publish-guide`, now pages_publish's generic publish check (a redirect).
hub.items checks, permits and audits.

The lists (conditions, materials, steps, FAQ) are hub.admin.rows lists: numbered rows named
`steps.0`, `materials.0.name`, ..., reordered and removed by posting the form back without script,
in the page by static/rows.js. Times are China's (datetime-local), stored +08:00."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from content.schemas import GUIDE_CATEGORIES
from hub.admin import forms, rows, sessions, web
from hub.admin.pages_items import FIELD_LABELS

router = APIRouter()
EXTRA_ROWS = rows.EXTRA_ROWS
LISTS = {"conditions": None, "steps": None, "materials": ("name", "copies", "original_or_copy", "note"),
         "faq": ("q", "a")}
TELLING = {"materials": ("name", "note")}  # a material's copies and original/copy have defaults
TEXTS = ("title", "category", "summary", "location", "hours", "time_limit", "visits", "fee", "phone",
         "complaint_phone", "online_url", "basis", "keywords", "publish_at", "expire_at", "target")
LINES = ("basis", "keywords")  # one entry a line
TIMES = ("publish_at", "expire_at")
KEPT = ("sort", "ticket_service")  # fields the form does not show: kept as they are
LABELS = {**FIELD_LABELS, "id": N_("Id"), "conditions": N_("Conditions"), "location": N_("Location / window"),
          "hours": N_("Opening hours"), "time_limit": N_("Time limit"), "visits": N_("Visits needed"),
          "fee": N_("Fee"), "basis": N_("Legal basis"), "phone": N_("Phone"),
          "complaint_phone": N_("Complaint phone"), "faq": N_("Questions and answers"),
          "online_url": N_("Online service address"), "keywords": N_("Keywords"), "copies": N_("Copies"),
          "original_or_copy": N_("Original or copy"), "note": N_("Note"), "q": N_("Question"), "a": N_("Answer")}
ORIGINALS = {"original": N_("Original"), "copy": N_("Copy"), "original_and_copy": N_("Original and copy")}


def shown_local(value: str | None) -> str:
    """A stored time as a datetime-local input's value in China's time."""
    if not value:
        return ""
    try:
        return dt.datetime.fromisoformat(value).astimezone(web.SHOWN_ZONE).strftime("%Y-%m-%dT%H:%M")
    except (TypeError, ValueError):
        return str(value)


def stored_time(value: str) -> str | None:
    """A datetime-local value (China's time) as an ISO time with +08:00; '' → None; anything else
    is passed on for hub.items to refuse with its field."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=web.SHOWN_ZONE).isoformat()
    except ValueError:
        return value


def values_of(doc: dict) -> dict:
    """A guide document as the form's values (all text)."""
    values = {name: doc.get(name) for name in TEXTS}
    for name in LINES:
        values[name] = "\n".join(doc.get(name) or [])
    for name in TIMES:
        values[name] = shown_local(doc.get(name))
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    for name, parts in LISTS.items():
        found = doc.get(name) or []
        values[name] = [dict(r, copies=str(r.get("copies", 1))) if name == "materials" else r for r in found]
    return values


def values_from(form) -> dict:
    """The posted form as values: blank rows dropped, a "move up" or "remove" button applied."""
    values = {name: str(form.get(name) or "").strip() for name in TEXTS}
    values.update(rows.lists_from(form, LISTS, TELLING))
    return values


def document(values: dict, base: dict) -> dict:
    """The guide document the values make, over `base` (the fields the form does not show)."""
    doc = {k: base[k] for k in KEPT if k in base}
    doc.update({name: values[name] for name in TEXTS if name not in LINES + TIMES})
    doc.update(kind="guide", online_url=values["online_url"] or None, visits=values["visits"] or 1)
    for name in LINES:
        doc[name] = rows.lines(values[name])
    for name in TIMES:
        doc[name] = stored_time(values[name])
    for name in LISTS:
        doc[name] = [dict(r) if isinstance(r, dict) else r for r in values[name]]
    for material in doc["materials"]:
        material["copies"] = material["copies"] or 1
        material["original_or_copy"] = material["original_or_copy"] or "original"
    return doc


def _form(request, session, staff, values, item=None, status=200, field=None):
    return web.render(request, "guide_edit.html", status, session=session, item=item, values=values,
                      categories=GUIDE_CATEGORIES, targets=forms.writable_targets(request, staff), labels=LABELS,
                      originals=ORIGINALS, lists=LISTS, extra=EXTRA_ROWS, field=field or "")


def _after_save(form, item_id: str):
    if form.get("action") == "publish":
        return web.redirect(f"/admin/items/{item_id}/publish-guide")
    return web.redirect(f"/admin/items/{item_id}")


@router.get("/admin/items/{item_id}/edit-guide")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    item = forms.writable_item(request, staff, item_id, "guide")
    return _form(request, session, staff, values_of(item["draft"] or item["published"]), item)


@router.post("/admin/items/{item_id}/edit-guide")
@web.form_post
def save_guide(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = forms.writable_item(request, staff, request.path_params["item_id"], "guide")
    values = values_from(form)
    if rows.rearranging(form):
        return _form(request, session, staff, values, item)
    doc = document(values, item["draft"] or item["published"])
    field = web.save_draft(request, staff, item["id"], doc)
    if field is not None:
        return _form(request, session, staff, values, item, 422, field)
    return _after_save(form, item["id"])


def _new_values() -> dict:
    return values_of({"fee": "不收费", "visits": 1, "category": GUIDE_CATEGORIES[0]})


@router.get("/admin/new-guide")
def new_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    forms.targets_or_403(request, staff)
    return _form(request, session, staff, {**_new_values(), "id": ""})


@router.post("/admin/new-guide")
@web.form_post
def create_guide(request: Request, form):
    session, staff = web.signed_form(request, form)
    forms.targets_or_403(request, staff)
    values = {**values_from(form), "id": str(form.get("id") or "").strip()}
    if rows.rearranging(form):
        return _form(request, session, staff, values)
    try:
        item_id = forms.save(request, staff, {**document(values, {}), "id": forms.new_id(values["id"], "guide")})
    except forms.Refused as exc:
        return _form(request, session, staff, values, status=exc.status, field=exc.field)
    return _after_save(form, item_id)
