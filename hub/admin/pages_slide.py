"""The 宣传轮播 (slide) form: `/admin/items/{id}/edit-slide` and `/admin/new-slide?target=NODE`.

Every field of content.schemas.Slide but `sort` (kept): the image (an upload field: static/upload.js
sends it to /admin/files and shows the resized result), title, seconds on screen, the days of the
week and the hours it is shown (China's time; empty: all day), publish / expire time
(datetime-local, China's time, stored +08:00) and the target node. Saving goes through hub.items
(forms.save); "save and publish…" goes on to the publish check (pages_publish)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import perms
from hub.admin import forms, sessions, web
from hub.admin.pages_guide import shown_local, stored_time
from hub.admin.pages_items import FIELD_LABELS

router = APIRouter()
WEEKDAYS = {1: N_("Mon"), 2: N_("Tue"), 3: N_("Wed"), 4: N_("Thu"), 5: N_("Fri"), 6: N_("Sat"), 7: N_("Sun")}
LABELS = {**FIELD_LABELS, "id": N_("Id"), "image": N_("Image"), "duration_s": N_("Seconds on screen"),
          "days": N_("Days shown"), "time_from": N_("Shown from"), "time_to": N_("Shown until")}
TEXTS = ("title", "image", "duration_s", "time_from", "time_to", "publish_at", "expire_at", "target")


def values_of(doc: dict) -> dict:
    """A slide document as the form's values (text, and the days as a list of numbers)."""
    values = {name: "" if doc.get(name) is None else str(doc.get(name)) for name in TEXTS}
    for name in ("time_from", "time_to"):
        values[name] = values[name][:5]  # "08:00:00" -> "08:00", as <input type=time> shows it
    for name in ("publish_at", "expire_at"):
        values[name] = shown_local(doc.get(name))
    values["days"] = [d for d in doc.get("days", list(WEEKDAYS)) if d in WEEKDAYS]
    return values


def values_from(form) -> dict:
    values = {name: str(form.get(name) or "").strip() for name in TEXTS}
    values["days"] = sorted({int(d) for d in form.getlist("days") if str(d).isdigit() and int(d) in WEEKDAYS})
    return values


def document(values: dict, base: dict) -> dict:
    """The slide the values make over `base` (its `sort` is kept). A number or time that is not one
    is passed on as typed, for hub.items to refuse at its field."""
    doc = {"sort": base["sort"]} if "sort" in base else {}
    duration = values["duration_s"]
    doc.update(kind="slide", title=values["title"], image=values["image"], target=values["target"] or base.get("target", ""),
               duration_s=int(duration) if duration.isdigit() else duration or 8, days=values["days"],
               time_from=values["time_from"] or None, time_to=values["time_to"] or None,
               publish_at=stored_time(values["publish_at"]), expire_at=stored_time(values["expire_at"]))
    return doc


def _form(request, session, staff, values, item=None, status=200, field=None, targets=None):
    return web.render(request, "slide_edit.html", status, session=session, item=item, values=values,
                      labels=LABELS, weekdays=WEEKDAYS, field=field or "",
                      targets=targets or forms.targets_or_403(request, staff))


def _slide(request: Request, staff: perms.Staff, item_id: str) -> dict:
    return forms.writable_item(request, staff, item_id, "slide")


def _checked(values: dict) -> None:
    if not values["days"]:
        raise forms.Refused(422, "days")


@router.get("/admin/items/{item_id}/edit-slide")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    item = _slide(request, staff, item_id)
    return _form(request, session, staff, values_of(item["draft"] or item["published"]), item)


@router.post("/admin/items/{item_id}/edit-slide")
@web.form_post
def save_slide(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = _slide(request, staff, request.path_params["item_id"])
    values = values_from(form)
    try:
        _checked(values)
        forms.save(request, staff, document(values, item["draft"] or item["published"]), item["id"])
    except forms.Refused as exc:
        return _form(request, session, staff, values, item, exc.status, exc.field)
    return forms.after_save(form, item["id"])


@router.get("/admin/new-slide")
def new_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    targets = forms.targets_or_403(request, staff)
    values = {**values_of({"duration_s": 8}), "id": "", "target": forms.chosen_target(request, targets)}
    return _form(request, session, staff, values, targets=targets)


@router.post("/admin/new-slide")
@web.form_post
def create_slide(request: Request, form):
    session, staff = web.signed_form(request, form)
    forms.targets_or_403(request, staff)
    values = {**values_from(form), "id": str(form.get("id") or "").strip()}
    try:
        _checked(values)
        item_id = forms.save(request, staff, {**document(values, {}), "id": forms.new_id(values["id"], "slide")})
    except forms.Refused as exc:
        return _form(request, session, staff, values, status=exc.status, field=exc.field)
    return forms.after_save(form, item_id)
